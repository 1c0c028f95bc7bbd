"""Admins only: the audit trail (filterable, exportable as CSV or JSON) and the users
(through the same ``user`` verbs as ``pitstop user``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from pitstop.errors import PitstopError
from pitstop.serve import history
from pitstop.serve.actor import acting
from pitstop.serve.auth import Principal
from pitstop.serve.web import actor_of, context, render, requires
from pitstop.state.audit import OUTCOMES, AuditEntry, AuditFilter

router = APIRouter(include_in_schema=False)

AUDIT_COLUMNS = ("id", "at", "user", "role", "address", "user_agent", "action", "target",
                 "outcome", "detail", "run_id")


def audit_filter(user: str | None, action: str | None, outcome: str | None,
                 since: str | None, until: str | None) -> tuple[AuditFilter, str | None]:
    try:
        start, end = history.day_bounds(since or None, until or None)
        problem = None
    except ValueError:
        start = end = None
        problem = "Dates are written YYYY-MM-DD."
    return AuditFilter(user=user or None, action=action or None, outcome=outcome or None,
                       since=start, until=end), problem


@router.get("/audit")
def audit(request: Request, user: str | None = None, action: str | None = None,
          outcome: str | None = None, since: str | None = None, until: str | None = None,
          before: int | None = None,
          principal: Principal = requires("admin", action="audit.read")) -> Response:
    ctx = context(request)
    where, problem = audit_filter(user, action, outcome, since, until)
    size = ctx.conf.page_size
    entries = ctx.trail.entries(where, before_id=before, limit=size + 1)
    query = {k: v for k, v in {"user": user, "action": action, "outcome": outcome,
                               "since": since, "until": until}.items() if v}
    return render(request, "audit.html", entries=entries[:size], query=query,
                  problem=problem, outcomes=OUTCOMES,
                  older=entries[size - 1].id if len(entries) > size else None)


def export_lines(entries: Iterator[AuditEntry], kind: str) -> Iterator[str]:
    """The entries as CSV (a header line first) or as one JSON array."""
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(AUDIT_COLUMNS)
        for entry in entries:
            data = entry.to_dict()
            writer.writerow(["" if data[c] is None else data[c] for c in AUDIT_COLUMNS])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()
        return
    yield "["
    for index, entry in enumerate(entries):
        yield ("," if index else "") + "\n" + json.dumps(entry.to_dict(), ensure_ascii=False)
    yield "\n]\n"


@router.get("/audit/export")
def export(request: Request, format: str = "csv", user: str | None = None,
           action: str | None = None, outcome: str | None = None, since: str | None = None,
           until: str | None = None,
           principal: Principal = requires("admin", action="audit.export")) -> Response:
    ctx = context(request)
    kind = "json" if format == "json" else "csv"
    where, _problem = audit_filter(user, action, outcome, since, until)
    ctx.trail.append("audit.export", "success", user=principal.user, role=principal.role,
                     address=actor_of(request, principal).address,
                     user_agent=request.headers.get("user-agent"), detail=f"as {kind}")
    media = "text/csv; charset=utf-8" if kind == "csv" else "application/json"
    return StreamingResponse(export_lines(ctx.trail.iter_entries(where), kind), media_type=media,
                             headers={"Content-Disposition":
                                      f'attachment; filename="pitstop-audit.{kind}"'})


# -- users ------------------------------------------------------------------------------
def _users_page(request: Request, status_code: int = 200, **values: Any) -> Response:
    from pitstop import registry

    ctx = context(request)
    listing = registry.verb("serve", "user-list").load()(ctx.settings)
    values.setdefault("error", None)
    values.setdefault("new_token", None)
    return render(request, "users.html", status_code, users=listing.users, **values)


def _user_verb(request: Request, principal: Principal, verb: str, **options: Any) -> Any:
    """Call ``serve``'s verb as the admin behind the request (recorded, audited)."""
    from pitstop import registry
    from pitstop.capability import invocation

    ctx = context(request)
    with acting(actor_of(request, principal)), invocation(trigger="web", user=principal.user):
        return registry.verb("serve", verb).load()(ctx.settings, **options)


@router.get("/users")
def users(request: Request, principal: Principal = requires("admin", action="users.read")
          ) -> Response:
    return _users_page(request)


def _change(request: Request, principal: Principal, verb: str, **options: Any) -> Response:
    try:
        _user_verb(request, principal, verb, **options)
    except PitstopError as exc:
        return _users_page(request, 400, error=exc.message + (f" ({exc.hint})" if exc.hint
                                                              else ""))
    return RedirectResponse("/users", status_code=303)


@router.post("/users")
def add_user(request: Request, name: str = Form(...), role: str = Form(...),
             password: str = Form(...),
             principal: Principal = requires("admin", action="user.add")) -> Response:
    return _change(request, principal, "user-add", name=name.strip(), role=role,
                   password=password)


@router.post("/users/{name}/role")
def set_role(request: Request, name: str, role: str = Form(...),
             principal: Principal = requires("admin", action="user.role")) -> Response:
    return _change(request, principal, "user-role", name=name, role=role)


@router.post("/users/{name}/password")
def set_password(request: Request, name: str, password: str = Form(...),
                 principal: Principal = requires("admin", action="user.passwd")) -> Response:
    return _change(request, principal, "user-passwd", name=name, password=password)


@router.post("/users/{name}/remove")
def remove_user(request: Request, name: str,
                principal: Principal = requires("admin", action="user.remove")) -> Response:
    return _change(request, principal, "user-remove", name=name)


@router.post("/users/{name}/tokens")
def create_token(request: Request, name: str, label: str = Form(""),
                 principal: Principal = requires("admin", action="token.create")) -> Response:
    try:
        token = _user_verb(request, principal, "user-token", name=name, label=label)
    except PitstopError as exc:
        return _users_page(request, 400, error=exc.message)
    return _users_page(request, new_token=token)


@router.post("/users/{name}/tokens/{token_id}/revoke")
def revoke_token(request: Request, name: str, token_id: str,
                 principal: Principal = requires("admin", action="token.revoke")) -> Response:
    return _change(request, principal, "user-revoke", name=name, token_id=token_id)
