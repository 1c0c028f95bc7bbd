"""Webhook and Slack notifications to a real receiver on 127.0.0.1: bodies, signatures,
events, filters, retries — and a receiver that is down never changes an exit code."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from .conftest import Receiver, cli, everything_stored, write

SECRET = "whsec-9d8c7b6a5f4e"
TASKS = """
[tasks.good]
run = "echo fine"
[tasks.bad]
run = "echo 'connecting to postgresql://app:hunter2222@db/app'; echo boom; exit 3"
[workflows]
deploy = ["good", "bad"]
ok = ["good"]
"""


def webhook(url: str, **keys: str) -> str:
    extra = "".join(f"{k} = {v}\n" for k, v in keys.items())
    return f'[notify.hook]\nkind = "webhook"\nurl = "{url}"\nbackoff = "10ms"\n{extra}'


def test_webhook_gets_the_run_signed(project: Path, receiver: Receiver,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    write(project, TASKS + webhook(receiver.url, secret='"${HOOK_SECRET}"'))
    assert cli("run", "deploy", "--json") == 1  # the run's own exit code
    run = json.loads(capsys.readouterr().out)
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.path == "/hook/T0K3N-path"
    assert request.headers["X-Pitstop-Event"] == "failure"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Pitstop-Delivery"]
    expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Pitstop-Signature"], expected)
    body = json.loads(request.body)
    assert body["id"] == run["id"] and body["status"] == "failed" and body["exit_code"] == 1
    assert body["kind"] == "workflow" and body["target"] == "deploy"
    assert [t["name"] for t in body["tasks"]] == ["good", "bad"]
    assert "hunter2222" not in request.body.decode()
    stored = everything_stored(project)
    assert SECRET.encode() not in stored and b"hunter2222" not in stored
    assert cli("history", "show", run["id"], "--json") == 0
    shown = json.loads(capsys.readouterr().out)["notifications"]
    assert [(n["notifier"], n["event"], n["status"], n["attempts"]) for n in shown] == \
        [("hook", "failure", "sent", 1)]
    assert shown[0]["response"] == "HTTP 200: ok"


def test_events_start_success_recovery(project: Path, receiver: Receiver) -> None:
    marker = project / "fixed"
    write(project, f"""
