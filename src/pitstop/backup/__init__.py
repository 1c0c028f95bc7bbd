"""Database backups and source-tree snapshots.

Database backups (``create_backup`` … ``prune_backups``) go through one dumper per
dialect (SQLite online backup API, ``pg_dump``/``pg_restore``,
``mariadb-dump``/``mariadb``) into a store (a local directory), compressed,
checksummed and described by a JSON manifest.  Snapshots (``create_snapshot`` …
``prune_snapshots``) keep the git-tracked files of the repository as
content-addressed zstd blobs, listed by one tree object per directory that
snapshots share while the directory is unchanged.

Every verb is ``verb(settings, *, progress=None, **options) -> Result`` (frozen
results deriving from :class:`pitstop.capability.Result`, one ``to_dict()``); none
prints.  A backup before migrating is :mod:`pitstop.backup.premigrate`.  Errors are
:class:`~pitstop.errors.BackupError` (or the shared ``DependencyError``,
``ConnectError``, ``UsageError``).

Importing this package is cheap: each name loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.backup.archive import (
        BackupNotFoundError,
        create_backup,
        delete_backup,
        find_backup,
        last_failure,
        list_backups,
    )
    from pitstop.backup.model import (
        Backup,
        BackupList,
        DeleteResult,
        KeepDecision,
        PruneResult,
        RestoreResult,
        VerifyResult,
    )
    from pitstop.backup.restore import (
        RestoreRefusedError,
        prune_backups,
        restore_backup,
        verify_backup,
    )
    from pitstop.backup.retention import KeepPolicy, apply_policy
    from pitstop.backup.settings import BackupSettings, SnapshotSettings
    from pitstop.backup.snapshot import (
        DirtyTreeError,
        Snapshot,
        SnapshotList,
        create_snapshot,
        find_snapshot,
        list_snapshots,
    )
    from pitstop.backup.snapshot_restore import (
        SnapshotDiff,
        SnapshotRestore,
        diff_snapshots,
        prune_snapshots,
        restore_snapshot,
    )

_EXPORTS: dict[str, str] = {
    "Backup": "pitstop.backup.model",
    "BackupList": "pitstop.backup.model",
    "DeleteResult": "pitstop.backup.model",
    "BackupNotFoundError": "pitstop.backup.archive",
    "BackupSettings": "pitstop.backup.settings",
    "DirtyTreeError": "pitstop.backup.snapshot",
    "KeepDecision": "pitstop.backup.model",
    "KeepPolicy": "pitstop.backup.retention",
    "PruneResult": "pitstop.backup.model",
    "RestoreRefusedError": "pitstop.backup.restore",
    "RestoreResult": "pitstop.backup.model",
    "Snapshot": "pitstop.backup.snapshot",
    "SnapshotDiff": "pitstop.backup.snapshot_restore",
    "SnapshotRestore": "pitstop.backup.snapshot_restore",
    "SnapshotList": "pitstop.backup.snapshot",
    "SnapshotSettings": "pitstop.backup.settings",
    "VerifyResult": "pitstop.backup.model",
    "apply_policy": "pitstop.backup.retention",
    "create_backup": "pitstop.backup.archive",
    "create_snapshot": "pitstop.backup.snapshot",
    "delete_backup": "pitstop.backup.archive",
    "diff_snapshots": "pitstop.backup.snapshot_restore",
    "find_backup": "pitstop.backup.archive",
    "find_snapshot": "pitstop.backup.snapshot",
    "last_failure": "pitstop.backup.archive",
    "list_backups": "pitstop.backup.archive",
    "list_snapshots": "pitstop.backup.snapshot",
    "prune_backups": "pitstop.backup.restore",
    "prune_snapshots": "pitstop.backup.snapshot_restore",
    "restore_backup": "pitstop.backup.restore",
    "restore_snapshot": "pitstop.backup.snapshot_restore",
    "verify_backup": "pitstop.backup.restore",
}

__all__ = [
    "Backup",
    "BackupList",
    "BackupNotFoundError",
    "BackupSettings",
    "DeleteResult",
    "DirtyTreeError",
    "KeepDecision",
    "KeepPolicy",
    "PruneResult",
    "RestoreRefusedError",
    "RestoreResult",
    "Snapshot",
    "SnapshotDiff",
    "SnapshotList",
    "SnapshotRestore",
    "SnapshotSettings",
    "VerifyResult",
    "apply_policy",
    "create_backup",
    "create_snapshot",
    "delete_backup",
    "diff_snapshots",
    "find_backup",
    "find_snapshot",
    "last_failure",
    "list_backups",
    "list_snapshots",
    "prune_backups",
    "prune_snapshots",
    "restore_backup",
    "restore_snapshot",
    "verify_backup",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pitstop.backup' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
