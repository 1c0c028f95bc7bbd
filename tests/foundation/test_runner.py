"""Real subprocess workflows through the engine."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from pitstop import engine
from pitstop.config import Settings
from pitstop.engine.runner import Event
from pitstop.registry import load_settings, tasks
from pitstop.state.store import StateStore
from procutil import gone


def make(project: Path, text: str, **overrides: str) -> Settings:
    (project / "pitstop.toml").write_text(text, encoding="utf-8")
    return load_settings(project, env={}, overrides=overrides)


def run(settings: Settings, target: str, **kwargs: object):  # type: ignore[no-untyped-def]
    events: list[Event] = []
    result = engine.run(settings, target, tasks(), environ=dict(os.environ), on_event=events.append,
                        **kwargs)  # type: ignore[arg-type]
    return result, events


def test_success_is_recorded_with_logs(project: Path) -> None:
    s = make(project, """
[tasks.hello]
run = "echo hello $WHO; echo to-stderr >&2"
env = { WHO = "world" }
[tasks.argv]
run = ["python3", "-c", "import os; print(os.environ['PITSTOP_TASK'])"]
[workflows]
w = ["hello", "argv"]
""")
    result, events = run(s, "w")
    assert result.status == "success" and result.exit_code == 0
    assert [t.name for t in result.tasks] == ["hello", "argv"]
    lines = [e.line for e in events if e.kind == "output"]
    assert "hello world" in lines and "to-stderr" in lines and "argv" in lines
    log = Path(result.tasks[0].log_path or "")
    assert log.parent == project / ".pitstop" / "logs" / result.run_id
    assert "hello world" in log.read_text()
    with StateStore.open(s.state.url) as store:
        stored = store.get_run(result.run_id)
    assert stored is not None and stored.status == "success" and stored.exit_code == 0
    assert {t.task for t in stored.tasks} == {"hello", "argv"}


def test_failure_skips_dependents_and_stops(project: Path) -> None:
    s = make(project, """
[tasks.bad]
run = "exit 7"
[tasks.slow]
run = "sleep 0.3"
[tasks.after]
run = "true"
needs = ["bad"]
[tasks.independent]
run = "true"
needs = ["slow"]
[workflows]
w = [["bad", "slow"], "after"]
plain = [["bad", "slow"]]
""")
    result, _ = run(s, "w")
    by = {t.name: t for t in result.tasks}
    assert result.status == "failed" and result.exit_code == 1
    assert by["bad"].status == "failed" and by["bad"].command_exit_code == 7
    assert by["slow"].status == "success"  # running tasks finish
    assert by["after"].status == "skipped" and by["after"].message == "dependency failed"


def test_keep_going_runs_independent_tasks(project: Path) -> None:
    s = make(project, """
[tasks.bad]
run = "exit 1"
[tasks.a]
run = "true"
[tasks.b]
run = "true"
needs = ["a"]
[tasks.c]
run = "true"
needs = ["bad"]
[workflows]
w = ["bad", "a", "b"]
""")
    stopped, _ = run(s, "w", jobs=1)
    assert {t.name: t.status for t in stopped.tasks}["a"] == "skipped"
    s2 = make(project, """
[tasks.bad]
run = "exit 1"
[tasks.a]
run = "true"
[tasks.c]
run = "true"
needs = ["bad"]
[workflows]
w = [["bad", "a", "c"]]
""")
    going, _ = run(s2, "w", jobs=1, keep_going=True)
    statuses = {t.name: t.status for t in going.tasks}
    assert statuses == {"bad": "failed", "a": "success", "c": "skipped"}
    assert going.exit_code == 1


def test_timeout_kills_the_whole_process_group(project: Path) -> None:
    pidfile = project / "child.pid"
    s = make(project, f"""
[tasks.hang]
run = "sleep 30 & echo $! > {pidfile}; wait"
timeout = "0.5s"
""")
    started = time.monotonic()
    result, _ = run(s, "hang")
    assert time.monotonic() - started < 10
    task = result.tasks[0]
    assert task.status == "timeout" and result.exit_code == 1
    child = int(pidfile.read_text())
    assert gone(child)


def test_retries_with_backoff_and_retry_on(project: Path) -> None:
    counter = project / "count"
    s = make(project, f"""
