"""Built-in workflow tasks of the checks capability: ``check``, ``check-env``,
``check-database``, ``check-redis``, ``check-extensions``, ``check-schema`` and
``wait-database`` (``extensions-deploy`` is the ``db`` capability's).

Each is ``fn(ctx: TaskContext) -> TaskOutcome`` and calls the verb the CLI calls
(:func:`pitstop.checks.verbs.check`, :func:`pitstop.checks.wait.wait`).  The ``env``
check looks at the environment the engine was started with (``ctx.environ``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from pitstop.capability import TaskContext, TaskOutcome, current_invocation, invocation
from pitstop.errors import EXIT_OK


@contextlib.contextmanager
def _within(ctx: TaskContext) -> Iterator[None]:
    """Calls made outside any run (a task called on its own) belong to the task's run."""
    if current_invocation().parent_id is None:
        with invocation(trigger="workflow", parent_id=ctx.run_id):
            yield
    else:
        yield


def _run(ctx: TaskContext, names: Sequence[str]) -> TaskOutcome:
    from pitstop.checks.report import format_lines
    from pitstop.checks.verbs import check

    with _within(ctx):
        report = check(ctx.verb_settings(), names=tuple(names), timeout=ctx.timeout)
    for line in format_lines(report):
        ctx.log.info("%s", line)
    for warning in report.warnings:
        ctx.log.warning("%s", warning)
    code = report.exit_code
    failed = [r for r in report.results if r.status == "fail"]
    message = ("; ".join(f"{r.name}: {r.message}" for r in failed) if failed
               else f"{len(report.results)} checks passed")
    return TaskOutcome(
        status="success" if code == EXIT_OK else "failed", exit_code=code, message=message,
        data={"checks": {r.name: r.status for r in report.results},
              "duration_seconds": round(report.duration_seconds, 3)},
    )


def check_all_task(ctx: TaskContext) -> TaskOutcome:
    """Run every configured health check."""
    return _run(ctx, ())


def check_env_task(ctx: TaskContext) -> TaskOutcome:
    """Python version, required env vars, virtualenv, executables, free disk."""
    return _run(ctx, ("env",))


def check_database_task(ctx: TaskContext) -> TaskOutcome:
    """The database answers."""
    return _run(ctx, ("database",))


def check_redis_task(ctx: TaskContext) -> TaskOutcome:
    """Redis/Dragonfly answers."""
    return _run(ctx, ("redis",))


def check_extensions_task(ctx: TaskContext) -> TaskOutcome:
    """The required PostgreSQL extensions are installed."""
    return _run(ctx, ("extensions",))


def check_schema_task(ctx: TaskContext) -> TaskOutcome:
    """The live schema matches the SQLAlchemy models."""
    return _run(ctx, ("schema",))


def wait_database_task(ctx: TaskContext) -> TaskOutcome:
    """Wait until the database answers (the task's timeout, default 60 s)."""
    from pitstop.checks.wait import wait

    with _within(ctx):
        report = wait(ctx.verb_settings(), targets=("database",), timeout=ctx.timeout or 60.0,
                      interval=1.0, cancel=ctx.cancel)
    [result] = report.results
    if result.ready:
        ctx.log.info("%s answered after %.1f s: %s", result.label, result.seconds, result.detail)
        return TaskOutcome(message=result.detail, data={"seconds": round(result.seconds, 3)})
    ctx.log.error("%s did not answer within %.0f s: %s", result.label, result.seconds,
                  result.detail)
    return TaskOutcome(status="failed", exit_code=result.exit_code, message=result.detail,
                       data={"attempts": result.attempts})
