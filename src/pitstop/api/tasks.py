"""Built-in task ``generate``: the same verb as ``pitstop api generate``, with the run's
dry run (the documents and clients are compared, nothing is written)."""

from __future__ import annotations

from pitstop.capability import TaskContext, TaskOutcome, TaskStatus
from pitstop.errors import EXIT_DRY_RUN, EXIT_OK


def generate_task(ctx: TaskContext) -> TaskOutcome:
    """Write the documents and clients that changed."""
    from pitstop.api.generation import generate

    result = generate(ctx.settings, dry_run=ctx.dry_run)
    for warning in result.warnings:
        ctx.log.warning("%s", warning)
    for module in result.modules:
        ctx.log.info("%s: written %d, unchanged %d, removed %d%s", module.name,
                     len(module.written), module.unchanged, len(module.removed),
                     f", left alone {len(module.edited) + len(module.conflicts)}"
                     if module.edited or module.conflicts else "")
    code = result.exit_code
    status: TaskStatus = "success" if code == EXIT_OK else "dry-run" if code == EXIT_DRY_RUN else "failed"
    written = sum(len(m.written) + len(m.removed) for m in result.modules)
    message = (f"{written} file(s) {'would change' if code == EXIT_DRY_RUN else 'changed'} "
               f"in {result.output}")
    if code not in (EXIT_OK, EXIT_DRY_RUN):
        message += "; files edited by hand or not pitstop's were left alone (--force)"
    return TaskOutcome(status=status, exit_code=code, message=message, data=result.to_dict())