[tasks.flaky]
run = "test -e {marker}"
""" + webhook(receiver.url, on='["start", "failure", "recovery"]'))
    assert cli("run", "flaky") == 1
    marker.touch()
    assert cli("run", "flaky") == 0
    assert cli("run", "flaky") == 0  # a success after a success: nothing but its start
    events = [r.headers["X-Pitstop-Event"] for r in receiver.requests]
    assert events == ["start", "failure", "start", "recovery", "start"]


def test_success_is_sent_to_targets_that_ask_for_it(project: Path, receiver: Receiver) -> None:
    write(project, TASKS + webhook(receiver.url, on='["success"]'))
    assert cli("run", "ok") == 0
    assert cli("run", "deploy") == 1
    assert [r.headers["X-Pitstop-Event"] for r in receiver.requests] == ["success"]


def test_filters_by_workflow_and_capability(project: Path, receiver: Receiver) -> None:
    (project / "migrations").mkdir()
    write(project, TASKS + webhook(receiver.url, on='["success", "failure"]',
                                   workflows='["ok"]', capabilities='["migrate"]'))
    assert cli("run", "deploy") == 1  # not listed
    assert cli("run", "ok") == 0
    assert cli("migrate", "status") == 0  # a command of a listed capability, typed directly
    bodies = [json.loads(r.body) for r in receiver.requests]
    assert [(b["target"], b["kind"]) for b in bodies] == [("ok", "workflow"),
                                                           ("migrate status", "verb")]
    assert bodies[1]["capability"] == "migrate" and bodies[1]["result"] is not None


def test_commands_a_workflow_runs_are_not_notified_on_their_own(
        project: Path, receiver: Receiver) -> None:
    (project / "migrations").mkdir()
    write(project, "[workflows]\nsetup = ['migrate']\n"
          + webhook(receiver.url, on='["success"]'))
    assert cli("run", "setup") == 0
    assert [json.loads(r.body)["target"] for r in receiver.requests] == ["setup"]


def test_retries_with_backoff_then_sent(project: Path, receiver: Receiver,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    receiver.statuses = [503, 500, 429]
    write(project, TASKS + webhook(receiver.url, retries="3"))
    assert cli("run", "deploy", "--json") == 1
    run_id = json.loads(capsys.readouterr().out)["id"]
    assert len(receiver.requests) == 4
    assert len({r.headers["X-Pitstop-Delivery"] for r in receiver.requests}) == 1
    assert cli("history", "show", run_id, "--json") == 0
    note = json.loads(capsys.readouterr().out)["notifications"][0]
    assert (note["status"], note["attempts"]) == ("sent", 4)


def test_a_refusal_is_not_retried(project: Path, receiver: Receiver,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    receiver.statuses = [403]
    write(project, TASKS + webhook(receiver.url, retries="3"))
    assert cli("run", "deploy", "--json") == 1
    run_id = json.loads(capsys.readouterr().out)["id"]
    assert len(receiver.requests) == 1
    assert cli("history", "show", run_id) == 0
    out = capsys.readouterr().out
    assert "failed" in out and "HTTP 403: not now" in out


@pytest.mark.parametrize(("target", "code"), [("ok", 0), ("deploy", 1)])
def test_a_receiver_that_is_down_does_not_change_the_exit_code(
        project: Path, closed_port: int, capsys: pytest.CaptureFixture[str],
        target: str, code: int) -> None:
    write(project, TASKS + webhook(f"http://127.0.0.1:{closed_port}/x", retries="2",
                                   on='["success", "failure"]'))
    assert cli("run", target, "--json") == code
    captured = capsys.readouterr()
    run_id = json.loads(captured.out)["id"]
    assert "was not sent after 3 attempt(s): cannot connect" in captured.err
    assert cli("history", "show", run_id, "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["exit_code"] == code
    note = shown["notifications"][0]
    assert (note["status"], note["attempts"], note["response"]) == ("failed", 3, None)
    assert "cannot connect" in note["error"]


def test_slack_message_with_the_failed_task_and_its_log(project: Path,
                                                        receiver: Receiver,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", receiver.url)
    write(project, TASKS + '[notify.ops]\nkind = "slack"\nurl = "${SLACK_WEBHOOK_URL}"\n'
                           "log_lines = 5\n")
    assert cli("run", "deploy") == 1
    payload = json.loads(receiver.requests[0].body)
    assert payload["text"].startswith("✗ deploy failed")
    section = payload["blocks"][0]["text"]["text"]
    assert "*status:* failed (exit 1)" in section
    assert "*failed task:* bad: exited with status 3" in section
    assert "*duration:*" in section
    log = payload["blocks"][1]["text"]["text"]
    assert "boom" in log and "app:***@db" in log and "hunter2222" not in log
    assert b"T0K3N-path" not in everything_stored(project)


def test_a_variable_that_is_not_set_is_a_failed_notification(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, TASKS + '[notify.ops]\nkind = "slack"\nurl = "${NOT_SET_ANYWHERE}"\n')
    assert cli("run", "deploy") == 1
    err = capsys.readouterr().err
    assert "notify.ops.url: uses ${NOT_SET_ANYWHERE}, which is not set" in err


def test_scheduled_runs_are_notified(project: Path, receiver: Receiver) -> None:
    import datetime as dt

    from pitstop.capability import install_observers
    from pitstop.registry import load_settings, observers, tasks
    from pitstop.schedule.clock import SimulatedClock
    from pitstop.schedule.scheduler import Scheduler

    write(project, TASKS + "[schedules.nightly]\nworkflow = 'deploy'\ncron = '0 3 * * *'\n"
          + webhook(receiver.url))
    settings = load_settings(project, env={})
    clock = SimulatedClock(dt.datetime(2025, 6, 1, 2, 59, tzinfo=dt.UTC))
    scheduler = Scheduler(settings, tasks(), clock=clock, environ={"PATH": "/usr/bin:/bin"})
    previous = install_observers(observers())
    try:
        scheduler.tick()
        clock.advance(60)
        scheduler.tick()
        assert scheduler.wait_for_runs(60)
    finally:
        install_observers(previous)
        scheduler.close()
    body = json.loads(receiver.requests[0].body)
    assert body["trigger"] == "schedule" and body["schedule"] == "nightly"
    assert body["fired_at"] == "2025-06-01T03:00:00+00:00"
