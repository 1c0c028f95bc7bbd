"""Backups (list, verify, restore with the database name typed to confirm) and
migrations (status, up, down with confirmation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from pitstop.errors import PitstopError
from pitstop.serve import actions, calls
from pitstop.serve.auth import Principal, level_role
from pitstop.serve.jobs import Job
from pitstop.serve.web import context, render, requires

router = APIRouter(include_in_schema=False)


def after_start(request: Request, job: Job, title: str) -> Response:
    """Where a page goes once something started: its run page, or (no run recorded)
    its outcome."""
    if job.run_id is not None:
        return RedirectResponse(f"/runs/{job.run_id}", status_code=303)
    job.done.wait()
    failed = job.error is not None
    return render(request, "result.html", 500 if failed and not isinstance(
        job.error, PitstopError) else 200, job=job, title=title,
        data=None if failed else calls.result_data(job.result))


def _roles(principal: Principal) -> dict[str, bool]:
    return {
        "verify": principal.can(level_role(calls.verb_level("backup", "verify"))),
        "restore": principal.can(level_role(calls.verb_level("backup", "restore"))),
        "up": principal.can(level_role(calls.verb_level("migrate", "up"))),
        "down": principal.can(level_role(calls.verb_level("migrate", "down"))),
    }


@router.get("/backups")
def backups(request: Request, principal: Principal = requires("viewer")) -> Response:
    ctx = context(request)
    try:
        found: list[Any] = list(reversed(calls.backups(ctx.settings)))
        problem = None
    except PitstopError as exc:
        found, problem = [], exc.message
    return render(request, "backups.html", backups=found, problem=problem, can=_roles(principal),
                  now=dt.datetime.now(dt.UTC))


@router.post("/backups/{backup_id}/verify")
def verify(request: Request, backup_id: str,
           principal: Principal = requires("operator", action="backup.verify")) -> Response:
    job = actions.verify_backup(request, principal, backup_id)
    return after_start(request, job, f"Verify backup {backup_id}")


@router.get("/backups/{backup_id}/restore")
def restore_form(request: Request, backup_id: str, principal: Principal = requires(
        "admin", action="backup.restore")) -> Response:
    ctx = context(request)
    backup = next((b for b in calls.backups(ctx.settings) if b.id == backup_id), None)
    if backup is None:
        return render(request, "error.html", 404, title="No such backup",
                      message=f"There is no backup {backup_id}.")
    return render(request, "restore.html", backup=backup, error=None,
                  database=calls.database_name(ctx.settings),
                  target=calls.database_label(ctx.settings))


@router.post("/backups/{backup_id}/restore")
def restore(request: Request, backup_id: str, confirm: str = Form(""),
            principal: Principal = requires("admin", action="backup.restore")) -> Response:
    ctx = context(request)
    try:
        job = actions.restore_backup(request, principal, backup_id, confirm)
    except actions.Unconfirmed as exc:
        backup = next((b for b in calls.backups(ctx.settings) if b.id == backup_id), None)
        return render(request, "restore.html", 400, backup=backup, error=exc.message,
                      database=calls.database_name(ctx.settings),
                      target=calls.database_label(ctx.settings))
    return after_start(request, job, f"Restore backup {backup_id}")


@router.get("/migrations")
def migrations(request: Request, principal: Principal = requires("viewer")) -> Response:
    ctx = context(request)
    try:
        status, problem = calls.migration_status(ctx.settings), None
    except PitstopError as exc:
        status, problem = None, exc.message
    return render(request, "migrations.html", status=status, problem=problem,
                  target=calls.database_label(ctx.settings), can=_roles(principal))


@router.post("/migrations/up")
def migrate_up(request: Request,
               principal: Principal = requires("operator", action="migrate.up")) -> Response:
    job = actions.migrate_up(request, principal)
    return after_start(request, job, "Apply migrations")


@router.get("/migrations/down")
def down_form(request: Request, principal: Principal = requires(
        "admin", action="migrate.down")) -> Response:
    ctx = context(request)
    try:
        status, problem = calls.migration_status(ctx.settings), None
    except PitstopError as exc:
        status, problem = None, exc.message
    return render(request, "migrate_down.html", status=status, problem=problem, error=None,
                  database=calls.database_name(ctx.settings),
                  target=calls.database_label(ctx.settings))


@router.post("/migrations/down")
def migrate_down(request: Request, confirm: str = Form(""), steps: int = Form(1),
                 principal: Principal = requires("admin", action="migrate.down")
                 ) -> Response:
    ctx = context(request)
    try:
        job = actions.migrate_down(request, principal, confirm, steps)
    except actions.Unconfirmed as exc:
        return render(request, "migrate_down.html", 400, status=None, problem=None,
                      error=exc.message, database=calls.database_name(ctx.settings),
                      target=calls.database_label(ctx.settings))
    return after_start(request, job, "Roll back migrations")