[tasks.flaky]
run = "n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; [ $n -ge 3 ]"
retries = 3
retry_delay = "0.05s"
[tasks.picky]
run = "exit 4"
retries = 3
retry_on = [75]
retry_delay = "0.05s"
""")
    result, events = run(s, "flaky")
    assert result.status == "success" and result.tasks[0].attempts == 3
    assert sum(1 for e in events if e.kind == "task-retry") == 2
    picky, _ = run(s, "picky")
    assert picky.tasks[0].attempts == 1 and picky.tasks[0].command_exit_code == 4
    with StateStore.open(s.state.url) as store:
        stored = store.get_run(result.run_id)
    assert stored is not None and [t.attempt for t in stored.tasks] == [1, 2, 3]


def test_command_not_found_is_exit_2(project: Path) -> None:
    s = make(project, """
[tasks.shell]
run = "definitely-not-a-command-xyz"
[tasks.argv]
run = ["definitely-not-a-command-xyz"]
""")
    for target in ("shell", "argv"):
        result, _ = run(s, target)
        assert result.exit_code == 2, target
        assert "not found" in result.tasks[0].message


def test_parallel_steps_overlap_and_jobs_bound_them(project: Path) -> None:
    s = make(project, """
[tasks.a]
run = "sleep 1"
[tasks.b]
run = "sleep 1"
[workflows]
both = [["a", "b"]]
""")
    started = time.monotonic()
    result, _ = run(s, "both", jobs=2)
    parallel = time.monotonic() - started
    assert result.status == "success" and parallel < 1.9
    started = time.monotonic()
    run(s, "both", jobs=1)
    assert time.monotonic() - started >= 2.0


def test_builtin_task_runs_in_process(project: Path) -> None:
    s = make(project, "[workflows]\nsetup = ['db-init']\n")
    result, events = run(s, "setup")
    assert result.status == "success"
    assert (project / ".pitstop" / "app.db").exists()
    assert any("created" in (e.line or "") for e in events if e.kind == "output")
    again, _ = run(s, "setup")
    assert again.tasks[0].data["created"] is False


def test_metrics_textfile(project: Path) -> None:
    prom = project / "out" / "pitstop.prom"
    s = make(project, f"""
