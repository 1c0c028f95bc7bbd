"""What the pages and the JSON API start — a runbook, a backup verify or restore, a
migration up or down — in one place, so both fronts check the same role and
confirmation and write the same audit entries.

Each function checks the principal's role against the level of what is asked (a
runbook's highest task, a verb's declared level), then starts the work through
:class:`~pitstop.serve.jobs.Jobs` and returns the :class:`~pitstop.serve.jobs.Job`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pitstop.errors import UsageError
from pitstop.serve import calls
from pitstop.serve.auth import Principal, level_role
from pitstop.serve.web import actor_of, check_role, context

if TYPE_CHECKING:
    from collections.abc import Mapping

    from fastapi import Request

    from pitstop.config import Settings
    from pitstop.engine.planner import Plan
    from pitstop.serve.jobs import Job

LEVEL_RANK = {"read": 1, "write": 2, "admin": 3}


class NotFound(LookupError):
    """No such runbook or backup: 404."""


class Unconfirmed(UsageError):
    """The typed confirmation does not match: nothing was done (400)."""


def runbook_level(plan: Plan) -> str:
    """A workflow's level is its highest task's."""
    levels = [task.level for task in plan.tasks.values()]
    return max(levels, key=lambda level: LEVEL_RANK.get(level, 3), default="read")


def runbooks(settings: Settings) -> list[tuple[str, Plan | None, str, str | None]]:
    """Every workflow: ``(name, plan, level, problem)`` (a workflow that does not plan
    is shown with its problem, at level admin)."""
    from pitstop.errors import PitstopError

    found: list[tuple[str, Plan | None, str, str | None]] = []
    for name in sorted(settings.workflows):
        try:
            plan = calls.runbook_plan(settings, name)
        except PitstopError as exc:
            found.append((name, None, "admin", exc.message))
            continue
        found.append((name, plan, runbook_level(plan), None))
    return found


def may_start(principal: Principal | None, level: str) -> bool:
    return principal is not None and principal.can(level_role(level))


def form_params(form: Mapping[str, Any]) -> dict[str, str]:
    """The parameter values of a runbook form: its ``param.NAME`` fields; an empty
    field is no value (the declared default applies)."""
    return {key[len("param."):]: str(value) for key, value in form.items()
            if key.startswith("param.") and str(value) != ""}


def start_runbook(request: Request, principal: Principal, name: str,
                  params: Mapping[str, Any] | None = None) -> Job:
    """Start workflow ``name`` with ``params`` (checked against its declarations before
    anything starts: a wrong one is a ConfigError, 400)."""
    ctx = context(request)
    if name not in ctx.settings.workflows:
        raise NotFound(f"no runbook named {name!r}")
    plan = calls.runbook_plan(ctx.settings, name)
    check_role(principal, level_role(runbook_level(plan)), "runbook.start", name)
    given = {str(key): _param_text(key, value) for key, value in (params or {}).items()}
    calls.runbook_plan(ctx.settings, name, given)

    def work(report: Any) -> Any:
        def on_event(event: Any) -> None:
            if event.run_id is None:
                return
            if event.kind == "run-started":
                report(event.run_id)
            ctx.notifier.notify(event.run_id)

        return calls.run_runbook(ctx.settings, name, user=principal.user, on_event=on_event,
                                 params=given)

    return ctx.jobs.start("runbook.start", name, actor_of(request, principal), work)


def _param_text(name: Any, value: Any) -> str:
    """A parameter value as the engine takes it (text, like ``--param NAME=VALUE``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise UsageError(f"parameter {name}: expected a string, number or boolean, "
                     f"got {type(value).__name__}")


def _verb_role(principal: Principal, capability: str, verb: str, action: str,
               target: str) -> None:
    check_role(principal, level_role(calls.verb_level(capability, verb)), action, target)


def _confirm(settings: Settings, typed: str | None, what: str) -> None:
    expected = calls.database_name(settings)
    if (typed or "").strip() != expected:
        raise Unconfirmed(f"{what}: type the database name {expected!r} to confirm",
                          hint="nothing was changed")


def _verified(result: Any) -> str:
    problems = list(getattr(result, "problems", ()))
    return "; ".join(problems) if problems else "checksum and restore ok"


def _restored(result: Any) -> str:
    safety = getattr(result, "safety_backup", None)
    into = f"into {getattr(result, 'target', '?')}"
    return f"{into}; safety backup {safety.id}" if safety is not None \
        else f"{into}; it was empty, no safety backup"


def verify_backup(request: Request, principal: Principal, backup_id: str) -> Job:
    ctx = context(request)
    _verb_role(principal, "backup", "verify", "backup.verify", backup_id)
    return ctx.jobs.start("backup.verify", backup_id, actor_of(request, principal),
                          lambda _report: calls.verify_backup(ctx.settings, backup_id),
                          _verified)


def restore_backup(request: Request, principal: Principal, backup_id: str,
                   confirm: str | None) -> Job:
    ctx = context(request)
    _verb_role(principal, "backup", "restore", "backup.restore", backup_id)
    _confirm(ctx.settings, confirm, f"restoring {backup_id}")
    return ctx.jobs.start("backup.restore", backup_id, actor_of(request, principal),
                          lambda _report: calls.restore_backup(ctx.settings, backup_id),
                          _restored)


def migrate_up(request: Request, principal: Principal) -> Job:
    ctx = context(request)
    target = calls.database_label(ctx.settings)
    _verb_role(principal, "migrate", "up", "migrate.up", target)
    return ctx.jobs.start("migrate.up", target, actor_of(request, principal),
                          lambda _report: calls.migrate_up(ctx.settings))


def migrate_down(request: Request, principal: Principal, confirm: str | None,
                 steps: int = 1) -> Job:
    ctx = context(request)
    target = calls.database_label(ctx.settings)
    _verb_role(principal, "migrate", "down", "migrate.down", target)
    if steps < 1:
        raise UsageError(f"steps: expected 1 or more, got {steps}")
    _confirm(ctx.settings, confirm, "rolling back")
    return ctx.jobs.start("migrate.down", target, actor_of(request, principal),
                          lambda _report: calls.migrate_down(ctx.settings, steps=steps))


def job_data(job: Job) -> dict[str, Any]:
    """A job as the API answers it: its run id, or its outcome when it has no run."""
    from pitstop.errors import PitstopError

    data: dict[str, Any] = {"action": job.action, "target": job.target, "run_id": job.run_id,
                            "finished": job.finished}
    if job.run_id is None and job.finished:
        if job.error is not None:
            error = job.error
            data["error"] = error.message if isinstance(error, PitstopError) else str(error)
            data["hint"] = getattr(error, "hint", None)
            data["exit_code"] = getattr(error, "exit_code", 1)
        else:
            data["result"] = calls.result_data(job.result)
    return data

