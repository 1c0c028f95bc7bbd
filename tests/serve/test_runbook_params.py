"""Runbooks with parameters (a form built from the declarations, the API's `params`),
the scheduler inside the server, and notifications for runs started here."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pitstop.config import Settings
from pitstop.errors import ConfigError
from pitstop.state.store import StateStore

from .conftest import add_users, csrf_header, load, login, write_project

PARAMS = """
[tasks.ship]
run = ["{py}", "-c", "{ship}", "{{ params.version }}", "{{ params.token }}"]
level = "write"

[workflows.release]
steps = ["ship"]
[workflows.release.params.version]
required = true
pattern = '\\d+\\.\\d+\\.\\d+'
description = "the release to ship"
[workflows.release.params.target]
choices = ["staging", "production"]
default = "staging"
[workflows.release.params.replicas]
type = "integer"
default = 2
[workflows.release.params.token]
secret = true
default = "unset"
"""


SHIP = ("import os, sys; print('shipping', sys.argv[1], 'to', "
        "os.environ['PITSTOP_PARAM_TARGET'], 'token', sys.argv[2])")


def _project(root: Path, state_url: str, extra: str) -> Settings:
    import sys

    write_project(root, state_url)
    with (root / "pitstop.toml").open("a", encoding="utf-8") as fh:
        fh.write(extra.replace("{py}", sys.executable).replace("{ship}", SHIP))
    settings = load(root)
    add_users(settings)
    return settings


@pytest.fixture
def with_params(project: Path, sqlite_state: str) -> Iterator[TestClient]:
    from pitstop.serve.app import create_app

    app = create_app(_project(project, sqlite_state, PARAMS))
    with TestClient(app) as client:
        yield client
        assert app.state.ctx.jobs.wait_all(60)


def _finished(client: TestClient, run_id: str) -> dict[str, object]:
    run: dict[str, object] = client.get(f"/api/runs/{run_id}?wait=30").json()
    assert run["status"] != "running"
    return run


def test_the_form_is_built_from_the_declarations(with_params: TestClient) -> None:
    login(with_params, "otto")
    page = with_params.get("/runbooks").text
    assert 'name="param.version"' in page and "required" in page
    assert "the release to ship" in page
    assert '<option value="production"' in page  # choices are a select
    assert 'name="param.replicas" type="number"' in page
    assert 'name="param.token" type="password"' in page
    books = {b["name"]: b for b in with_params.get("/api/runbooks").json()["runbooks"]}
    declared = {p["name"]: p for p in books["release"]["parameters"]}
    assert declared["version"]["required"] is True
    assert declared["target"]["choices"] == ["staging", "production"]
    assert declared["token"]["default"] == "***"  # a secret default is never shown
    assert books["hello"]["parameters"] == []


def test_a_run_started_from_the_form_gets_its_values_and_hides_secrets(
        with_params: TestClient, project: Path) -> None:
    csrf = login(with_params, "otto")
    answer = with_params.post("/runbooks/release/start", follow_redirects=False, data={
        "csrf_token": csrf, "param.version": "1.4.0", "param.target": "production",
        "param.replicas": "", "param.token": "tok-SECRET-42"})
    assert answer.status_code == 303, answer.text
    run_id = answer.headers["location"].removeprefix("/runs/")
    run = _finished(with_params, run_id)
    assert run["status"] == "success"
    log = with_params.get(f"/runs/{run_id}/log/ship").text
    assert "shipping 1.4.0 to production" in log
    assert "tok-SECRET-42" not in log and "***" in log
    with StateStore.open(load(project).state.url) as store:
        stored = store.get_run(run_id)
    assert stored is not None
    assert stored.params["params"]["version"] == "1.4.0"
    assert stored.params["params"]["replicas"] == "2"
    assert stored.params["params"]["token"] == "***"
    everything = (project / ".pitstop").rglob("*")
    assert not any(b"tok-SECRET-42" in p.read_bytes() for p in everything if p.is_file())


@pytest.mark.parametrize(("given", "named"), [
    ({"param.version": "one"}, "version"),
    ({}, "version"),
    ({"param.version": "1.0.0", "param.target": "moon"}, "target"),
    ({"param.version": "1.0.0", "param.colour": "red"}, "colour"),
])
def test_wrong_values_start_nothing(with_params: TestClient, given: dict[str, str],
                                    named: str) -> None:
    csrf = login(with_params, "otto")
    answer = with_params.post("/runbooks/release/start", follow_redirects=False,
                              data={"csrf_token": csrf, **given})
    assert answer.status_code == 400
    assert named in answer.text
    assert with_params.get("/api/runs").json()["runs"] == []


def test_the_api_takes_params(with_params: TestClient) -> None:
    csrf = login(with_params, "otto")
    answer = with_params.post("/api/runbooks/release/runs", headers=csrf_header(csrf),
                              json={"params": {"version": "2.0.1", "replicas": 3}})
    assert answer.status_code == 202, answer.text
    run = _finished(with_params, answer.json()["run_id"])
    assert run["status"] == "success"
    assert run["params"]["replicas"] == "3"  # type: ignore[index]
    bad = with_params.post("/api/runbooks/release/runs", headers=csrf_header(csrf),
                           json={"params": {"version": ["2.0.1"]}})
    assert bad.status_code == 400 and "version" in bad.json()["error"]
    missing = with_params.post("/api/runbooks/release/runs", headers=csrf_header(csrf))
    assert missing.status_code == 400 and "version" in missing.json()["error"]


EVERY_SECOND = """
[tasks.tick]
run = ["{py}", "-c", "print('tick')"]
[workflows.ticking]
steps = ["tick"]
[schedules.often]
workflow = "ticking"
cron = "* * * * * *"
"""


def _runs(settings: Settings, trigger: str) -> list[object]:
    with StateStore.open(settings.state.url) as store:
        return [r for r in store.list_runs(limit=50) if r.trigger == trigger]


def test_the_server_fires_the_schedules(project: Path, sqlite_state: str) -> None:
    from pitstop.serve.app import create_app

    settings = _project(project, sqlite_state, EVERY_SECOND)
    app = create_app(settings, scheduler=True)
    with TestClient(app) as client:
        deadline = time.monotonic() + 30
        while not _runs(settings, "schedule") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _runs(settings, "schedule"), "no scheduled run within 30 s"
        login(client, "vera")
        panel = client.get("/panels/schedules").text
        assert "often" in panel and "ticking" in panel
        assert "Fired by this server" in panel
    # stopped with the server: no firing after the lifespan ended
    count = len(_runs(settings, "schedule"))
    time.sleep(1.5)
    assert len(_runs(settings, "schedule")) == count


def test_without_the_scheduler_nothing_fires(project: Path, sqlite_state: str) -> None:
    from pitstop.serve.app import create_app

    settings = _project(project, sqlite_state, EVERY_SECOND)
    with TestClient(create_app(settings)) as client:
        login(client, "vera")
        panel = client.get("/panels/schedules").text
        assert "often" in panel and "does not fire them" in panel
    assert _runs(settings, "schedule") == []


def test_a_schedule_that_cannot_run_stops_the_server_from_starting(
        project: Path, sqlite_state: str) -> None:
    from pitstop.serve.app import create_app

    settings = _project(project, sqlite_state, EVERY_SECOND.replace(
        'workflow = "ticking"', 'workflow = "nothing-by-that-name"'))
    with pytest.raises(ConfigError, match="often"):
        create_app(settings, scheduler=True)


class _Receiver:
    def __init__(self) -> None:
        self.bodies: list[dict[str, object]] = []
        seen = self.bodies

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_runs_started_on_the_page_notify(project: Path, sqlite_state: str) -> None:
    from pitstop.serve.app import create_app

    receiver = _Receiver()
    try:
        settings = _project(project, sqlite_state, f"""
