"""The FastAPI application: :func:`create_app` builds it for one project's settings.

Security headers go on every answer (a CSP that allows no inline script or style,
``X-Frame-Options: DENY``, ``Referrer-Policy``, ``nosniff``, HSTS over HTTPS), and
nothing but the static files may be cached.  Errors become pages or JSON the way the
CLI turns them into exit codes: not logged in → the login page or 401; role or CSRF
→ 403 (recorded in the audit trail); bad input → 400; a server that does not answer
→ 503.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop.errors import EXIT_CONFIG, EXIT_CONNECTION, EXIT_PERMISSION, PitstopError

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from starlette.responses import Response
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from pitstop.config import Settings

log = logging.getLogger("pitstop.serve")
HERE = Path(__file__).parent
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class SecurityHeaders:
    """Adds the security headers to every HTTP answer (pure ASGI, so streamed answers
    such as server-sent events pass untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                from starlette.datastructures import MutableHeaders

                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CSP
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
                if https:
                    headers["Strict-Transport-Security"] = "max-age=31536000"
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _templates() -> Any:
    from fastapi.templating import Jinja2Templates

    from pitstop.serve import display

    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters.update(display.FILTERS)
    templates.env.globals.update(display.GLOBALS)
    return templates


def create_app(settings: Settings, *, scheduler: bool = False) -> FastAPI:
    """The application for ``settings``' project: opens its state store (created or
    upgraded as needed) and serves it until shut down.

    With ``scheduler`` the project's ``[schedules]`` fire inside this process while it
    serves (what ``pitstop serve`` does unless ``--no-scheduler``); a schedule that
    cannot run is a ConfigError here, before anything listens."""
    from fastapi import FastAPI
    from fastapi.staticfiles import StaticFiles

    from pitstop import __version__
    from pitstop.serve.auth import Guard, cookie_key
    from pitstop.serve.jobs import Jobs, Notifier
    from pitstop.serve.routes import admin, api, login, ops, pages, probes
    from pitstop.serve.settings import ServeSettings
    from pitstop.serve.web import ServeContext
    from pitstop.state.accounts import Accounts
    from pitstop.state.audit import AuditTrail
    from pitstop.state.store import StateStore

    conf = settings.section(ServeSettings)
    store = StateStore.connect(settings.state.url)
    accounts, trail = Accounts(store.engine), AuditTrail(store.engine)
    notifier = Notifier()
    firing = _scheduler(settings) if scheduler else None
    ctx = ServeContext(settings, conf, store, accounts, trail,
                       Guard(conf, accounts, trail, cookie_key(store.engine)),
                       Jobs(notifier, trail), notifier, _templates())

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        import asyncio

        from pitstop.capability import install_observers, install_recorder
        from pitstop.serve.jobs import CapturingRecorder
        from pitstop.state.recorder import StateRecorder

        notifier.bind(asyncio.get_running_loop())
        inner = StateRecorder()
        previous = install_recorder(CapturingRecorder(inner, notifier))
        previous_observers = install_observers((_announce,))
        accounts.forget_sessions(dt.datetime.now(dt.UTC).timestamp() - 7 * 86400)
        if firing is not None:
            firing.start()
            log.info("scheduler: firing %s", ", ".join(firing.schedules))
        try:
            yield
        finally:
            running = ctx.jobs.running()
            if running:
                log.warning("stopping with %d run(s) started here still going: %s",
                            len(running), ", ".join(f"{j.action} {j.target}" for j in running))
            if firing is not None:
                await asyncio.to_thread(firing.stop)
                firing.close()
            install_observers(previous_observers)
            install_recorder(previous)
            inner.close()
            notifier.bind(None)
            store.close()

    app = FastAPI(title="pitstop", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", lifespan=lifespan)
    app.state.ctx = ctx
    app.state.scheduler = firing
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (login, pages, ops, admin, api, probes):
        app.include_router(module.router)
    _errors(app)
    return app


def _scheduler(settings: Settings) -> Any:
    """The scheduler of the project's schedules (None when it has none), checked: a
    schedule that cannot run raises ConfigError naming it."""
    from pitstop import registry
    from pitstop.schedule.settings import ScheduleSpec

    if not any(spec.enabled for spec in settings.tables(ScheduleSpec).values()):
        return None
    from pitstop.schedule.scheduler import Scheduler

    return Scheduler(settings, registry.tasks(), on_event=_firing_logged)


def _firing_logged(event: Any) -> None:
    when = event.fire_at.isoformat(timespec="seconds")
    detail = f" (run {event.run_id})" if event.run_id else ""
    status = f": {event.status}" if event.status else ""
    note = f" — {event.note}" if event.note else ""
    log.info("schedule %s at %s: %s%s%s%s", event.schedule, when, event.action, status,
             detail, note)


def _announce(settings: Any, event: Any) -> None:
    """The capabilities' run observers (notifications) for runs started here: by the
    page, the API and the scheduler."""
    from pitstop.capability import announce_to
    from pitstop.registry import observers

    announce_to(observers(), settings, event)


def _status_of(exc: PitstopError) -> int:
    return {EXIT_CONFIG: 400, EXIT_CONNECTION: 503, EXIT_PERMISSION: 403}.get(exc.exit_code, 500)


def _errors(app: FastAPI) -> None:
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import JSONResponse, RedirectResponse
    from starlette.exceptions import HTTPException

    from pitstop.serve.actions import NotFound
    from pitstop.serve.web import (
        CsrfRefused,
        Denied,
        NotAuthenticated,
        actor_of,
        context,
        render,
        wants_json,
    )

    def _page_or_json(request: Request, status: int, title: str, message: str,
                      hint: str | None = None, **extra: Any) -> Response:
        if wants_json(request) or request.headers.get("hx-request"):
            return JSONResponse({"error": message, "hint": hint, **extra}, status_code=status)
        return render(request, "error.html", status, title=title, message=message, hint=hint)

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        from urllib.parse import quote

        if wants_json(request) or request.method != "GET" or request.headers.get("hx-request"):
            return JSONResponse({"error": "not logged in: log in, or send "
                                          "'Authorization: Bearer <token>'"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    async def _deny(request: Request, principal: Any, action: str, detail: str,
                    target: str | None) -> None:
        from pitstop.serve.actor import record

        ctx = context(request)
        await run_in_threadpool(record, ctx.trail, action, "denied", target=target,
                                detail=detail, actor=actor_of(request, principal))

    @app.exception_handler(Denied)
    async def denied(request: Request, exc: Denied) -> Response:
        await _deny(request, exc.principal, exc.action, f"needs the {exc.needed} role",
                    exc.target or f"{request.method} {request.url.path}")
        return _page_or_json(request, 403, "Not allowed",
                             f"This needs the {exc.needed} role; you are "
                             f"{exc.principal.role}.", needed=exc.needed)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        await _deny(request, exc.principal, "csrf", "missing or wrong CSRF token",
                    f"{request.method} {request.url.path}")
        return _page_or_json(request, 403, "Refused",
                             "The request did not carry this session's CSRF token.",
                             "reload the page and try again")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _page_or_json(request, 404, "Not found", str(exc))

    @app.exception_handler(PitstopError)
    async def pitstop_error(request: Request, exc: PitstopError) -> Response:
        return _page_or_json(request, _status_of(exc), "Failed", exc.message, exc.hint,
                             exit_code=exc.exit_code)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if wants_json(request):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        titles = {404: "Not found", 405: "Not allowed here"}
        return render(request, "error.html", exc.status_code,
                      title=titles.get(exc.status_code, "Error"), message=str(exc.detail))
