"""Built-in workflow tasks of the checks capability: ``check``, ``check-env``,
``check-database``, ``check-redis``, ``check-extensions``, ``check-schema`` and
``wait-database`` (``extensions-deploy`` is the ``db`` capability's).

Each is ``fn(ctx: TaskContext) -> TaskOutcome``.  The ``env`` check needs the process
environment: a task uses the ``environ`` argument when given, else ``ctx.environ`` (what
the engine was started with), and only when neither has anything does
:func:`process_environ` fall back to ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from pitstop.capability import TaskContext, TaskOutcome
from pitstop.checks.report import format_lines, save_report
from pitstop.checks.runner import CheckReport, check_env, run_checks, select_checks
from pitstop.errors import EXIT_OK


def process_environ(ctx: TaskContext, environ: Mapping[str, str] | None) -> Mapping[str, str]:
    """The environment a task's checks look at: ``environ``, else the engine's
    ``ctx.environ``, else (a context built without one) the process's."""
    if environ is not None:
        return environ
    given: Mapping[str, str] | None = getattr(ctx, "environ", None)
    return given if given else os.environ


def _run(ctx: TaskContext, names: Sequence[str], environ: Mapping[str, str] | None
         ) -> TaskOutcome:
    env = check_env(ctx.settings, process_environ(ctx, environ))
    report: CheckReport = run_checks(select_checks(env, names), timeout=ctx.timeout)
    for line in format_lines(report):
        ctx.log.info("%s", line)
    for warning in save_report(ctx.settings, report, run_id=ctx.run_id):
        ctx.log.warning("%s", warning)
    code = report.exit_code()
    failed = [r for r in report.results if r.status == "fail"]
    message = ("; ".join(f"{r.name}: {r.message}" for r in failed) if failed
               else f"{len(report.results)} checks passed")
    return TaskOutcome(
        status="success" if code == EXIT_OK else "failed", exit_code=code, message=message,
        data={"checks": {r.name: r.status for r in report.results},
              "duration_seconds": round(report.duration_seconds, 3)},
    )


def check_all_task(ctx: TaskContext, environ: Mapping[str, str] | None = None) -> TaskOutcome:
    """Run every configured health check."""
    return _run(ctx, (), environ)


def check_env_task(ctx: TaskContext, environ: Mapping[str, str] | None = None) -> TaskOutcome:
    """Python version, required env vars, virtualenv, executables, free disk."""
    return _run(ctx, ("env",), environ)


def check_database_task(ctx: TaskContext, environ: Mapping[str, str] | None = None
                        ) -> TaskOutcome:
    return _run(ctx, ("database",), environ)


def check_redis_task(ctx: TaskContext, environ: Mapping[str, str] | None = None
                     ) -> TaskOutcome:
    return _run(ctx, ("redis",), environ)


def check_extensions_task(ctx: TaskContext, environ: Mapping[str, str] | None = None
                          ) -> TaskOutcome:
    return _run(ctx, ("extensions",), environ)


def check_schema_task(ctx: TaskContext, environ: Mapping[str, str] | None = None
                      ) -> TaskOutcome:
    return _run(ctx, ("schema",), environ)


def wait_database_task(ctx: TaskContext) -> TaskOutcome:
    """Wait until the database answers (the task's timeout, default 60 s)."""
    from pitstop.checks.wait import wait

    [result] = wait(ctx.settings, ("database",), timeout=ctx.timeout or 60.0, interval=1.0,
                    cancel=ctx.cancel)
    if result.ready:
        ctx.log.info("%s answered after %.1f s: %s", result.label, result.seconds, result.detail)
        return TaskOutcome(message=result.detail, data={"seconds": round(result.seconds, 3)})
    ctx.log.error("%s did not answer within %.0f s: %s", result.label, result.seconds,
                  result.detail)
    return TaskOutcome(status="failed", exit_code=result.exit_code, message=result.detail,
                       data={"attempts": result.attempts})
