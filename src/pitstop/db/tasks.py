"""Built-in task ``db-init``."""

from __future__ import annotations

from pitstop.capability import TaskContext, TaskOutcome
from pitstop.db.init import init_database


def db_init_task(ctx: TaskContext) -> TaskOutcome:
    result = init_database(ctx.settings.database_url, dry_run=ctx.dry_run,
                           timeout=ctx.timeout or 10.0)
    ctx.log.info(result.message)
    return TaskOutcome(data={"created": result.created, "database": result.database})
