"""Every route × every role, from one table: allowed, 403, or not logged in (401 for
the API and for changes, the login page for pages).  A route missing from the table
fails the test, so no route escapes the check."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

from .conftest import csrf_header, login

RANK = {"public": 0, "viewer": 1, "operator": 2, "admin": 3}

# method, path, the least role that may use it; the order is the order of the requests
# (logout last, as it ends the session)
ROUTES: list[tuple[str, str, str]] = [
    ("GET", "/healthz", "public"),
    ("GET", "/readyz", "public"),
    ("GET", "/metrics", "public"),
    ("GET", "/login", "public"),
    ("POST", "/login", "public"),
    ("GET", "/api/openapi.json", "public"),
    ("GET", "/api/docs", "public"),
    ("GET", "/", "viewer"),
    ("GET", "/panels/backups", "viewer"),
    ("GET", "/panels/schedules", "viewer"),
    ("GET", "/panels/migrations", "viewer"),
    ("GET", "/runs", "viewer"),
    ("GET", "/runs/{run_id}", "viewer"),
    ("GET", "/runs/{run_id}/summary", "viewer"),
    ("GET", "/runs/{run_id}/events", "viewer"),
    ("GET", "/runs/{run_id}/log/{task}", "viewer"),
    ("GET", "/runbooks", "viewer"),
    ("POST", "/runbooks/{name}/start", "operator"),
    ("GET", "/backups", "viewer"),
    ("POST", "/backups/{backup_id}/verify", "operator"),
    ("GET", "/backups/{backup_id}/restore", "admin"),
    ("POST", "/backups/{backup_id}/restore", "admin"),
    ("GET", "/migrations", "viewer"),
    ("POST", "/migrations/up", "operator"),
    ("GET", "/migrations/down", "admin"),
    ("POST", "/migrations/down", "admin"),
    ("GET", "/audit", "admin"),
    ("GET", "/audit/export", "admin"),
    ("GET", "/users", "admin"),
    ("POST", "/users", "admin"),
    ("POST", "/users/{name}/role", "admin"),
    ("POST", "/users/{name}/password", "admin"),
    ("POST", "/users/{name}/remove", "admin"),
    ("POST", "/users/{name}/tokens", "admin"),
    ("POST", "/users/{name}/tokens/{token_id}/revoke", "admin"),
    ("GET", "/api/me", "viewer"),
    ("GET", "/api/runs", "viewer"),
    ("GET", "/api/runs/{run_id}", "viewer"),
    ("GET", "/api/runbooks", "viewer"),
    ("POST", "/api/runbooks/{name}/runs", "operator"),
    ("GET", "/api/backups", "viewer"),
    ("POST", "/api/backups/{backup_id}/verify", "operator"),
    ("POST", "/api/backups/{backup_id}/restore", "admin"),
    ("GET", "/api/checks", "viewer"),
    ("GET", "/api/migrations", "viewer"),
    ("POST", "/api/migrations/up", "operator"),
    ("POST", "/api/migrations/down", "admin"),
    ("GET", "/api/audit", "admin"),
    ("GET", "/api/users", "admin"),
    ("POST", "/logout", "viewer"),
]

VALUES = {"{run_id}": "0000nosuchrun", "{task}": "greet", "{name}": "hello",
          "{backup_id}": "20990101T000000Z-000000", "{token_id}": "0000"}
BODIES = {  # forms and JSON that leave the project as it was when allowed
    "/users": {"data": {"name": "new", "role": "viewer", "password": "short"}},
    "/users/hello/role": {"data": {"role": "viewer"}},
    "/users/hello/password": {"data": {"password": "a long enough password"}},
    "/backups/20990101T000000Z-000000/restore": {"data": {"confirm": "wrong"}},
    "/migrations/down": {"data": {"confirm": "wrong"}},
    "/api/backups/20990101T000000Z-000000/restore": {"json": {"confirm": "wrong"}},
    "/api/migrations/down": {"json": {"confirm": "wrong"}},
}


def _concrete(path: str) -> str:
    for key, value in VALUES.items():
        path = path.replace(key, value)
    return path


def _routes(routes: list[object]) -> set[tuple[str, str]]:
    """``(method, path)`` of every route, through included routers (FastAPI keeps an
    included router whole in recent versions; the routers have no prefix of their own
    at inclusion)."""
    found = set()
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            found |= _routes(included.routes)
        elif isinstance(route, Mount):
            assert route.path == "/static"
        else:
            found |= {(m, route.path) for m in route.methods - {"HEAD"}}  # type: ignore[attr-defined]
    return found


def test_every_route_is_in_the_table(client: TestClient) -> None:
    assert _routes(client.app.routes) == {  # type: ignore[attr-defined]
        (method, path) for method, path, _ in ROUTES}


def _expected(needs: str, role: str | None, method: str, path: str) -> str:
    if needs == "public" or (role is not None and RANK[role] >= RANK[needs]):
        return "allowed"
    if role is None:
        page = method == "GET" and not path.startswith("/api/")
        return "login" if page else "401"
    return "403"


def _outcome(answer: object) -> str:
    status = answer.status_code  # type: ignore[attr-defined]
    location = answer.headers.get("location", "")  # type: ignore[attr-defined]
    if status == 303 and location.startswith("/login?next="):
        return "login"
    if status in (401, 403):
        return str(status)
    assert status < 500, (status, answer.text)  # type: ignore[attr-defined]
    return "allowed"


@pytest.mark.parametrize("role", [None, "viewer", "operator", "admin"])
def test_every_route_for_every_role(client: TestClient, role: str | None) -> None:
    name = {None: None, "viewer": "vera", "operator": "otto", "admin": "ada"}[role]
    headers = csrf_header(login(client, name)) if name else {}
    wrong = []
    for method, template, needs in ROUTES:
        if (method, template) == ("POST", "/login"):
            continue  # public; its own CSRF token and outcomes: test_auth.py
        path = _concrete(template)
        extra = BODIES.get(path, {})
        answer = client.request(method, path, headers=headers, follow_redirects=False,
                                **extra)  # type: ignore[arg-type]
        expected = _expected(needs, role, method, template)
        got = _outcome(answer)
        if got != expected:
            wrong.append(f"{method} {template}: expected {expected}, got {got} "
                         f"({answer.status_code})")
    assert not wrong, "\n".join(wrong)
    if role in ("viewer", "operator"):
        denied = client.app.state.ctx.trail.entries()  # type: ignore[attr-defined]
        assert any(e.outcome == "denied" and e.user == name for e in denied)