[notify.hook]
kind = "webhook"
url = "{receiver.url}"
on = ["success", "failure"]
""")
        app = create_app(settings)
        with TestClient(app) as client:
            csrf = login(client, "otto")
            answer = client.post("/api/runbooks/hello/runs", headers=csrf_header(csrf))
            run_id = answer.json()["run_id"]
            assert _finished(client, run_id)["status"] == "success"
            assert app.state.ctx.jobs.wait_all(60)
        deadline = time.monotonic() + 10
        while not receiver.bodies and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [b.get("id") for b in receiver.bodies] == [run_id]
    finally:
        receiver.close()


def test_pitstop_serve_fires_schedules_unless_told_not_to(project: Path,
                                                          sqlite_state: str) -> None:
    from .conftest import serve_process

    settings = _project(project, sqlite_state, EVERY_SECOND)
    for _proc, _port in serve_process(project, "--no-scheduler"):
        time.sleep(1.5)  # a seconds-cron would have fired by now: proving a negative
    assert _runs(settings, "schedule") == []
    for _proc, _port in serve_process(project):
        deadline = time.monotonic() + 30
        while not _runs(settings, "schedule") and time.monotonic() < deadline:
            time.sleep(0.1)
    assert _runs(settings, "schedule"), "pitstop serve fired no schedule within 30 s"
