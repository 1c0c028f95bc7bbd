"""`pitstop schedule list|next|run` through the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pitstop.cli.main import main

SCHEDULES = """
[tasks.tick]
run = "true"
[schedules.nightly]
workflow = "tick"
cron = "30 2 * * *"
timezone = "Europe/Berlin"
catchup = "6h"
description = "backup"
[schedules.fast]
workflow = "tick"
cron = "* * * * * *"
[schedules.off]
workflow = "tick"
cron = "@daily"
enabled = false
"""


def cli(*args: str) -> int:
    return main(list(args))


def test_list_and_next(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text(SCHEDULES)
    assert cli("schedule", "list", "--json") == 0
    listed = {s["name"]: s for s in json.loads(capsys.readouterr().out)["schedules"]}
    assert listed["nightly"]["timezone"] == "Europe/Berlin"
    assert listed["nightly"]["catchup_seconds"] == 6 * 3600
    assert len(listed["nightly"]["next"]) == 3
    assert listed["nightly"]["next"][0]["local"][11:19] == "02:30:00"
    assert listed["off"]["next"] == [] and listed["off"]["enabled"] is False
    assert listed["fast"]["last"] is None
    assert cli("schedule", "list") == 0
    out = capsys.readouterr().out
    assert "nightly" in out and "disabled" in out
    assert cli("schedule", "next", "nightly", "-n", "5", "--json") == 0
    upcoming = json.loads(capsys.readouterr().out)
    assert len(upcoming["firings"]) == 5 and upcoming["cron"] == "30 2 * * *"
    assert cli("schedule", "next", "nope") == 3
    assert "no schedule named 'nope'" in capsys.readouterr().err


def test_bad_schedules_are_exit_3(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text("[tasks.t]\nrun = 'true'\n[schedules.s]\n"
                                          "workflow = 't'\ncron = '* * * *'\n")
    assert cli("schedule", "list") == 3
    assert "[schedules.s.cron]" in capsys.readouterr().err
    (project / "pitstop.toml").write_text("[tasks.t]\nrun = 'true'\n[schedules.s]\n"
                                          "workflow = 'nope'\ncron = '* * * * *'\n")
    assert cli("schedule", "list") == 3
    assert "schedule 's': no workflow or task named 'nope'" in capsys.readouterr().err
    assert cli("schedule", "run", "--for", "1s") == 3


def test_run_fires_records_and_stops_on_sigterm(project: Path) -> None:
    (project / "pitstop.toml").write_text(SCHEDULES)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PITSTOP_")}
    proc = subprocess.Popen([sys.executable, "-m", "pitstop", "schedule", "run", "--only",
                             "fast", "--json"], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if _count(project) >= 2:
                break
            time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    report = json.loads(out)
    assert report["schedules"] == ["fast"] and report["counts"]["finished"] >= 2
    text = err.decode()
    assert "[fast] firing" in text and "finished run" in text
    assert _count(project) >= 2


def _count(project: Path) -> int:
    import sqlite3

    db = project / ".pitstop" / "state.db"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            row = conn.execute("SELECT count(*) FROM pitstop_runs WHERE \"trigger\" = "
                               "'schedule' AND status = 'success'").fetchone()
        except sqlite3.OperationalError:
            return 0
    return int(row[0])


def test_history_shows_the_schedule_of_a_run(project: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text(SCHEDULES)
    assert cli("schedule", "run", "--only", "fast", "--for", "2.5s") == 0
    capsys.readouterr()
    assert cli("history", "--trigger", "schedule", "--json") == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert runs and runs[0]["schedule"] == "fast" and runs[0]["fired_at"]
    assert cli("history", "show", runs[0]["id"]) == 0
    assert f"fired by schedule 'fast' for {runs[0]['fired_at']}" in capsys.readouterr().out
    assert cli("schedule", "list", "--json") == 0
    last = {s["name"]: s for s in json.loads(capsys.readouterr().out)["schedules"]}["fast"]["last"]
    assert last["status"] == "done" and last["run_status"] == "success"
