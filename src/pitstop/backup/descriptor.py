"""The ``backup`` capability (database backups and tree snapshots), declared once (see
:mod:`pitstop.capability`)."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Section, Task, Verb

CAPABILITY = Capability(
    name="backup",
    summary="Consistent, verified, compressed database backups with retention; "
            "deduplicated snapshots of the git-tracked tree.",
    docs="docs/backup.md",
    sections=(Section("backup", "pitstop.backup.settings:BackupSettings"),
              Section("snapshot", "pitstop.backup.settings:SnapshotSettings")),
    commands=(
        Command("backup", "pitstop.cli.backup_cmd:backup",
                "Create, verify, restore and prune database backups."),
        Command("snapshot", "pitstop.cli.snapshot_cmd:snapshot",
                "Deduplicated snapshots of the git-tracked tree."),
    ),
    verbs=(
        Verb("create", "pitstop.backup:create_backup", "Back up the database.", "write"),
        Verb("list", "pitstop.backup:list_backups", "List backups.", recorded=False),
        Verb("show", "pitstop.backup:find_backup", "One backup's manifest.", recorded=False),
        Verb("verify", "pitstop.backup:verify_backup", "Restore a backup into a scratch "
             "database and check it."),
        Verb("restore", "pitstop.backup:restore_backup", "Restore a backup.", "admin"),
        Verb("delete", "pitstop.backup:delete_backup", "Delete one backup.", "admin"),
        Verb("prune", "pitstop.backup:prune_backups", "Remove backups no keep rule keeps.",
             "admin"),
        Verb("snapshot-create", "pitstop.backup:create_snapshot", "Snapshot the tracked "
             "files.", "write", command=("snapshot", "create")),
        Verb("snapshot-list", "pitstop.backup:list_snapshots", "List snapshots.",
             recorded=False, command=("snapshot", "list")),
        Verb("snapshot-restore", "pitstop.backup:restore_snapshot", "Write a snapshot's "
             "files into a directory.", "write", command=("snapshot", "restore")),
        Verb("snapshot-diff", "pitstop.backup:diff_snapshots", "Compare two snapshots.",
             command=("snapshot", "diff")),
        Verb("snapshot-prune", "pitstop.backup:prune_snapshots", "Remove snapshots no keep "
             "rule keeps.", "admin", command=("snapshot", "prune")),
    ),
    tasks=(
        Task("backup", "pitstop.backup.tasks:backup_task", "Back up the database.",
             verb="backup create"),
        Task("backup-verify", "pitstop.backup.tasks:backup_verify_task",
             "Verify the newest backup by restoring it into a scratch database.", "read",
             verb="backup verify"),
    ),
)
