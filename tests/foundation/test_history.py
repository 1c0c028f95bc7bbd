"""One history: every verb call is recorded as a run, whichever front made it; reading
the history never kills anything; a state store that cannot be written never fails a
verb."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pitstop.cli.main import main

PITSTOP = [sys.executable, "-m", "pitstop"]


def cli(*args: str) -> int:
    return main(list(args))


def history(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert cli("history", "--json", *args) == 0
    runs: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["runs"]
    return runs


@pytest.fixture
def migrations(project: Path) -> Path:
    (project / "pitstop.toml").write_text('database_url = "sqlite:///app.db"\n')
    folder = project / "migrations"
    folder.mkdir()
    (folder / "V1__a.sql").write_text("CREATE TABLE a (id INTEGER);\n")
    return folder


def test_direct_commands_are_recorded(migrations: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("migrate", "up") == 0
    assert cli("migrate", "status") == 0
    assert cli("migrate", "up", "--dry-run") == 10
    (migrations / "V2__b.sql").write_text("CREATE TABLE a (id INTEGER);\n")  # fails
    assert cli("migrate", "up") == 1
    runs = history(capsys)
    assert [r["target"] for r in runs] == ["migrate up", "migrate up", "migrate status",
                                           "migrate up"]
    failed, dry, status, applied = runs
    assert applied["status"] == "success" and applied["exit_code"] == 0
    assert applied["kind"] == "verb" and applied["capability"] == "migrate"
    assert applied["verb"] == "up" and applied["trigger"] == "cli"
    assert applied["user"] and applied["host"] and applied["pid"] == os.getpid()
    assert applied["finished_at"] >= applied["started_at"]
    assert [a["file"] for a in applied["result"]["applied"]] == ["V1__a.sql"]
    assert status["result"]["current_version"] == "1"
    assert dry["status"] == "dry-run" and dry["exit_code"] == 10
    assert dry["options"] == {"dry_run": True}
    assert failed["status"] == "failed" and failed["exit_code"] == 1
    assert "V2__b.sql" in failed["error"]
    # filters
    assert [r["target"] for r in history(capsys, "--status", "failed")] == ["migrate up"]
    assert len(history(capsys, "--capability", "migrate")) == 4
    assert history(capsys, "--capability", "backup") == []
    assert len(history(capsys, "--trigger", "cli")) == 4
    assert history(capsys, "--trigger", "workflow") == []


def test_show_a_verb_run(migrations: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("migrate", "up") == 0
    [run] = history(capsys)
    assert cli("history", "show", run["id"][:6]) == 0
    out = capsys.readouterr().out
    assert "verb 'migrate up'  success" in out and "via cli" in out
    assert "current_version: 1" in out
    assert cli("history", "show", run["id"], "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["result"] == run["result"] and shown["children"] == []


def test_workflow_tasks_record_their_verbs_as_children(migrations: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    with (migrations.parent / "pitstop.toml").open("a") as handle:
        handle.write('[workflows]\ndeploy = ["migrate"]\n')
    assert cli("run", "deploy") == 0
    runs = history(capsys)
    verb, workflow = runs
    assert workflow["kind"] == "workflow" and workflow["target"] == "deploy"
    assert verb["target"] == "migrate up" and verb["trigger"] == "workflow"
    assert verb["parent_id"] == workflow["id"] and verb["status"] == "success"
    assert cli("history", "show", workflow["id"], "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in shown["children"]] == [verb["id"]]


def test_secrets_never_reach_the_history(project: Path, pg_url: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    secret_url = pg_url.replace("postgres@", "postgres:Sup3rSecretPw@")
    (project / "pitstop.toml").write_text("")
    (project / "migrations").mkdir()
    assert cli("migrate", "status", "--database", secret_url) == 0
    assert cli("migrate", "up", "--database", secret_url) == 0
    runs = history(capsys)
    assert len(runs) == 2
    assert "Sup3rSecretPw" not in json.dumps(runs)
    stored = b"".join(p.read_bytes() for p in (project / ".pitstop").glob("state.db*"))
    assert b"Sup3rSecretPw" not in stored


def test_unwritable_state_store_is_one_warning(migrations: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    blocker = migrations.parent / "not-a-dir"
    blocker.write_text("a file where the state directory should be")
    with (migrations.parent / "pitstop.toml").open("a") as handle:
        handle.write(f'[state]\nurl = "sqlite:///{blocker}/state.db"\n')
    assert cli("migrate", "up") == 0
    err = capsys.readouterr().err
    assert err.count("history not recorded") == 1
    assert "1 migration applied" in err
    with sqlite3.connect(migrations.parent / "app.db") as conn:
        assert conn.execute("SELECT count(*) FROM a").fetchone() == (0,)


def test_failed_command_outside_a_project_leaves_no_state(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    assert cli("migrate", "status") == 3  # no migrations directory
    (empty / "migrations").mkdir()
    assert cli("migrate", "status", "--database", "postgresql://nobody@127.0.0.1:1/x") == 4
    assert not (empty / ".pitstop").exists()


def _state_rows(project: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(project / ".pitstop" / "state.db") as conn:
        return conn.execute(sql).fetchall()


def _wait_for(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _killed_run(project: Path) -> int:
    """Start `pitstop run hang` (a task that writes its pid and sleeps), kill -9 the
    pitstop process, return the pid of the task process it left behind."""
    pidfile = project / "task.pid"
    (project / "pitstop.toml").write_text(
        f'[tasks.hang]\nrun = ["{sys.executable}", "-c", "import os, time; '
        f"open('{pidfile}', 'w').write(str(os.getpid())); time.sleep(300)\"]\n")
    proc = subprocess.Popen([*PITSTOP, "run", "hang"], cwd=project,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(lambda: pidfile.exists() and pidfile.read_text().strip())
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return int(pidfile.read_text())


def test_reading_history_marks_but_never_kills(project: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    leftover = _killed_run(project)
    try:
        [run] = history(capsys)
        assert run["status"] == "abandoned"
        assert _alive(leftover), "pitstop history killed a process"
        assert cli("history", "sweep", "--kill", "--json") == 0
        swept = json.loads(capsys.readouterr().out)
        assert swept["killed_pids"] == [leftover]
        _wait_for(lambda: not _alive(leftover))
    finally:
        if _alive(leftover):
            os.kill(leftover, signal.SIGKILL)


def test_a_new_run_stops_what_a_dead_run_left(project: Path) -> None:
    leftover = _killed_run(project)
    try:
        (project / "pitstop.toml").write_text('[tasks.ok]\nrun = "true"\n')
        assert cli("run", "ok") == 0
        _wait_for(lambda: not _alive(leftover))
        assert _state_rows(project, "SELECT status FROM pitstop_runs ORDER BY started_at") == [
            ("abandoned",), ("success",)]
    finally:
        if _alive(leftover):
            os.kill(leftover, signal.SIGKILL)


def test_history_checks_shows_latest_and_trend(project: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text('database_url = "sqlite:///app.db"\n')
    sqlite3.connect(project / "app.db").execute("CREATE TABLE t (x)")
    assert cli("check", "database") == 0
    (project / "pitstop.toml").write_text(
        'database_url = "postgresql://nobody@127.0.0.1:1/x"\n')
    assert cli("check", "database") == 4
    capsys.readouterr()
    assert cli("history", "checks", "--json") == 0
    checks = json.loads(capsys.readouterr().out)["checks"]
    trend = checks["database"]
    assert trend["statuses"] == ["pass", "fail"] and trend["results"] == 2
    assert trend["latest"]["status"] == "fail" and trend["pass_rate"] == 0.5
    assert cli("history", "checks") == 0
    assert "✓✗" in capsys.readouterr().out
    assert cli("history", "checks", "database") == 0
    assert cli("history", "checks", "nope") == 3


def test_metrics_cover_recorded_commands(migrations: Path) -> None:
    with (migrations.parent / "pitstop.toml").open("a") as handle:
        handle.write('[metrics]\ntextfile = "metrics/pitstop.prom"\n')
    assert cli("migrate", "up") == 0
    assert cli("migrate", "up") == 0
    (migrations / "V2__b.sql").write_text("CREATE TABLE a (id INTEGER);\n")  # fails
    assert cli("migrate", "up") == 1
    text = (migrations.parent / "metrics" / "pitstop.prom").read_text()
    assert 'pitstop_verb_runs_total{capability="migrate",status="success",verb="up"} 2.0' \
        in text
    assert 'pitstop_verb_runs_total{capability="migrate",status="failed",verb="up"} 1.0' in text
    assert 'pitstop_verb_last_exit_code{capability="migrate",verb="up"} 1.0' in text
    assert 'pitstop_verb_last_success_timestamp_seconds{capability="migrate",verb="up"}' in text
