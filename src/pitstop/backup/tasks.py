"""Built-in workflow tasks ``backup`` and ``backup-verify``.

``backup`` backs up the configured database and stores on the run::

    {"backup_id": "20250617T103000Z-a1b2c3", "size": 18874368,
     "sha256": "9f2c…", "migration_head": "20250601"}

``backup-verify`` verifies the backup made by a ``backup`` task earlier in the same
run (else the newest one that is not a safety backup) and stores the
:class:`~pitstop.backup.model.VerifyResult` as JSON; a failed check fails the task
(exit 1), an unreachable server or a missing ``pg_restore``/``mariadb`` raises as usual
(exit 4/2).  Both honour dry runs.

A failed ``backup`` is remembered by the store, so a later ``pitstop backup prune``
in the same workflow refuses to run.
"""

from __future__ import annotations

from pitstop.backup.backups import create_backup, find_backup, list_backups
from pitstop.backup.restore import verify_backup
from pitstop.capability import TaskContext, TaskOutcome
from pitstop.errors import EXIT_ERROR, BackupError
from pitstop.redact import mask_url


def backup_task(ctx: TaskContext) -> TaskOutcome:
    """Back up the configured database; the backup id is stored on the run."""
    if ctx.dry_run:
        return TaskOutcome("dry-run", 0,
                           f"would back up {mask_url(ctx.settings.database_url)}")
    backup = create_backup(ctx.settings, label=f"run {ctx.run_id}")
    ctx.log.info("backup %s: %d bytes, sha256 %s", backup.id, backup.size, backup.sha256[:16])
    return TaskOutcome("success", 0, f"backup {backup.id}",
                       {"backup_id": backup.id, "size": backup.size, "sha256": backup.sha256,
                        "migration_head": backup.migration_head})


def backup_verify_task(ctx: TaskContext) -> TaskOutcome:
    """Verify the newest backup (the one a ``backup`` task in this run made, if any)."""
    earlier = ctx.results.get("backup")
    backup_id = str(earlier.data["backup_id"]) if earlier and "backup_id" in earlier.data \
        else None
    if backup_id is None:
        if not list_backups(ctx.settings):
            raise BackupError("there is no backup to verify",
                              hint="run the `backup` task first")
        backup_id = find_backup(ctx.settings, "latest").id  # never a safety backup
    if ctx.dry_run:
        return TaskOutcome("dry-run", 0, f"would verify backup {backup_id}")
    result = verify_backup(ctx.settings, backup_id)
    data = result.to_json()
    if not result.ok:
        for problem in result.problems:
            ctx.log.error("%s", problem)
        return TaskOutcome("failed", EXIT_ERROR, f"backup {backup_id} failed verification",
                           data)
    ctx.log.info("backup %s verified: %d tables, %d rows", backup_id, result.tables,
                 result.rows)
    return TaskOutcome("success", 0, f"backup {backup_id} verified", data)
