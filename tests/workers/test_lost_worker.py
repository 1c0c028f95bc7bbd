"""A worker killed with ``kill -9`` in the middle of a task: the attempt is failed naming
the lost worker and retried per the task's policy on another worker — never reported
successful, its command never left running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pitstop import registry
from pitstop.state.store import StateStore
from workers.conftest import Worker, alive, broker_url, pitstop_env, wait_for

CONFIG = """
[engine]
executor = "celery"
broker_url = "{broker}"
queue = "{queue}"
heartbeat = "0.5s"
lost_after = "5s"
queue_timeout = "60s"

[tasks.victim]
run = "echo $$ >> victim.pids; n=$(wc -l < victim.pids); echo attempt $n; test $n -ge 2 || sleep 60"
retries = 1
retry_delay = "0.1s"

[tasks.once]
run = "echo $$ >> once.pids; sleep 60"
"""


@pytest.fixture(params=["rabbitmq", "redis"])
def project(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    broker = broker_url(request.param)
    (tmp_path / "home").mkdir()
    root = tmp_path / "project"
    root.mkdir()
    (root / "pitstop.toml").write_text(CONFIG.format(
        broker=broker, queue=f"pitstop-lost-{uuid.uuid4().hex[:8]}"), encoding="utf-8")
    yield root


def _start_run(project: Path, target: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "pitstop", "run", target, "--json"],
                            cwd=project, env=pitstop_env(project.parent / "home"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _first_pid(path: Path) -> int:
    return int(wait_for(lambda: path.is_file() and path.read_text().split()[:1],
                        f"a pid in {path.name}")[0])


def _attempts(project: Path, run_id: str) -> list[tuple[int, str, str | None, dict]]:
    settings = registry.load_settings(project, env={})
    with StateStore.open(settings.state.url) as store:
        record = store.get_run(run_id)
    assert record is not None
    return sorted((t.attempt, t.status, t.error, t.data.get("worker", {}))
                  for t in record.tasks)


def test_killed_worker_is_reported_lost_and_the_task_retried(project: Path) -> None:
    queue = project.joinpath("pitstop.toml").read_text().split('queue = "')[1].split('"')[0]
    doomed = Worker(project, f"doomed-{uuid.uuid4().hex[:6]}", queue).wait_ready()
    spare: Worker | None = None
    run = _start_run(project, "victim")
    try:
        pid = _first_pid(project / "victim.pids")
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.proc.wait()
        spare = Worker(project, f"spare-{uuid.uuid4().hex[:6]}", queue).wait_ready()
        out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        doomed.stop()
        if spare is not None:
            spare.stop()

    assert run.returncode == 0, err.decode()
    report = json.loads(out)
    (task,) = report["tasks"]
    assert (task["status"], task["attempts"]) == ("success", 2)
    first, second = _attempts(project, report["id"])
    assert first[:2] == (1, "failed")
    assert f"worker {doomed.name} (pid {doomed.pid}" in (first[2] or "")
    assert "lost mid-task" in (first[2] or "")
    assert (first[3]["name"], first[3]["worker_pid"]) == (doomed.name, doomed.pid)
    assert second[:2] == (2, "success") and second[3]["name"] == spare.name  # type: ignore[union-attr]
    wait_for(lambda: not alive(pid), f"the lost attempt's command (pid {pid}) to be gone", 15)


def test_killed_worker_without_retries_fails_the_run_naming_it(project: Path) -> None:
    queue = project.joinpath("pitstop.toml").read_text().split('queue = "')[1].split('"')[0]
    doomed = Worker(project, f"doomed-{uuid.uuid4().hex[:6]}", queue).wait_ready()
    run = _start_run(project, "once")
    try:
        pid = _first_pid(project / "once.pids")
        os.kill(doomed.pid, signal.SIGKILL)
        out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        doomed.stop()

    assert run.returncode == 1, err.decode()
    report = json.loads(out)
    assert report["status"] == "failed"
    assert f"once: worker {doomed.name} (pid {doomed.pid}" in report["error"]
    assert [(a[0], a[1]) for a in _attempts(project, report["id"])] == [(1, "failed")]
    wait_for(lambda: not alive(pid), f"the lost attempt's command (pid {pid}) to be gone", 15)


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
        return int(handle.read().rsplit(")", 1)[1].split()[1])


def test_killed_pool_process_is_reported_lost_and_its_command_stopped(project: Path) -> None:
    queue = project.joinpath("pitstop.toml").read_text().split('queue = "')[1].split('"')[0]
    worker = Worker(project, f"pool-{uuid.uuid4().hex[:6]}", queue).wait_ready()
    run = _start_run(project, "once")
    try:
        pid = _first_pid(project / "once.pids")
        pool = _parent(pid)
        assert pool != worker.pid and _parent(pool) == worker.pid
        os.kill(pool, signal.SIGKILL)
        out, err = run.communicate(timeout=120)
        # the worker stops the command its pool process left, and carries on
        wait_for(lambda: not alive(pid), f"the orphaned command (pid {pid}) to be gone", 15)
        assert worker.proc.poll() is None
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        worker.stop()

    assert run.returncode == 1, err.decode()
    error = json.loads(out)["error"]
    assert f"once: worker {worker.name} (pid {worker.pid}" in error
    assert f"was lost mid-task (its pool process {pool} silent for 5s)" in error
