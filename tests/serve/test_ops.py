"""Backups and migrations from the page and the API: verify (operator), restore with
the database name typed (admin) and its safety backup, migrate up (operator) and down
(admin, confirmed) — each recorded and audited."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pitstop import registry
from pitstop.cli.main import main
from pitstop.config import Settings

from .conftest import csrf_header, login


def _db(settings: Settings) -> Path:
    return settings.project_dir / "app.db"


def _tables(settings: Settings) -> set[str]:
    conn = sqlite3.connect(_db(settings))
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


@pytest.fixture
def backed_up(served: Settings) -> str:
    conn = sqlite3.connect(_db(served))
    conn.execute("CREATE TABLE kept (id INTEGER)")
    conn.commit()
    conn.close()
    backup = registry.verb("backup", "create").load()(served, label="nightly")
    conn = sqlite3.connect(_db(served))
    conn.execute("CREATE TABLE added_later (id INTEGER)")
    conn.commit()
    conn.close()
    return str(backup.id)


def test_operator_verifies_a_backup(client: TestClient, backed_up: str) -> None:
    csrf = login(client, "otto")
    page = client.get("/backups").text
    assert backed_up in page and "nightly" in page and "Restore…" not in page
    answer = client.post(f"/backups/{backed_up}/verify", data={"csrf_token": csrf},
                         follow_redirects=False)
    assert answer.status_code == 303  # verify is recorded: the page follows its run
    run = _finished_run(client, answer.headers["location"].removeprefix("/runs/"))
    assert (run["target"], run["status"], run["trigger"], run["user"]) == (
        "backup verify", "success", "web", "otto")
    assert run["result"]["ok"] is True
    assert "verified" in client.get("/backups").text
    entry = _trail(client, "backup.verify", "success")
    assert (entry.target, entry.user) == (backed_up, "otto")
    api = client.post(f"/api/backups/{backed_up}/verify", headers=csrf_header(csrf))
    assert api.status_code == 202
    assert _finished_run(client, api.json()["run_id"])["result"]["ok"] is True


def _finished_run(client: TestClient, run_id: str) -> dict[str, Any]:
    run: dict[str, Any] = client.get(f"/api/runs/{run_id}?wait=30").json()
    assert run["status"] != "running", run
    return run


def _trail(client: TestClient, action: str, outcome: str) -> Any:
    """The audit entry of ``action`` that ended in ``outcome`` (written by the job's
    thread just after its run ends: waited for)."""
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    deadline = time.monotonic() + 30
    while True:
        found = [e for e in ctx.trail.entries() if (e.action, e.outcome) == (action, outcome)]
        if found or time.monotonic() > deadline:
            assert found, f"no {action} {outcome} in the audit trail"
            return found[0]
        time.sleep(0.02)


def test_restore_needs_admin_and_the_typed_name(client: TestClient, served: Settings,
                                                backed_up: str) -> None:
    csrf = login(client, "otto")
    assert client.post(f"/api/backups/{backed_up}/restore", json={"confirm": "app.db"},
                       headers=csrf_header(csrf)).status_code == 403
    client.cookies.clear()
    csrf = login(client, "ada")
    form = client.get(f"/backups/{backed_up}/restore").text
    assert "app.db" in form and 'data-expect="app.db"' in form
    wrong = client.post(f"/backups/{backed_up}/restore",
                        data={"csrf_token": csrf, "confirm": "app"})
    assert wrong.status_code == 400 and "type the database name" in wrong.text
    assert "added_later" in _tables(served)  # nothing changed
    done = client.post(f"/backups/{backed_up}/restore",
                       data={"csrf_token": csrf, "confirm": "app.db"}, follow_redirects=False)
    assert done.status_code == 303, done.text  # restore is recorded: its run is shown
    run = _finished_run(client, done.headers["location"].removeprefix("/runs/"))
    assert (run["target"], run["status"], run["user"]) == ("backup restore", "success", "ada")
    assert "added_later" not in _tables(served) and "kept" in _tables(served)
    safety = run["result"]["safety_backup"]
    assert safety
    listing = client.get("/api/backups").json()["backups"]
    assert {b["id"]: b["safety"] for b in listing} == {backed_up: False, safety: True}
    assert "safety</span>" in client.get("/backups").text
    actions = [(e.action, e.outcome, e.user) for e in
               client.app.state.ctx.trail.entries()]  # type: ignore[attr-defined]
    restored = _trail(client, "backup.restore", "success")
    assert restored.user == "ada"
    assert restored.detail == f"into sqlite:///{_db(served)}; safety backup {safety}"
    assert ("backup.restore", "denied", "otto") in actions


def test_restore_of_an_unknown_backup_says_so(client: TestClient) -> None:
    csrf = login(client, "ada")
    answer = client.post("/api/backups/nope/restore", json={"confirm": "app.db"},
                         headers=csrf_header(csrf))
    assert answer.status_code == 202  # recorded: the run says how it ended
    run = _finished_run(client, answer.json()["run_id"])
    assert run["status"] == "failed" and "no backups" in run["error"]
    _trail(client, "backup.restore", "failure")


def test_migrate_up_and_down(client: TestClient, served: Settings,
                             capsys: pytest.CaptureFixture[str]) -> None:
    csrf = login(client, "otto")
    page = client.get("/migrations").text
    assert "Apply 2 pending" in page and "Roll back…" not in page
    answer = client.post("/migrations/up", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303
    run_id = answer.headers["location"].removeprefix("/runs/")
    run = client.get(f"/api/runs/{run_id}?wait=30").json()
    assert (run["target"], run["status"], run["trigger"], run["user"]) == (
        "migrate up", "success", "web", "otto")
    assert {"items", "tags"} <= _tables(served)
    assert client.post("/api/migrations/down", json={"confirm": "app.db"},
                       headers=csrf_header(csrf)).status_code == 403
    client.cookies.clear()
    csrf = login(client, "ada")
    assert "Roll back…" in client.get("/migrations").text
    wrong = client.post("/api/migrations/down", json={"confirm": "nope"},
                        headers=csrf_header(csrf))
    assert wrong.status_code == 400 and "tags" in _tables(served)
    down = client.post("/api/migrations/down", json={"confirm": "app.db", "steps": 1},
                       headers=csrf_header(csrf))
    assert down.status_code == 202
    run = client.get(f"/api/runs/{down.json()['run_id']}?wait=30").json()
    assert (run["target"], run["status"], run["user"]) == ("migrate down", "success", "ada")
    assert "tags" not in _tables(served) and "items" in _tables(served)
    assert client.get("/api/migrations").json()["current_version"] == "1"
    capsys.readouterr()
    assert main(["history", "--json", "--trigger", "web"]) == 0
    history = json.loads(capsys.readouterr().out)["runs"]
    assert [(r["target"], r["user"]) for r in history] == [("migrate down", "ada"),
                                                           ("migrate up", "otto")]
    audit = [(e.action, e.outcome) for e in
             client.app.state.ctx.trail.entries()]  # type: ignore[attr-defined]
    for action in ("migrate.up", "migrate.down"):
        assert (action, "started") in audit and (action, "success") in audit
    assert ("migrate.down", "denied") in audit


def test_a_failing_migration_is_a_failed_run_and_a_failure_in_the_trail(
        client: TestClient, served: Settings) -> None:
    (served.project_dir / "migrations" / "3_broken.up.sql").write_text("CREATE TABLE (;\n")
    csrf = login(client, "otto")
    run_id = client.post("/api/migrations/up", headers=csrf_header(csrf)).json()["run_id"]
    run = client.get(f"/api/runs/{run_id}?wait=30").json()
    assert run["status"] == "failed" and run["exit_code"] == 1 and run["error"]
    page = client.get(f"/runs/{run_id}").text
    assert "3_broken.up.sql" in page
    entry = client.app.state.ctx.trail.entries()[0]  # type: ignore[attr-defined]
    assert (entry.action, entry.outcome, entry.run_id) == ("migrate.up", "failure", run_id)
