"""`pitstop history retry`: the same workflow and parameters, rerunning only what did not
succeed or one task and everything after it, linked to the original run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pitstop.cli.main import main
from pitstop.state.store import StateStore

WORKFLOW = """
[tasks.prepare]
run = "echo prepared >> {marks}/prepare"
[tasks.left]
run = "echo left >> {marks}/left"
[tasks.flaky]
run = "test -f {marks}/fixed && echo ok {{{{ params.version }}}} >> {marks}/flaky"
[tasks.publish]
run = "echo published >> {marks}/publish"
needs = ["flaky"]
[tasks.announce]
run = "echo announced $PITSTOP_PARAM_TOKEN >> {marks}/announce"

[workflows.release]
steps = ["prepare", ["left", "flaky"], "publish", "announce"]
params = {{ version = {{ required = true }}, token = {{ secret = true }} }}
"""


def cli(*args: str) -> int:
    return main(list(args))


@pytest.fixture
def marks(project: Path) -> Path:
    directory = project / "marks"
    directory.mkdir()
    (project / "pitstop.toml").write_text(WORKFLOW.format(marks=directory), encoding="utf-8")
    return directory


def count(marks: Path, task: str) -> int:
    path = marks / task
    return len(path.read_text().splitlines()) if path.exists() else 0


def last_json(capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    return json.loads(capsys.readouterr().out)


def test_retry_reruns_only_what_failed(project: Path, marks: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("run", "release", "-k", "-p", "version=1.4.0", "-p", "token=abcd-secret",
               "--json") == 1
    first = last_json(capsys)
    statuses = {t["name"]: t["status"] for t in first["tasks"]}
    assert statuses == {"prepare": "success", "left": "success", "flaky": "failed",
                        "publish": "skipped", "announce": "skipped"}
    (marks / "fixed").touch()
    # the secret was never stored: a retry needs it again
    assert cli("history", "retry", first["id"]) == 3
    assert "secret and was never stored" in capsys.readouterr().err
    assert cli("history", "retry", first["id"], "-p", "token=abcd-secret", "--json") == 0
    second = last_json(capsys)
    assert [t["name"] for t in second["tasks"]] == ["flaky", "publish", "announce"]
    assert second["retry_of"] == first["id"]
    assert second["params"] == {"version": "1.4.0", "token": "***"}
    assert (count(marks, "prepare"), count(marks, "left"), count(marks, "flaky"),
            count(marks, "publish"), count(marks, "announce")) == (1, 1, 1, 1, 1)
    assert (marks / "flaky").read_text() == "ok 1.4.0\n"
    assert (marks / "announce").read_text() == "announced abcd-secret\n"  # the task sees it
    with StateStore.open(f"sqlite:///{project / '.pitstop' / 'state.db'}") as store:
        stored = store.get_run(second["id"])
    assert stored is not None
    record = stored.to_dict()
    assert record["retry_of"] == first["id"] and record["params"]["token"] == "***"
    assert stored.params["reused"] == ["prepare", "left"]
    assert cli("history", "show", second["id"]) == 0
    out = capsys.readouterr().out
    assert f"retry of run {first['id']} (failed); reused: prepare, left" in out
    assert "params: version=1.4.0, token=***" in out


def test_retry_from_a_task_reruns_it_and_everything_after(
        project: Path, marks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (marks / "fixed").touch()
    assert cli("run", "release", "-p", "version=2.0.0", "--json") == 0
    first = last_json(capsys)
    assert cli("history", "retry", first["id"][:6], "--from", "publish", "-p",
               "version=2.0.1", "--json") == 0
    second = last_json(capsys)
    assert [t["name"] for t in second["tasks"]] == ["publish", "announce"]
    assert second["params"]["version"] == "2.0.1"
    assert (count(marks, "prepare"), count(marks, "publish"), count(marks, "announce")) \
        == (1, 2, 2)


def test_what_cannot_be_retried_is_exit_3(project: Path, marks: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (marks / "fixed").touch()
    assert cli("run", "release", "-p", "version=1.0.0", "--json") == 0
    run_id = last_json(capsys)["id"]
    assert cli("history", "retry", run_id) == 3
    assert "no task that did not succeed" in capsys.readouterr().err
    assert cli("history", "retry", run_id, "--from", "nope") == 3
    assert "not part of workflow 'release'" in capsys.readouterr().err
    assert cli("history", "retry", run_id, "--failed", "--from", "publish") == 3
    assert cli("history", "retry", "ffffffffffff") == 3
    assert "no run with id" in capsys.readouterr().err