[metrics]
textfile = "{prom}"
[tasks.ok]
run = "true"
[tasks.bad]
run = "exit 3"
""")
    run(s, "ok")
    run(s, "bad")
    text = prom.read_text()
    assert 'pitstop_task_last_success_timestamp_seconds{task="ok"}' in text
    assert 'pitstop_task_last_exit_code{task="bad"} 1.0' in text
    assert 'pitstop_task_runs_total{status="failed",task="bad"} 1.0' in text
    assert 'pitstop_task_last_duration_seconds{task="ok"}' in text
    assert "pitstop_build_info{" in text
    assert not list(prom.parent.glob("*.tmp*"))
    from prometheus_client.parser import text_string_to_metric_families

    import pitstop

    samples = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
               for family in text_string_to_metric_families(text) for sample in family.samples}
    ok, bad = (("task", "ok"),), (("task", "bad"),)
    assert abs(samples[("pitstop_task_last_success_timestamp_seconds", ok)] - time.time()) < 60
    assert ("pitstop_task_last_success_timestamp_seconds", bad) not in samples  # never succeeded
    assert samples[("pitstop_task_last_exit_code", ok)] == 0
    assert samples[("pitstop_task_last_exit_code", bad)] == 1
    assert 0 < samples[("pitstop_task_last_duration_seconds", ok)] < 10
    assert samples[("pitstop_task_runs_total", (("status", "success"), ("task", "ok")))] == 1
    build = [labels for (name, labels) in samples if name == "pitstop_build_info"]
    assert build and ("version", pitstop.__version__) in build[0]
    run(s, "ok")  # rendered from the state store: counts add up across runs
    text = prom.read_text()
    assert 'pitstop_task_runs_total{status="success",task="ok"} 2.0' in text
    assert 'pitstop_task_runs_total{status="failed",task="bad"} 1.0' in text


def test_retention_keeps_newest_runs_and_deletes_logs(project: Path) -> None:
    s = make(project, "[state]\nkeep_runs = 2\n[tasks.ok]\nrun = 'true'\n")
    ids = [run(s, "ok")[0].run_id for _ in range(4)]
    with StateStore.open(s.state.url) as store:
        kept = [r.id for r in store.list_runs(limit=10)]
    assert kept == ids[:-3:-1]
    assert not (project / ".pitstop" / "logs" / ids[0]).exists()


def test_state_store_on_postgresql(project: Path, pg_url: str) -> None:
    s = make(project, "[tasks.ok]\nrun = 'echo pg'\n", **{"state.url": pg_url})
    result, _ = run(s, "ok")
    with StateStore.open(pg_url) as store:
        stored = store.get_run(result.run_id)
        assert stored is not None and stored.status == "success"
        assert store.task_stats()["ok"]["counts"] == {"success": 1}


def test_params_never_store_secrets(project: Path) -> None:
    s = make(project, "[tasks.ok]\nrun = 'echo postgresql://u:hunter22@h/db'\n")
    result, _ = run(s, "ok")
    log = Path(result.tasks[0].log_path or "").read_text()
    assert "hunter22" not in log and "u:***@h" in log
    with StateStore.open(s.state.url) as store:
        stored = store.get_run(result.run_id)
    assert stored is not None and "hunter22" not in json.dumps(stored.params)


def test_pushgateway_receives_metrics_and_failures_only_warn(project: Path) -> None:
    import http.server
    import threading

    received: list[tuple[str, bytes]] = []

    class Gateway(http.server.BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            received.append((self.path, self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        s = make(project, f"[metrics]\npushgateway = 'http://127.0.0.1:{port}'\njob = 'deploy'\n"
                          "[tasks.ok]\nrun = 'true'\n")
        result, _ = run(s, "ok")
        assert result.status == "success" and not result.warnings
        assert received and received[0][0] == "/metrics/job/deploy"
        assert b'pitstop_task_last_exit_code{task="ok"} 0.0' in received[0][1]
    finally:
        server.shutdown()
        server.server_close()
    dead = make(project, "[metrics]\npushgateway = 'http://127.0.0.1:1'\n[tasks.ok]\nrun = 'true'\n")
    result, _ = run(dead, "ok")
    assert result.exit_code == 0 and "cannot push metrics" in result.warnings[0]


def test_sweep_sees_through_a_reused_pid(project: Path) -> None:
    import subprocess

    from pitstop.state import schema

    s = make(project, "")
    newcomer = subprocess.Popen(["sleep", "30"])  # a live process that started just now
    try:
        with StateStore.open(s.state.url) as store:
            old = store.start_run("old")  # its process is long gone; the pid went to another
            ours = store.start_run("ours")  # this process: alive and older than its run
            with store._write() as conn:
                conn.execute(schema.runs.update().where(schema.runs.c.id == old)
                             .values(pid=newcomer.pid, started_at=time.time() - 3600))
            assert store.sweep_abandoned() == [old]
            assert (store.get_run(old) or _never()).status == "abandoned"
            assert (store.get_run(ours) or _never()).status == "running"
    finally:
        newcomer.kill()
        newcomer.wait()


def _never():  # type: ignore[no-untyped-def]
    raise AssertionError("run not found")


def test_state_store_is_created_on_first_use_and_versioned(project: Path) -> None:
    import sqlite3

    import pytest

    from pitstop.cli.main import main
    from pitstop.errors import ConfigError
    from pitstop.state import schema

    s = make(project, "")
    db = project / ".pitstop" / "state.db"
    assert not db.exists()
    with StateStore.open(s.state.url):
        pass
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"pitstop_runs", "pitstop_task_runs", "pitstop_health_checks",
                "pitstop_meta"} <= tables
        assert conn.execute("SELECT value FROM pitstop_meta WHERE key='schema_version'"
                            ).fetchone() == (str(schema.SCHEMA_VERSION),)
        conn.execute("UPDATE pitstop_meta SET value='99' WHERE key='schema_version'")
    with pytest.raises(ConfigError, match="schema version 99, newer than this pitstop"):
        StateStore.connect(s.state.url)
    assert main(["history"]) == 3  # refused, not corrupted


def test_attempts_in_flight_are_recorded_and_not_counted(project: Path) -> None:
    import threading

    marker = project / "started"
    s = make(project, f"[tasks.slow]\nrun = 'touch {marker}; sleep 1'\n[metrics]\n"
                      f"textfile = '{project / 'm.prom'}'\n")
    box: dict[str, object] = {}
    worker = threading.Thread(target=lambda: box.update(result=run(s, "slow")[0]))
    worker.start()
    deadline = time.monotonic() + 10
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    with StateStore.open(s.state.url) as store:
        live = store.list_runs(limit=1)[0]
        assert live.status == "running"
        assert [(t.task, t.status) for t in live.tasks] == [("slow", "running")]
        assert "slow" not in store.task_stats()  # a running attempt is not a finished run
    worker.join(30)
    with StateStore.open(s.state.url) as store:
        done = store.list_runs(limit=1)[0]
    assert [(t.task, t.status, t.attempt) for t in done.tasks] == [("slow", "success", 1)]
    assert 'pitstop_task_runs_total{status="success",task="slow"} 1.0' in (
        project / "m.prom").read_text()
