"""The pages every logged-in user reads: dashboard, runs, one run (with its live log)
and runbooks; and starting a runbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse

from pitstop.serve import actions, calls, history
from pitstop.serve.auth import Principal
from pitstop.serve.live import LogTail, run_events
from pitstop.serve.web import context, render, requires
from pitstop.state.runs import ACTIVE

router = APIRouter(include_in_schema=False)

STATUSES = ("running", "success", "failed", "dry-run", "interrupted", "abandoned")
TRIGGERS = ("cli", "workflow", "web", "schedule", "catchup", "worker", "api")


def run_filter(status: str | None, capability: str | None, trigger: str | None,
               user: str | None, since: str | None, until: str | None,
               nested: bool, target: str | None = None
               ) -> tuple[history.RunFilter, str | None]:
    """The filter of the run list's query parameters, and a problem with them."""
    problem = None
    try:
        start, end = history.day_bounds(since or None, until or None)
    except ValueError:
        start = end = None
        problem = "Dates are written YYYY-MM-DD."
    return history.RunFilter(status=status or None, capability=capability or None,
                             trigger=trigger or None, user=user or None,
                             target=target or None, since=start, until=end,
                             nested=nested), problem


@router.get("/")
def dashboard(request: Request, principal: Principal = requires("viewer")) -> Response:
    ctx = context(request)
    workflows = history.workflow_names(ctx.settings)
    last = history.last_runs(ctx.store.engine, workflows)
    checks = ctx.store.health_check_history(per_check=20)
    return render(request, "dashboard.html", workflows=workflows, last=last,
                  checks=sorted(checks.items()))


@router.get("/panels/backups")
def backups_panel(request: Request, principal: Principal = requires("viewer")) -> Response:
    from pitstop.errors import PitstopError

    ctx = context(request)
    newest: dict[str, Any] = {}
    problem = None
    try:
        for backup in calls.backups(ctx.settings):
            if not backup.is_safety:
                newest[backup.source] = backup  # oldest first: the last one wins
    except PitstopError as exc:
        problem = exc.message
    return render(request, "panel_backups.html", newest=sorted(newest.items()),
                  problem=problem, now=dt.datetime.now(dt.UTC))


@router.get("/panels/schedules")
def schedules_panel(request: Request, principal: Principal = requires("viewer")
                    ) -> Response:
    from pitstop.errors import PitstopError

    ctx = context(request)
    try:
        found, problem = calls.schedules(ctx.settings), None
    except PitstopError as exc:
        found, problem = None, exc.message
    return render(request, "panel_schedules.html", found=found, problem=problem,
                  here=request.app.state.scheduler is not None,
                  now=dt.datetime.now(dt.UTC))


@router.get("/panels/migrations")
def migrations_panel(request: Request, principal: Principal = requires("viewer")
                     ) -> Response:
    from pitstop.errors import PitstopError

    ctx = context(request)
    try:
        status, problem = calls.migration_status(ctx.settings), None
    except PitstopError as exc:
        status, problem = None, exc.message
    return render(request, "panel_migrations.html", status=status, problem=problem,
                  target=calls.database_label(ctx.settings))


@router.get("/runs")
def runs(request: Request, status: str | None = None, capability: str | None = None,
         trigger: str | None = None, user: str | None = None, since: str | None = None,
         until: str | None = None, nested: bool = False, target: str | None = None,
         after: str | None = None, principal: Principal = requires("viewer")) -> Response:
    ctx = context(request)
    where, problem = run_filter(status, capability, trigger, user, since, until, nested,
                                target)
    page = history.page_of_runs(ctx.store.engine, where, cursor=after,
                                limit=ctx.conf.page_size)
    query = {k: v for k, v in {"status": status, "capability": capability,
                               "trigger": trigger, "user": user, "since": since,
                               "until": until, "target": target,
                               "nested": "true" if nested else None}.items()
             if v}
    from pitstop import registry

    return render(request, "runs.html", page=page, query=query, problem=problem,
                  statuses=STATUSES, triggers=TRIGGERS,
                  capabilities=sorted(registry.capabilities()))


def _run_page_values(request: Request, run_id: str) -> dict[str, Any] | None:
    ctx = context(request)
    run, children = history.run_with_children(ctx.store, run_id)
    if run is None:
        return None
    final: dict[str, Any] = {}
    for record in run.tasks:
        final[record.task] = record  # the last attempt of each task
    return {"run": run, "children": children, "tasks": list(final.values()),
            "attempts": run.tasks, "running": run.status == ACTIVE}


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: str, principal: Principal = requires("viewer")
             ) -> Response:
    values = _run_page_values(request, run_id)
    if values is None:
        return render(request, "error.html", 404, title="No such run",
                      message=f"There is no run {run_id} (or the prefix is ambiguous).")
    logs = {}
    if not values["running"]:
        for record in values["attempts"]:
            if record.log_path:
                tail = LogTail(Path(record.log_path))
                logs[(record.task, record.attempt)] = tail.read(final=True)
    return render(request, "run.html", logs=logs, **values)


@router.get("/runs/{run_id}/summary")
def run_summary(request: Request, run_id: str, principal: Principal = requires("viewer")
                ) -> Response:
    values = _run_page_values(request, run_id)
    if values is None:
        return PlainTextResponse("no such run", status_code=404)
    return render(request, "run_summary.html", **values)


@router.get("/runs/{run_id}/events")
async def run_stream(request: Request, run_id: str,
                     principal: Principal = requires("viewer")) -> Response:
    ctx = context(request)
    return StreamingResponse(run_events(ctx, request, run_id), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/runs/{run_id}/log/{task}")
def task_log(request: Request, run_id: str, task: str, attempt: int | None = None,
             principal: Principal = requires("viewer")) -> Response:
    ctx = context(request)
    run = ctx.store.get_run(run_id)
    records = [r for r in (run.tasks if run else ()) if r.task == task and r.log_path
               and (attempt is None or r.attempt == attempt)]
    if not records:
        return PlainTextResponse("no such log", status_code=404)
    tail = LogTail(Path(records[-1].log_path or ""))
    tail.offset = 0
    return PlainTextResponse("\n".join(tail.read(final=True)) + "\n")


@router.get("/runbooks")
def runbooks(request: Request, principal: Principal = requires("viewer")) -> Response:
    ctx = context(request)
    books = actions.runbooks(ctx.settings)
    last = history.last_runs(ctx.store.engine, [name for name, *_ in books])
    params = {name: calls.runbook_parameters(ctx.settings, name)
              for name, plan, *_ in books if plan is not None}
    return render(request, "runbooks.html", books=books, last=last, params=params,
                  may_start=actions.may_start)


@router.post("/runbooks/{name}/start")
async def start_runbook(request: Request, name: str,
                        principal: Principal = requires("operator", action="runbook.start")
                        ) -> Response:
    from fastapi.concurrency import run_in_threadpool

    form = await request.form()
    given = actions.form_params({key: value for key, value in form.items()
                                 if isinstance(value, str)})
    job = await run_in_threadpool(actions.start_runbook, request, principal, name, given)
    if job.run_id is None:
        return render(request, "result.html", 500, job=job, title=f"Runbook {name}")
    return RedirectResponse(f"/runs/{job.run_id}", status_code=303)
