"""Built-in workflow tasks ``backup`` and ``backup-verify``; each calls the verb the CLI
calls and keeps its result's ``to_dict()`` on the run.

``backup`` backs up the configured database and stores the backup's manifest on the
run (``id``, ``size``, ``sha256``, ``migration_head`` …).  ``backup-verify``
verifies the backup made by a ``backup`` task earlier in the same run (else the
newest one that is not a safety backup) and stores the verification; a failed check
fails the task (exit 1), an unreachable server or a missing ``pg_restore``/``mariadb``
raises as usual (exit 4/2).  Both honour dry runs.

A failed ``backup`` is remembered by the store, so a later ``pitstop backup prune``
in the same workflow refuses to run.  The built-in ``migrate`` task, which backs up
first when ``[migrate] backup_before`` is on, is :mod:`pitstop.backup.premigrate`.
"""

from __future__ import annotations

from pitstop.backup.archive import create_backup, find_backup, stored_backups
from pitstop.backup.restore import verify_backup
from pitstop.capability import TaskContext, TaskOutcome
from pitstop.errors import EXIT_ERROR, BackupError
from pitstop.redact import mask_url


def backup_task(ctx: TaskContext) -> TaskOutcome:
    """Back up the configured database; the backup's manifest is stored on the run."""
    if ctx.dry_run:
        return TaskOutcome("dry-run", 0,
                           f"would back up {mask_url(ctx.settings.database_url)}")
    backup = create_backup(ctx.settings, label=f"run {ctx.run_id}")
    ctx.log.info("backup %s: %d bytes, sha256 %s", backup.id, backup.size, backup.sha256[:16])
    return TaskOutcome("success", 0, f"backup {backup.id}", backup.to_dict())


def backup_verify_task(ctx: TaskContext) -> TaskOutcome:
    """Verify the newest backup (the one a ``backup`` task in this run made, if any)."""
    earlier = ctx.results.get("backup")
    backup_id = str(earlier.data["id"]) if earlier and "id" in earlier.data else "latest"
    if backup_id == "latest" and not stored_backups(ctx.settings):
        raise BackupError("there is no backup to verify", hint="run the `backup` task first")
    if ctx.dry_run:
        if backup_id == "latest":
            backup_id = find_backup(ctx.settings).id  # never a safety backup
        return TaskOutcome("dry-run", 0, f"would verify backup {backup_id}")
    result = verify_backup(ctx.settings, backup_id=backup_id)
    data = result.to_dict()
    if not result.ok:
        for problem in result.problems:
            ctx.log.error("%s", problem)
        return TaskOutcome("failed", EXIT_ERROR,
                           f"backup {result.backup.id} failed verification", data)
    ctx.log.info("backup %s verified: %d tables, %d rows", result.backup.id, result.tables,
                 result.rows)
    return TaskOutcome("success", 0, f"backup {result.backup.id} verified", data)
