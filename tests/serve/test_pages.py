"""The pages and the API over one history: runbooks by role, runs with keyset pages
and filters, a run's page and its event stream, the dashboard."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from fastapi.testclient import TestClient

from pitstop.cli.main import main
from pitstop.config import Settings
from pitstop.state.store import HealthCheckRecord, StateStore

from .conftest import csrf_header, login


def _wait(client: TestClient, run_id: str) -> dict[str, object]:
    run: dict[str, object] = client.get(f"/api/runs/{run_id}?wait=30").json()
    assert run["status"] != "running"
    return run


def test_runbook_started_on_the_page_is_in_pitstop_history(
        client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    csrf = login(client, "otto")
    answer = client.post("/runbooks/hello/start", data={"csrf_token": csrf},
                         follow_redirects=False)
    assert answer.status_code == 303
    run_id = answer.headers["location"].removeprefix("/runs/")
    run = _wait(client, run_id)
    assert (run["status"], run["trigger"], run["user"], run["kind"]) == (
        "success", "web", "otto", "workflow")
    page = client.get(f"/runs/{run_id}").text
    assert "hello 2" in page and "greet" in page
    capsys.readouterr()
    assert main(["history", "--json"]) == 0
    history = json.loads(capsys.readouterr().out)["runs"]
    assert [(r["id"], r["trigger"], r["user"]) for r in history] == [(run_id, "web", "otto")]
    audit = client.app.state.ctx.trail.entries()  # type: ignore[attr-defined]
    started = [e for e in audit if e.action == "runbook.start"]
    assert [(e.outcome, e.run_id, e.target) for e in started] == [
        ("success", run_id, "hello"), ("started", run_id, "hello")]


def test_runbook_level_decides_who_may_start_it(client: TestClient) -> None:
    csrf = login(client, "otto")
    page = client.get("/runbooks").text
    assert 'data-runbook="hello"' in page and 'data-runbook="deploy"' in page
    assert 'data-runbook="reset"' not in page  # level admin (its task `wipe` is admin)
    answer = client.post("/api/runbooks/reset/runs", headers=csrf_header(csrf))
    assert answer.status_code == 403 and answer.json()["needed"] == "admin"
    denied = client.app.state.ctx.trail.entries()[0]  # type: ignore[attr-defined]
    assert (denied.action, denied.outcome, denied.target, denied.user) == (
        "runbook.start", "denied", "reset", "otto")
    books = {b["name"]: b for b in client.get("/api/runbooks").json()["runbooks"]}
    assert {n: (b["level"], b["may_start"]) for n, b in books.items()} == {
        "deploy": ("write", True), "gate": ("write", True), "hello": ("read", True),
        "reset": ("admin", False)}
    assert client.post("/api/runbooks/nope/runs", headers=csrf_header(csrf)).status_code == 404


def test_viewer_sees_no_start_button(client: TestClient) -> None:
    login(client, "vera")
    page = client.get("/runbooks").text
    assert "data-runbook=" not in page and "needs the operator role" in page
    assert "Verify" not in client.get("/backups").text


def test_the_event_stream_of_a_run(client: TestClient) -> None:
    csrf = login(client, "ada")
    run_id = client.post("/api/runbooks/hello/runs", headers=csrf_header(csrf)).json()["run_id"]
    _wait(client, run_id)
    body = client.get(f"/runs/{run_id}/events").text
    events = [(block.split("\n")[0].removeprefix("event: "),
               json.loads(block.split("\n")[1].removeprefix("data: ")))
              for block in body.strip().split("\n\n")]
    names = [name for name, _ in events]
    assert names[0] == "reset" and names[-1] == "end"
    lines = [line for name, data in events if name == "log" for line in data["lines"]]
    assert lines == ["hello 0", "hello 1", "hello 2"]
    assert ("task", {"task": "greet", "attempt": 1, "status": "success", "exit_code": 0}) \
        in events
    assert events[-1][1] == {"status": "success", "exit_code": 0}


def test_logs_are_masked(client: TestClient, served: Settings) -> None:
    (served.project_dir / "scripts" / "greet.py").write_text(
        "print('connecting to postgresql://app:hunter2secret@db/app', flush=True)\n")
    csrf = login(client, "otto")
    run_id = client.post("/api/runbooks/hello/runs", headers=csrf_header(csrf)).json()["run_id"]
    _wait(client, run_id)
    for text in (client.get(f"/runs/{run_id}").text, client.get(f"/runs/{run_id}/events").text,
                 client.get(f"/runs/{run_id}/log/greet").text):
        assert "hunter2secret" not in text and "app:***@db" in text


def _fill(served: Settings, count: int) -> list[str]:
    """``count`` finished runs, a minute apart, alternately from the CLI and the web."""
    ids = []
    base = time.time() - count * 60
    with StateStore.open(served.state.url) as store:
        for index in range(count):
            web = index % 2 == 0
            run_id = store.start_run("deploy" if web else "backup create",
                                     kind="workflow" if web else "verb",
                                     trigger="web" if web else "cli",
                                     user="otto" if web else "root",
                                     capability=None if web else "backup",
                                     started_at=base + index * 60)
            store.finish_run(run_id, "success" if index % 3 else "failed", 0,
                             finished_at=base + index * 60 + 5)
            ids.append(run_id)
    return list(reversed(ids))


def test_runs_are_paged_by_keyset_and_filtered(client: TestClient, served: Settings) -> None:
    ids = _fill(served, 120)
    login(client, "vera")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        answer = client.get("/api/runs", params={"limit": 50, **({"after": cursor}
                                                               if cursor else {})}).json()
        seen += [r["id"] for r in answer["runs"]]
        pages += 1
        cursor = answer["next"]
        if cursor is None:
            break
    assert pages == 3 and seen == ids
    web = client.get("/api/runs", params={"trigger": "web", "limit": 500}).json()["runs"]
    assert len(web) == 60 and {r["user"] for r in web} == {"otto"}
    failed = client.get("/api/runs", params={"status": "failed", "capability": "backup",
                                             "limit": 500}).json()["runs"]
    assert failed and all(r["status"] == "failed" and r["capability"] == "backup"
                          for r in failed)
    today = dt.date.today().isoformat()
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert client.get("/api/runs", params={"since": tomorrow}).json()["runs"] == []
    assert client.get("/api/runs", params={"until": tomorrow, "limit": 1}).json()["runs"]
    assert client.get("/api/runs", params={"since": "yesterday"}).status_code == 400
    page = client.get("/runs", params={"user": "root"}).text
    assert page.count('class="mono"') == 50 and "older »" in page and today[:4] in page


def test_dashboard_shows_workflows_checks_backups_and_migrations(
        client: TestClient, served: Settings) -> None:
    from pitstop import registry

    with StateStore.open(served.state.url) as store:
        now = dt.datetime.now(dt.UTC)
        store.record_health_checks([
            HealthCheckRecord("database", "pass", 0.01 + i / 1000, {}, "ok", None,
                              now - dt.timedelta(minutes=10 - i)) for i in range(5)]
            + [HealthCheckRecord("redis", "fail", None, {}, "refused", "start it", now)])
    import sqlite3

    sqlite3.connect(served.project_dir / "app.db").close()  # an empty database to back up
    registry.verb("backup", "create").load()(served)
    login(client, "vera")
    page = client.get("/").text
    assert "never run" in page and "deploy" in page
    assert "database" in page and "redis" in page and "<polyline" in page
    backups = client.get("/panels/backups").text
    assert "not verified" in backups
    migrations = client.get("/panels/migrations").text
    assert '<span class="badge warn">2</span>' in migrations  # two pending
    assert [r["target"] for r in client.get("/api/runs").json()["runs"]] == [
        "backup create"], "showing migration status must not add runs to the history"
    checks = client.get("/api/checks").json()["checks"]
    assert len(checks["database"]) == 5 and checks["redis"][0]["status"] == "fail"


def test_unknown_run_is_404(client: TestClient) -> None:
    login(client, "vera")
    assert client.get("/runs/nosuchrun").status_code == 404
    assert client.get("/api/runs/nosuchrun").status_code == 404


def test_probes_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    metrics = client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "pitstop_build_info" in metrics.text
    csrf = login(client, "otto")
    run_id = client.post("/api/runbooks/hello/runs", headers=csrf_header(csrf)).json()["run_id"]
    _wait(client, run_id)
    assert 'pitstop_task_runs_total{status="success",task="greet"} 1.0' in \
        client.get("/metrics").text
    assert "/api/runs/{run_id}" in client.get("/api/docs").text
