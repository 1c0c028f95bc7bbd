"""A backup before migrating: where ``migrate up`` and ``backup create`` meet.

The migration engine knows nothing of backups (``pitstop.migrate`` never imports
``pitstop.backup``): its ``up`` verb takes a ``before_apply`` hook, called with the
:class:`~pitstop.migrate.results.PendingPlan` once something is to be applied.  The
fronts that compose the two — ``pitstop migrate up --backup``, ``[migrate]
backup_before``, the built-in ``migrate`` task and the web page — pass
:func:`before_apply_for`, which backs the database up first and hands
``create_backup`` the migration head it is at.

Importing this module is cheap: the backup machinery loads only when a backup is made.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pitstop.capability import TaskContext, TaskOutcome
from pitstop.errors import EXIT_DRY_RUN, PitstopError
from pitstop.migrate.results import BeforeApply, PendingPlan, RestorePoint, counted
from pitstop.migrate.settings import MigrateSettings

if TYPE_CHECKING:
    from pitstop.config import Settings

log = logging.getLogger("pitstop.backup")

LABEL = "pre-migrate"


def backup_first(settings: Settings, *, label: str = LABEL) -> BeforeApply:
    """A ``before_apply`` hook that backs up the database about to be migrated,
    recording the migration head it is at; the backup is the run's restore point."""

    def hook(plan: PendingPlan) -> RestorePoint:
        from pitstop.backup.archive import create_backup

        log.info("backing up %s before migrating", plan.database)
        made = create_backup(settings, database_url=plan.database_url, label=label,
                             migration_head=plan.current_version)
        return RestorePoint(made.id, f"backup {made.id} was taken before migrating; "
                                     f"`pitstop backup restore {made.id} --yes` returns to it")

    return hook


def before_apply_for(settings: Settings, backup: bool | None = None) -> BeforeApply | None:
    """The hook ``migrate up`` gets: a backup first when ``backup`` says so, or, when it
    is ``None``, when ``[migrate] backup_before`` does; else none."""
    wanted = settings.section(MigrateSettings).backup_before if backup is None else backup
    return backup_first(settings) if wanted else None


def migrate_task(ctx: TaskContext) -> TaskOutcome:
    """The built-in ``migrate`` task: ``migrate up`` (backing up first when ``[migrate]
    backup_before`` is on); in a dry run, only the plan.  The run keeps the result's
    ``to_dict()``; a migration that fails after the backup keeps its ``backup_id``.

    Errors (a failed migration, drift, an unreachable database, a lock not granted)
    are raised as :class:`~pitstop.errors.PitstopError` for the engine to record."""
    import pitstop.migrate as m

    try:
        result = m.up(ctx.settings, dry_run=ctx.dry_run or None,
                      before_apply=before_apply_for(ctx.settings))
    except PitstopError as exc:
        backup_id = getattr(exc, "backup_id", None)
        if backup_id is None:
            raise
        # the backup taken first is recorded on the run, to restore from
        ctx.log.error("%s (hint: %s)", exc.message, exc.hint)
        return TaskOutcome("failed", exc.exit_code, exc.message, {"backup_id": backup_id})
    data = result.to_dict()
    if result.dry_run:
        return TaskOutcome("dry-run", EXIT_DRY_RUN,
                           f"{counted(len(result.plan), 'migration')} would be applied", data)
    for done in result.applied:
        ctx.log.info("applied %s in %d ms", done.file, done.execution_ms)
    return TaskOutcome("success", 0, f"{counted(len(result.applied), 'migration')} applied; "
                                     f"current version {result.current_version or '(none)'}",
                       data)
