"""What every route shares: the serve context, the ``requires(role)`` dependency
(authentication, CSRF, role — enforced on the server for every route), rendering, and
the errors those raise."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from pitstop.serve.actor import Actor
from pitstop.serve.auth import CSRF_FIELD, CSRF_HEADER, SAFE_METHODS, Principal, csrf_ok

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates
    from starlette.responses import Response

    from pitstop.config import Settings
    from pitstop.serve.auth import Guard
    from pitstop.serve.jobs import Jobs, Notifier
    from pitstop.serve.settings import ServeSettings
    from pitstop.state.accounts import Accounts
    from pitstop.state.audit import AuditTrail
    from pitstop.state.store import StateStore


@dataclasses.dataclass
class ServeContext:
    """Everything the routes use, made once by :func:`pitstop.serve.app.create_app`."""

    settings: Settings
    conf: ServeSettings
    store: StateStore
    accounts: Accounts
    trail: AuditTrail
    guard: Guard
    jobs: Jobs
    notifier: Notifier
    templates: Jinja2Templates


class NotAuthenticated(Exception):
    """No valid session or token: 401 (the API) or the login page (pages)."""


class Denied(Exception):
    """The principal's role is not enough: 403, recorded in the audit trail."""

    def __init__(self, principal: Principal, action: str, needed: str,
                 target: str | None = None) -> None:
        super().__init__(f"{action} needs the {needed} role")
        self.principal = principal
        self.action = action
        self.needed = needed
        self.target = target


class CsrfRefused(Exception):
    """A state-changing request without the session's CSRF token: 403, recorded."""

    def __init__(self, principal: Principal) -> None:
        super().__init__("missing or wrong CSRF token")
        self.principal = principal


def context(request: Request) -> ServeContext:
    ctx: ServeContext = request.app.state.ctx
    return ctx


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def actor_of(request: Request, principal: Principal) -> Actor:
    return Actor(principal.user, principal.role, client_address(request),
                 request.headers.get("user-agent"))


async def _sent_csrf(request: Request) -> str | None:
    sent = request.headers.get(CSRF_HEADER)
    if sent:
        return sent
    kind = request.headers.get("content-type", "")
    if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def authenticate(request: Request) -> Principal | None:
    """The request's principal (also kept on ``request.state``), or ``None``."""
    if hasattr(request.state, "principal"):
        found: Principal | None = request.state.principal
        return found
    ctx = context(request)
    principal = await run_in_threadpool(ctx.guard.principal, request.headers, request.cookies)
    request.state.principal = principal
    return principal


def requires(role: str | None = "viewer", *, action: str | None = None) -> Any:
    """A dependency: the request's principal, who must have ``role`` (``None``: any
    logged-in user); a state-changing request made with a session must carry its CSRF
    token.  Raises :class:`NotAuthenticated`, :class:`CsrfRefused`, :class:`Denied`."""

    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        if principal is None:
            raise NotAuthenticated()
        if request.method not in SAFE_METHODS \
                and not csrf_ok(principal, await _sent_csrf(request)):
            raise CsrfRefused(principal)
        if role is not None and not principal.can(role):
            raise Denied(principal, action or f"{request.method} {request.url.path}", role)
        return principal

    return Depends(dependency)


def check_role(principal: Principal, role: str, action: str, target: str | None = None) -> None:
    """Raise :class:`Denied` unless ``principal`` has ``role`` (for checks that depend
    on what is asked, such as a runbook's level)."""
    if not principal.can(role):
        raise Denied(principal, action, role, target)


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> Response:
    """A page, with the principal and its CSRF token for the forms."""
    ctx = context(request)
    principal: Principal | None = getattr(request.state, "principal", None)
    return ctx.templates.TemplateResponse(
        request, template, {"principal": principal,
                            "csrf": principal.csrf if principal else "",
                            "settings": ctx.settings, **values},
        status_code=status_code)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path in ("/metrics",)
