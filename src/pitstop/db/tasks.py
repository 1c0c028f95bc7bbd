"""Built-in tasks ``db-init`` and ``extensions-deploy``: the same verbs as ``pitstop db
init`` and ``pitstop db extensions deploy``, with the run's dry run.  The outcome's
message is the line the run shows; its data the verb result's ``to_dict()``."""

from __future__ import annotations

from pitstop.capability import TaskContext, TaskOutcome, TaskStatus
from pitstop.errors import EXIT_DRY_RUN, EXIT_OK


def _status(code: int) -> TaskStatus:
    return "success" if code == EXIT_OK else "dry-run" if code == EXIT_DRY_RUN else "failed"


def db_init_task(ctx: TaskContext) -> TaskOutcome:
    """Create the database if it does not exist."""
    from pitstop.db.verbs import init

    result = init(ctx.settings, dry_run=ctx.dry_run)
    return TaskOutcome(status=_status(result.exit_code), exit_code=result.exit_code,
                       message=result.message, data=result.to_dict())


def extensions_deploy_task(ctx: TaskContext) -> TaskOutcome:
    """Create the missing extensions of ``[db.extensions] required``."""
    from pitstop.db.verbs import deploy_extensions, describe

    result = deploy_extensions(ctx.settings, dry_run=ctx.dry_run)
    for s in result.extensions:
        ctx.log.info("%s %s %s", s.name, s.installed or "-", s.action or s.state)
    return TaskOutcome(status=_status(result.exit_code), exit_code=result.exit_code,
                       message=describe(result), data=result.to_dict())
