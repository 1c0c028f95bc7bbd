"""The audit trail on the page and the API: admins only, filterable, exported as CSV
and JSON, and never a secret in it."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient

from .conftest import csrf_header, login


def test_audit_is_for_admins(client: TestClient) -> None:
    login(client, "otto")
    assert client.get("/audit").status_code == 403
    assert client.get("/api/audit").status_code == 403
    assert client.get("/audit/export").status_code == 403


def test_every_web_change_is_audited_without_secrets(client: TestClient) -> None:
    csrf = login(client, "ada")
    forms = [("/users", {"name": "dora", "role": "viewer", "password": "dora-secret-pass"}),
             ("/users/dora/password", {"password": "dora-new-secret"}),
             ("/users/dora/role", {"role": "operator"}),
             ("/users/dora/tokens", {"label": "laptop"})]
    for path, data in forms:
        assert client.post(path, data={"csrf_token": csrf, **data}).status_code == 200
    token_page = client.get("/users").text
    assert "dora" in token_page
    listing = client.get("/api/users").json()["users"]
    token_id = next(u for u in listing if u["name"] == "dora")["tokens"][0]["id"]
    assert client.post(f"/users/dora/tokens/{token_id}/revoke",
                       data={"csrf_token": csrf}).status_code == 200
    assert client.post("/users/dora/remove", data={"csrf_token": csrf}).status_code == 200
    entries = client.get("/api/audit", params={"user": "ada"}).json()["entries"]
    changes = [(e["action"], e["target"]) for e in reversed(entries)
               if e["action"].startswith(("user.", "token."))]
    assert changes == [("user.add", "dora"), ("user.passwd", "dora"), ("user.role", "dora"),
                       ("token.create", "dora"), ("token.revoke", "dora"),
                       ("user.remove", "dora")]
    assert all(e["role"] == "admin" and e["address"] == "testclient" for e in entries)
    dump = client.get("/audit/export", params={"format": "json"}).text
    for secret in ("dora-secret-pass", "dora-new-secret", "admin-password-1", "pst_"):
        assert secret not in dump
    # the page's own changes are in the history too, with trigger web
    assert client.get("/api/runs", params={"trigger": "web", "capability": "serve"}
                      ).json()["runs"][0]["target"] == "serve user-remove"


def test_web_refuses_to_remove_the_last_admin(client: TestClient) -> None:
    csrf = login(client, "ada")
    answer = client.post("/users/ada/remove", data={"csrf_token": csrf})
    assert answer.status_code == 400 and "only admin" in answer.text
    assert client.get("/api/me").json()["role"] == "admin"


def test_filters_and_exports(client: TestClient) -> None:
    login(client, "vera")
    assert client.post("/api/migrations/up").status_code == 403  # no CSRF header: denied
    client.cookies.clear()
    csrf = login(client, "ada")
    assert client.post("/api/migrations/up", headers=csrf_header(csrf)).status_code == 202
    assert client.app.state.ctx.jobs.wait_all(30)  # type: ignore[attr-defined]
    page = client.get("/audit", params={"outcome": "denied"}).text
    assert "csrf" in page and "vera" in page and "migrate.up" not in page.split("<tbody>")[1]
    logins = client.get("/api/audit", params={"action": "login"}).json()["entries"]
    assert {e["user"] for e in logins} == {"vera", "ada"}
    assert client.get("/api/audit", params={"since": "soon"}).status_code == 400
    exported = client.get("/audit/export", params={"format": "csv", "action": "login"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["user"] for r in rows] == ["ada", "vera"]
    assert rows[0]["at"].endswith("Z") and rows[0]["outcome"] == "success"
    as_json = json.loads(client.get("/audit/export", params={"format": "json"}).text)
    assert {e["action"] for e in as_json} >= {"login", "csrf", "migrate.up"}
    newest = client.get("/api/audit").json()["entries"][0]
    assert newest["action"] == "audit.export"


def test_audit_pages(client: TestClient) -> None:
    trail = client.app.state.ctx.trail  # type: ignore[attr-defined]
    for index in range(120):
        trail.append("login", "failure", address=f"10.0.0.{index % 7}", detail="test")
    login(client, "ada")
    first = client.get("/audit", params={"outcome": "failure"}).text
    assert first.count("10.0.0.") == 50 and "older »" in first
    older = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = client.get(older.replace("&amp;", "&")).text
    assert second.count("10.0.0.") == 50 and "outcome=failure" in older
    assert first.split("<tbody>")[1] != second.split("<tbody>")[1]
