"""Sessions, CSRF, login throttling, API tokens and the security headers."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from pitstop import registry
from pitstop.config import Settings
from pitstop.serve.auth import SESSION_COOKIE
from pitstop.state.audit import AuditFilter, AuditTrail

from .conftest import PASSWORDS, client_for, csrf_header, login

_FORM = re.compile(r'name="csrf_token" value="([^"]+)"')


def _audit(client: TestClient) -> AuditTrail:
    trail: AuditTrail = client.app.state.ctx.trail  # type: ignore[attr-defined]
    return trail


def _try(client: TestClient, name: str, password: str) -> int:
    token = _FORM.search(client.get("/login").text)
    assert token
    return client.post("/login", data={"username": name, "password": password,
                                       "csrf_token": token.group(1)},
                       follow_redirects=False).status_code


def test_pages_send_anonymous_visitors_to_login(client: TestClient) -> None:
    answer = client.get("/runs?status=failed", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fruns%3Fstatus%3Dfailed"
    assert client.get("/api/runs").status_code == 401
    assert client.get("/api/runs").headers["www-authenticate"] == "Bearer"


def test_login_sets_a_guarded_cookie_and_logout_ends_the_session(client: TestClient) -> None:
    form = client.get("/login")
    token = _FORM.search(form.text)
    assert token
    answer = client.post("/login", data={"username": "vera", "password": PASSWORDS["vera"],
                                         "csrf_token": token.group(1), "next": "/runs"},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/runs"
    cookie = next(h for h in answer.headers.get_list("set-cookie")
                  if h.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback
    session = client.cookies.get(SESSION_COOKIE)
    assert client.get("/api/me").json() == {"user": "vera", "role": "viewer", "via": "session"}
    csrf = _FORM.search(client.get("/").text)
    assert csrf
    assert client.post("/logout", data={"csrf_token": csrf.group(1)},
                       follow_redirects=False).status_code == 303
    # the old cookie is refused by the server, not only forgotten by the browser
    client.cookies.set(SESSION_COOKIE, session or "")
    assert client.get("/api/me").status_code == 401
    actions = [(e.action, e.outcome, e.user) for e in reversed(_audit(client).entries())]
    assert ("login", "success", "vera") in actions and ("logout", "success", "vera") in actions


def test_next_never_leaves_the_site(client: TestClient) -> None:
    token = _FORM.search(client.get("/login").text)
    assert token
    answer = client.post("/login", data={"username": "vera", "password": PASSWORDS["vera"],
                                         "csrf_token": token.group(1),
                                         "next": "//evil.example/x"}, follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_login_form_needs_its_csrf_token(client: TestClient) -> None:
    client.get("/login")
    answer = client.post("/login", data={"username": "vera", "password": PASSWORDS["vera"],
                                         "csrf_token": "forged"}, follow_redirects=False)
    assert answer.status_code == 403
    assert client.get("/api/me").status_code == 401
    entry = _audit(client).entries()[0]
    assert (entry.action, entry.outcome) == ("login", "denied")


def test_wrong_password_and_unknown_user_look_alike_and_are_recorded(
        client: TestClient) -> None:
    assert _try(client, "vera", "not her password") == 401
    assert _try(client, "correct horse battery", "whatever") == 401
    unknown, wrong = _audit(client).entries(AuditFilter(action="login"))[:2]
    assert (wrong.user, wrong.outcome, wrong.detail) == ("vera", "failure", "wrong password")
    # a name that is no user is not recorded: it may be a password typed in the wrong box
    assert (unknown.user, unknown.target, unknown.detail) == (None, None, "unknown user")
    assert unknown.address == "testclient" and unknown.user_agent


def test_lockout_after_failures_even_with_the_right_password(client: TestClient) -> None:
    for _ in range(3):  # login_attempts = 3 in the test project
        assert _try(client, "otto", "wrong password!") == 401
    assert _try(client, "otto", PASSWORDS["otto"]) == 401
    page = client.get("/login")
    assert page.status_code == 200
    trail = _audit(client)
    lockouts = trail.entries(AuditFilter(action="lockout"))
    assert [(e.user, e.outcome) for e in lockouts] == [("otto", "denied")]
    denied = trail.entries(AuditFilter(action="login", outcome="denied"))
    assert [e.user for e in denied] == ["otto"]
    # others still log in
    assert _try(client, "vera", PASSWORDS["vera"]) == 303


def test_lockout_per_address(served: Settings) -> None:
    gen = client_for(served)
    client = next(gen)
    try:
        for index in range(10):  # address_attempts = 10; spread over unknown names
            assert _try(client, f"nobody{index}", "whatever") == 401
        assert _try(client, "vera", PASSWORDS["vera"]) == 401
        assert _audit(client).entries(AuditFilter(action="lockout"))
    finally:
        gen.close()


def test_a_success_resets_the_count(client: TestClient) -> None:
    assert _try(client, "otto", "wrong password!") == 401
    assert _try(client, "otto", "wrong password!") == 401
    assert _try(client, "otto", PASSWORDS["otto"]) == 303
    client.cookies.clear()
    assert _try(client, "otto", "wrong password!") == 401
    assert _try(client, "otto", PASSWORDS["otto"]) == 303


@pytest.mark.parametrize("sent", [None, "wrong-token"])
def test_state_changes_need_the_csrf_token(client: TestClient, sent: str | None) -> None:
    login(client, "otto")
    data = {} if sent is None else {"csrf_token": sent}
    answer = client.post("/runbooks/hello/start", data=data, follow_redirects=False)
    assert answer.status_code == 403
    headers = {} if sent is None else csrf_header(sent)
    assert client.post("/api/runbooks/hello/runs", headers=headers).status_code == 403
    assert client.post("/api/migrations/up", headers=headers).status_code == 403
    assert client.get("/api/runs").json()["runs"] == []  # nothing started
    denied = _audit(client).entries(AuditFilter(action="csrf"))
    assert len(denied) == 3 and all(e.user == "otto" and e.outcome == "denied" for e in denied)


def test_session_ends_when_the_password_changes(client: TestClient, served: Settings) -> None:
    login(client, "vera")
    assert client.get("/api/me").status_code == 200
    registry.verb("serve", "user-passwd").load()(served, name="vera",
                                                 password="a brand new passphrase")
    assert client.get("/api/me").status_code == 401


def test_role_change_applies_at_once(client: TestClient, served: Settings) -> None:
    csrf = login(client, "vera")
    assert client.post("/api/migrations/up", headers=csrf_header(csrf)).status_code == 403
    registry.verb("serve", "user-role").load()(served, name="vera", role="operator")
    assert client.get("/api/me").json()["role"] == "operator"


def test_idle_and_absolute_timeouts(client: TestClient) -> None:
    import sqlalchemy as sa

    from pitstop.state import tables

    engine = client.app.state.ctx.store.engine  # type: ignore[attr-defined]
    login(client, "vera")
    assert client.get("/api/me").status_code == 200
    with engine.begin() as conn:  # unused for longer than session_idle (30 min)
        conn.execute(tables.sessions.update().values(
            last_seen_at=tables.sessions.c.last_seen_at - 31 * 60))
    assert client.get("/api/me").status_code == 401
    client.cookies.clear()
    login(client, "vera")
    with engine.begin() as conn:  # busy, but logged in longer than session_max (12 h)
        conn.execute(tables.sessions.update().values(
            created_at=tables.sessions.c.created_at - 13 * 3600))
    assert client.get("/api/me").status_code == 401
    assert sa  # imported for the update expressions


def test_tampered_cookie_is_refused(client: TestClient) -> None:
    login(client, "vera")
    value = client.cookies.get(SESSION_COOKIE) or ""
    client.cookies.set(SESSION_COOKIE, value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1])
    assert client.get("/api/me").status_code == 401


def test_bearer_tokens_work_until_revoked(client: TestClient, served: Settings) -> None:
    token = registry.verb("serve", "user-token").load()(served, name="otto", label="ci")
    bearer = {"Authorization": f"Bearer {token.secret}"}
    assert client.get("/api/me", headers=bearer).json() == {
        "user": "otto", "role": "operator", "via": "token"}
    # no cookie, no CSRF: a token request may change things
    answer = client.post("/api/runbooks/hello/runs", headers=bearer)
    assert answer.status_code == 202
    run = client.get(f"/api/runs/{answer.json()['run_id']}?wait=30", headers=bearer).json()
    assert (run["status"], run["trigger"], run["user"]) == ("success", "web", "otto")
    registry.verb("serve", "user-revoke").load()(served, name="otto", token_id=token.id)
    assert client.get("/api/me", headers=bearer).status_code == 401
    forged = token.secret[:-3] + "abc"
    assert client.get("/api/me", headers={"Authorization": f"Bearer {forged}"}
                      ).status_code == 401


def test_security_headers(client: TestClient) -> None:
    for path in ("/login", "/healthz", "/static/pitstop.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-content-type-options"] == "nosniff"
    assert client.get("/login").headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/static/pitstop.css").headers.get("cache-control", "")


def test_pages_have_no_inline_script_or_style(client: TestClient) -> None:
    login(client, "ada")
    for path in ("/", "/runs", "/runbooks", "/backups", "/migrations", "/audit", "/users",
                 "/login", "/api/docs"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert "<style" not in html and " style=" not in html, path
        assert not re.search(r"\son[a-z]+=", html), path  # no inline event handlers
        assert "http://" not in html.replace("http://testserver", "") \
            and "https://" not in html, path  # nothing loaded from elsewhere
