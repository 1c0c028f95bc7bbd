"""Real scheduler processes sharing a PostgreSQL state store: every firing runs once;
a scheduler killed with SIGKILL mid-run, then another started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from pitstop.state import tables

PITSTOP = [sys.executable, "-m", "pitstop"]


def start(project: Path, *args: str, log: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PITSTOP_")}
    with (project / log).open("wb") as out:
        return subprocess.Popen([*PITSTOP, "schedule", "run", *args], cwd=project, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def engine(pg_url: str) -> sa.Engine:
    return sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))


def rows(pg_url: str, table: sa.Table, *where: object) -> list[dict[str, object]]:
    db = engine(pg_url)
    try:
        with db.connect() as conn:
            return [dict(r) for r in conn.execute(table.select().where(*where)).mappings()]
    finally:
        db.dispose()


def wait_until(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_two_schedulers_for_two_minutes_run_every_firing_once(project: Path,
                                                             pg_url: str) -> None:
    (project / "pitstop.toml").write_text(f"""
[state]
url = "{pg_url}"
[tasks.tick]
run = "true"
[schedules.every-second]
workflow = "tick"
cron = "* * * * * *"
overlap = "all"
""")
    a = start(project, "--for", "120s", log="a.log")
    b = start(project, "--for", "120s", log="b.log")
    assert a.wait(timeout=300) == 0, (project / "a.log").read_text()[-3000:]
    assert b.wait(timeout=300) == 0, (project / "b.log").read_text()[-3000:]
    fired = sorted(rows(pg_url, tables.firings), key=lambda f: f["fire_at"])
    seconds = [int(f["fire_at"]) for f in fired]  # type: ignore[call-overload]
    assert len(seconds) >= 100
    assert seconds == list(range(seconds[0], seconds[-1] + 1)), "a second was not fired"
    assert {f["status"] for f in fired} == {"done"}, {f["status"] for f in fired}
    assert {f["trigger"] for f in fired} == {"schedule"}
    runs = rows(pg_url, tables.runs, tables.runs.c.trigger == "schedule")
    assert len(runs) == len(fired)  # one run per firing, no firing twice
    assert {f["run_id"] for f in fired} == {r["id"] for r in runs}
    assert {r["status"] for r in runs} == {"success"}
    print(f"{len(fired)} firings; by owner:",  # the share each scheduler took, for the log
          {o: sum(f["owner"] == o for f in fired) for o in {f["owner"] for f in fired}})


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_kill_9_of_a_scheduler_mid_run_then_restart(project: Path, pg_url: str) -> None:
    first = project / "first-run-started"
    pidfile = project / "task.pid"
    (project / "pitstop.toml").write_text(f"""
[state]
url = "{pg_url}"
[tasks.work]
run = "if [ -e {first} ]; then true; else touch {first}; echo $$ > {pidfile}; sleep 120; fi"
[schedules.often]
workflow = "work"
cron = "*/2 * * * * *"
overlap = "skip"
""")
    a = start(project, log="a.log")
    try:
        wait_until(lambda: pidfile.exists() and pidfile.read_text().strip() and any(
            f["run_id"] for f in rows(pg_url, tables.firings,
                                      tables.firings.c.status == "running")), 60,
                   "the first run to start")
        killed = next(f for f in rows(pg_url, tables.firings,
                                      tables.firings.c.status == "running") if f["run_id"])
        task_pid = int(pidfile.read_text())
        os.kill(a.pid, signal.SIGKILL)
        a.wait(timeout=30)
    finally:
        if a.poll() is None:
            a.kill()
    os.kill(task_pid, 0)  # the task outlived its scheduler (its own process group)
    b = start(project, "--for", "12s", log="b.log")
    assert b.wait(timeout=120) == 0, (project / "b.log").read_text()[-3000:]
    fired = {int(f["fire_at"]): f for f in rows(pg_url, tables.firings)}  # type: ignore[call-overload]
    victim = fired[int(killed["fire_at"])]  # type: ignore[call-overload]
    assert victim["status"] == "abandoned" and "died" in str(victim["note"])
    run = rows(pg_url, tables.runs, tables.runs.c.id == killed["run_id"])[0]
    assert run["status"] == "abandoned"
    with pytest.raises(ProcessLookupError):  # stopped when the next scheduler started
        for _ in range(50):
            os.kill(task_pid, 0)
            time.sleep(0.1)
    later = [f for at, f in fired.items() if at > int(killed["fire_at"])]  # type: ignore[call-overload]
    assert any(f["status"] == "done" for f in later), later
    runs = rows(pg_url, tables.runs, tables.runs.c.trigger == "schedule")
    by_firing: dict[str, int] = {}
    for r in runs:
        import json

        key = json.loads(str(r["params"]))["fired_at"]
        by_firing[key] = by_firing.get(key, 0) + 1
    assert set(by_firing.values()) == {1}  # no firing ran twice, the killed one included
    assert "abandoned" in (project / "b.log").read_text()


def test_processes_opening_a_new_store_together_create_it_once(pg_url: str) -> None:
    """Two schedulers started at once on an empty PostgreSQL store: both open it."""
    code = ("import sys; from pitstop.state.store import StateStore; "
            "StateStore.connect(sys.argv[1]).close()")
    procs = [subprocess.Popen([sys.executable, "-c", code, pg_url], stderr=subprocess.PIPE)
             for _ in range(4)]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
