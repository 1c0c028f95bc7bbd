"""Logging in and out."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from pitstop.serve.auth import LOGIN_COOKIE, SESSION_COOKIE, Principal
from pitstop.serve.web import authenticate, client_address, context, render, requires

router = APIRouter()


def safe_next(value: str | None) -> str:
    """Where to go after logging in: a path on this site only."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _form(request: Request, next_path: str, error: str | None = None,
          status_code: int = 200) -> Response:
    guard = context(request).guard
    cookie, value = guard.login_token()
    response = render(request, "login.html", status_code, next=next_path, login_token=value,
                      error=error)
    response.set_cookie(LOGIN_COOKIE, cookie, max_age=3600, path="/login", httponly=True,
                        samesite="strict", secure=_secure(request))
    return response


@router.get("/login", include_in_schema=False)
async def login_page(request: Request, next: str | None = None) -> Response:
    if await authenticate(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _form(request, safe_next(next))


@router.post("/login", include_in_schema=False)
async def login(request: Request, username: str = Form(""), password: str = Form(""),
                csrf_token: str = Form(""), next: str = Form("/")) -> Response:
    ctx = context(request)
    address = client_address(request)
    agent = request.headers.get("user-agent")
    if not ctx.guard.login_token_ok(request.cookies.get(LOGIN_COOKIE), csrf_token):
        await run_in_threadpool(ctx.trail.append, "login", "denied", address=address,
                                user_agent=agent, detail="the login form's CSRF token was "
                                                         "missing or wrong")
        return _form(request, safe_next(next), "The login form expired: please try again.",
                     403)
    result = await run_in_threadpool(ctx.guard.login, username.strip(), password,
                                     address=address, user_agent=agent)
    if result.principal is None or result.cookie is None:
        return _form(request, safe_next(next), result.error, 401)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, result.cookie, max_age=int(ctx.conf.session_max),
                        path="/", httponly=True, samesite="lax", secure=_secure(request))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, principal: Principal = requires(None)) -> Response:
    ctx = context(request)
    ctx.guard.logout(principal)
    ctx.trail.append("logout", "success", user=principal.user, role=principal.role,
                     address=client_address(request),
                     user_agent=request.headers.get("user-agent"))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
