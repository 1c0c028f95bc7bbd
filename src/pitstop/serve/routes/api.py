"""The JSON API: everything the pages do, under ``/api/``, authenticated by session
(with the CSRF header for changes) or by ``Authorization: Bearer <token>``.

Starting something answers ``202`` with the run id (follow it at
``/api/runs/{id}?wait=30``); a verb that is not recorded yet answers ``200`` with its
outcome."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from pitstop.serve import actions, calls, history
from pitstop.serve.auth import Principal
from pitstop.serve.jobs import Job
from pitstop.serve.routes.admin import audit_filter
from pitstop.serve.routes.pages import run_filter
from pitstop.serve.web import context, requires
from pitstop.state.runs import ACTIVE

router = APIRouter(prefix="/api", tags=["api"])
MAX_WAIT = 60.0


def run_json(run: Any) -> dict[str, Any]:
    """A run as ``pitstop history show --json`` prints it: the record's one
    ``to_dict()``."""
    data: dict[str, Any] = run.to_dict()
    return data


def started(job: Job) -> JSONResponse:
    if job.run_id is None:
        job.done.wait()  # not recorded: its outcome is the answer
    data = actions.job_data(job)
    if job.run_id is not None:
        data["url"] = f"/api/runs/{job.run_id}"
        return JSONResponse(data, status_code=202)
    return JSONResponse(data, status_code=200 if "error" not in data else 422)


@router.get("/me", summary="Who the request is authenticated as")
def me(principal: Principal = requires("viewer")) -> dict[str, Any]:
    return {"user": principal.user, "role": principal.role, "via": principal.via}


@router.get("/runs", summary="Runs, newest first (keyset pagination with `after`)")
def list_runs(request: Request, status: str | None = None, capability: str | None = None,
              trigger: str | None = None, user: str | None = None,
              since: str | None = Query(None, description="YYYY-MM-DD"),
              until: str | None = Query(None, description="YYYY-MM-DD"),
              nested: bool = False, target: str | None = None, after: str | None = None,
              limit: int = Query(50, ge=1, le=500),
              principal: Principal = requires("viewer")) -> Any:
    ctx = context(request)
    where, problem = run_filter(status, capability, trigger, user, since, until, nested,
                                target)
    if problem:
        return JSONResponse({"error": problem}, status_code=400)
    page = history.page_of_runs(ctx.store.engine, where, cursor=after, limit=limit)
    return {"runs": [r.to_dict() for r in page.runs], "next": page.next_cursor}


@router.get("/runs/{run_id}", summary="One run with its tasks and the calls made in it")
async def get_run(request: Request, run_id: str,
                  wait: float = Query(0, ge=0, description="Seconds to wait for the run to "
                                      "end (at most 60)"),
                  principal: Principal = requires("viewer")) -> Any:
    ctx = context(request)
    deadline = time.monotonic() + min(wait, MAX_WAIT)
    with ctx.notifier.subscribe(run_id) as woken:
        while True:
            woken.clear()
            run, children = await run_in_threadpool(history.run_with_children, ctx.store,
                                                    run_id)
            if run is None:
                return JSONResponse({"error": f"no run {run_id}"}, status_code=404)
            left = deadline - time.monotonic()
            if run.status != ACTIVE or left <= 0:
                return {**run_json(run), "children": [run_json(c) for c in children]}
            try:
                await asyncio.wait_for(woken.wait(), min(left, 1.0))
            except TimeoutError:
                pass


@router.get("/runbooks", summary="The workflows, their level and whether you may start them")
def list_runbooks(request: Request, principal: Principal = requires("viewer")) -> Any:
    ctx = context(request)
    return {"runbooks": [
        {"name": name, "level": level, "problem": problem,
         "tasks": list(plan.order) if plan else [],
         "may_start": problem is None and actions.may_start(principal, level),
         "parameters": [p.to_dict() for p in calls.runbook_parameters(ctx.settings, name)]
         if plan else []}
        for name, plan, level, problem in actions.runbooks(ctx.settings)]}


@router.post("/runbooks/{name}/runs", status_code=202,
             summary="Start a runbook: 202 with the run id (`params`: the values of its "
                     "declared parameters)")
def start_runbook(request: Request, name: str,
                  params: dict[str, Any] = Body(default_factory=dict, embed=True),
                  principal: Principal = requires("operator", action="runbook.start")) -> Any:
    return started(actions.start_runbook(request, principal, name, params))


@router.get("/backups", summary="Every backup (safety backups marked)")
def list_backups(request: Request, principal: Principal = requires("viewer")) -> Any:
    ctx = context(request)
    return {"backups": [{**calls.result_data(b), "safety": b.is_safety}
                        for b in reversed(calls.backups(ctx.settings))]}


@router.post("/backups/{backup_id}/verify", summary="Verify a backup by restoring it "
             "into a scratch database")
def verify_backup(request: Request, backup_id: str,
                  principal: Principal = requires("operator", action="backup.verify")) -> Any:
    job = actions.verify_backup(request, principal, backup_id)
    return started(job)


@router.post("/backups/{backup_id}/restore", summary="Restore a backup into the database "
             "(`confirm`: the database name)")
def restore_backup(request: Request, backup_id: str,
                   confirm: str = Body("", embed=True),
                   principal: Principal = requires("admin", action="backup.restore")) -> Any:
    job = actions.restore_backup(request, principal, backup_id, confirm)
    return started(job)


@router.get("/checks", summary="Health checks: the newest results of each")
def checks(request: Request, per_check: int = Query(20, ge=1, le=500),
           principal: Principal = requires("viewer")) -> Any:
    from pitstop.capability import jsonable

    ctx = context(request)
    found = ctx.store.health_check_history(per_check=per_check)
    return {"checks": {name: [jsonable(r) for r in records]
                       for name, records in sorted(found.items())}}


@router.get("/migrations", summary="Migration status of the configured database")
def migrations(request: Request, principal: Principal = requires("viewer")) -> Any:
    ctx = context(request)
    return calls.result_data(calls.migration_status(ctx.settings))


@router.post("/migrations/up", summary="Apply pending migrations: 202 with the run id")
def migrate_up(request: Request,
               principal: Principal = requires("operator", action="migrate.up")) -> Any:
    return started(actions.migrate_up(request, principal))


@router.post("/migrations/down", summary="Roll back (`confirm`: the database name)")
def migrate_down(request: Request, confirm: str = Body("", embed=True),
                 steps: int = Body(1, embed=True),
                 principal: Principal = requires("admin", action="migrate.down")) -> Any:
    return started(actions.migrate_down(request, principal, confirm, steps))


@router.get("/audit", summary="The audit trail, newest first (admins)")
def audit(request: Request, user: str | None = None, action: str | None = None,
          outcome: str | None = None, since: str | None = None, until: str | None = None,
          before: int | None = None, limit: int = Query(100, ge=1, le=1000),
          principal: Principal = requires("admin", action="audit.read")) -> Any:
    ctx = context(request)
    where, problem = audit_filter(user, action, outcome, since, until)
    if problem:
        return JSONResponse({"error": problem}, status_code=400)
    entries = ctx.trail.entries(where, before_id=before, limit=limit)
    return {"entries": [e.to_dict() for e in entries],
            "next": entries[-1].id if len(entries) == limit else None}


@router.get("/users", summary="Users and their tokens, never a secret (admins)")
def users(request: Request, principal: Principal = requires("admin", action="users.read")
          ) -> Any:
    from pitstop import registry

    ctx = context(request)
    return registry.verb("serve", "user-list").load()(ctx.settings).to_dict()
