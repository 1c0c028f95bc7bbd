"""Built-in workflow task ``migrate`` = ``pitstop migrate up``."""

from __future__ import annotations

from pitstop.capability import TaskContext, TaskOutcome
from pitstop.errors import EXIT_DRY_RUN, PitstopError


def migrate_task(ctx: TaskContext) -> TaskOutcome:
    """Apply pending migrations; in a dry run, only plan them.

    Errors (a failed migration, drift, an unreachable database, a lock not granted)
    are raised as :class:`~pitstop.errors.PitstopError` for the engine to record.
    """
    import pitstop.migrate as m
    from pitstop.migrate.results import counted

    try:
        result = m.up(ctx.settings, dry_run=ctx.dry_run or None)
    except PitstopError as exc:
        backup_id = getattr(exc, "backup_id", None)
        if backup_id is None:
            raise
        # the backup taken first is recorded on the run, to restore from
        ctx.log.error("%s (hint: %s)", exc.message, exc.hint)
        return TaskOutcome("failed", exc.exit_code, exc.message, {"backup_id": backup_id})
    data = {
        "applied": [a.file for a in result.applied],
        "planned": [p.file for p in result.plan],
        "current_version": result.current_version,
        "backup_id": result.backup_id,
    }
    if result.dry_run:
        return TaskOutcome("dry-run", EXIT_DRY_RUN,
                           f"{counted(len(result.plan), 'migration')} would be applied",
                           data)
    for done in result.applied:
        ctx.log.info("applied %s in %d ms", done.file, done.execution_ms)
    return TaskOutcome("success", 0, f"{counted(len(result.applied), 'migration')} applied; "
                                     f"current version {result.current_version or '(none)'}",
                       data)
