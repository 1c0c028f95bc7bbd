"""A run dispatched to two real Celery workers, on RabbitMQ and on Redis: the DAG holds,
both workers take tasks (host and pid recorded in the shared PostgreSQL store), output
lands in the run's logs, timeouts and retries behave as locally, built-in verbs run on
the workers, and Ctrl-C of the run revokes what is running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pitstop import engine, registry
from pitstop.engine.runner import RunResult
from pitstop.state.store import RunRecord, StateStore
from workers.conftest import Worker, alive, broker_url, pitstop_env, wait_for

BARRIER = """
import pathlib, sys, time
me, other = sys.argv[1], sys.argv[2]
pathlib.Path(me + '.started').touch()
deadline = time.monotonic() + 30
while not pathlib.Path(other + '.started').exists():
    if time.monotonic() > deadline:
        print(me, 'never saw', other); sys.exit(1)
    time.sleep(0.02)
print(me, 'ran beside', other)
"""

CONFIG = """
database_url = "sqlite:///app.db"

[state]
url = "{state}"

[engine]
executor = "celery"
broker_url = "{broker}"
queue = "{queue}"
heartbeat = "0.5s"
lost_after = "3s"
queue_timeout = "60s"

[tasks.first]
run = "echo first says hello"
[tasks.left]
run = [{python}, "-c", {barrier}, "left", "right"]
[tasks.right]
run = [{python}, "-c", {barrier}, "right", "left"]
[tasks.hang]
run = "echo $$ > hang.pid; sleep 60"
timeout = "1s"
[tasks.flaky]
run = "sh flaky.sh"  # fails on its first attempt
retries = 2
retry_delay = "0.1s"
[tasks.slow]
run = "echo $$ > slow.pid; echo slow started; sleep 60"
[tasks.after-slow]
run = "echo never"
[tasks.routed]
run = "echo routed"
queue = "{queue}-db"
[tasks.boom]
run = "echo boom; exit 3"
[tasks.fine]
run = "echo fine"

[workflows]
dag = ["first", ["left", "right"]]
verbs = ["check-env", "db-init", "first"]
stopped = ["slow", "after-slow"]
both = [["boom", "fine"]]
"""


class Setup:
    def __init__(self, kind: str, project: Path, workers: list[Worker]) -> None:
        self.kind = kind
        self.project = project
        self.workers = workers

    def run(self, target: str, **options: Any) -> RunResult:
        settings = registry.load_settings(self.project, env={})
        return engine.run(settings, target, registry.tasks(), environ=dict(os.environ),
                          **options)

    def record(self, run_id: str) -> RunRecord:
        settings = registry.load_settings(self.project, env={})
        with StateStore.open(settings.state.url) as store:
            record = store.get_run(run_id)
        assert record is not None
        return record


@pytest.fixture(scope="module", params=["rabbitmq", "redis"])
def setup(request: pytest.FixtureRequest, state_db: str,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    broker = broker_url(request.param)
    root = tmp_path_factory.mktemp(f"workers-{request.param}")
    (root / "home").mkdir()
    project = root / "project"
    project.mkdir()
    queue = f"pitstop-test-{uuid.uuid4().hex[:8]}"
    (project / "flaky.sh").write_text(
        "echo x >> flaky.count; n=$(wc -l < flaky.count); echo attempt $n; test $n -ge 2\n",
        encoding="utf-8")
    (project / "pitstop.toml").write_text(CONFIG.format(
        state=state_db, broker=broker, queue=queue, python=json.dumps(sys.executable),
        barrier=json.dumps(BARRIER)), encoding="utf-8")
    suffix = uuid.uuid4().hex[:6]
    workers = [Worker(project, f"one-{suffix}", f"{queue},{queue}-db"),
               Worker(project, f"two-{suffix}", queue)]
    try:
        for worker in workers:
            worker.wait_ready()
        yield Setup(request.param, project, workers)
    finally:
        for worker in workers:
            worker.stop()


def test_dag_runs_across_both_workers_in_order(setup: Setup) -> None:
    result = setup.run("dag")

    assert result.status == "success", [(t.name, t.status, t.message) for t in result.tasks]
    tasks = {t.name: t for t in result.tasks}
    on = {name: tasks[name].data["worker"] for name in ("first", "left", "right")}
    # left and right wait for each other: with one slot per worker they ran on both
    assert {on["left"]["name"], on["right"]["name"]} == {w.name for w in setup.workers}
    assert {on["left"]["worker_pid"], on["right"]["worker_pid"]} == {w.pid for w in setup.workers}
    for worker in on.values():
        assert worker["host"] == os.uname().nodename and worker["pid"] > 0
    assert tasks["first"].finished_at <= min(tasks["left"].started_at,  # type: ignore[operator]
                                             tasks["right"].started_at)
    # every attempt, with its worker, is in the shared store
    record = setup.record(result.run_id)
    stored = {r.task: r for r in record.tasks}
    assert stored["left"].data["worker"] == on["left"]
    assert stored["first"].finished_at <= stored["right"].started_at  # type: ignore[operator]
    # the output streamed back to where local logs land
    log = Path(tasks["first"].log_path or "")
    assert log.parent == setup.project / ".pitstop" / "logs" / result.run_id
    assert "first says hello" in log.read_text(encoding="utf-8")
    assert "ran beside" in Path(tasks["left"].log_path or "").read_text(encoding="utf-8")
    shown = subprocess.run([sys.executable, "-m", "pitstop", "history", "show", result.run_id],
                           cwd=setup.project, env=pitstop_env(setup.project.parent / "home"),
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    for worker in setup.workers:  # the table says where each attempt ran
        assert f"{worker.name} (pid {worker.pid})" in shown.stdout


def test_timeout_kills_the_command_on_the_worker(setup: Setup) -> None:
    (setup.project / "hang.pid").unlink(missing_ok=True)

    result = setup.run("hang")

    (task,) = result.tasks
    assert (result.exit_code, task.status) == (1, "timeout")
    assert "timed out after 1s" in task.message
    pid = int((setup.project / "hang.pid").read_text())
    wait_for(lambda: not alive(pid), f"the timed-out command (pid {pid}) to be gone", 10)


def test_retries_follow_the_task_policy(setup: Setup) -> None:
    (setup.project / "flaky.count").unlink(missing_ok=True)

    result = setup.run("flaky")

    (task,) = result.tasks
    assert (result.status, task.attempts) == ("success", 2)
    attempts = sorted(setup.record(result.run_id).tasks, key=lambda r: r.attempt)
    assert [(a.attempt, a.status) for a in attempts] == [(1, "failed"), (2, "success")]
    assert all(a.data["worker"]["name"] in {w.name for w in setup.workers} for a in attempts)
    assert "attempt 2" in Path(task.log_path or "").read_text(encoding="utf-8")


def test_builtin_verb_runs_on_a_worker_and_is_recorded(setup: Setup) -> None:
    result = setup.run("verbs")

    assert result.status == "success", [(t.name, t.status, t.message) for t in result.tasks]
    tasks = {t.name: t for t in result.tasks}
    assert tasks["check-env"].data["checks"]  # the verb result came back as data
    assert tasks["db-init"].data["worker"]["name"] in {w.name for w in setup.workers}
    assert (setup.project / "app.db").is_file()  # made by the worker, in the project
    settings = registry.load_settings(setup.project, env={})
    with StateStore.open(settings.state.url) as store:
        children = store.list_runs(limit=50, parent_id=result.run_id)
    # the verb each built-in task calls is recorded on its worker, as the run's child
    assert sorted((r.capability, r.verb, r.status, r.pid) for r in children) == [
        ("checks", "check", "success", tasks["check-env"].data["worker"]["pid"]),
        ("db", "init", "success", tasks["db-init"].data["worker"]["pid"])]


def test_ctrl_c_revokes_the_running_task(setup: Setup) -> None:
    pid_file = setup.project / "slow.pid"
    pid_file.unlink(missing_ok=True)
    run = subprocess.Popen([sys.executable, "-m", "pitstop", "run", "stopped", "--json"],
                           cwd=setup.project, env=pitstop_env(setup.project.parent / "home"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        pid = int(wait_for(lambda: pid_file.is_file() and pid_file.read_text().strip(),
                           "the slow task to start on a worker"))
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()

    assert run.returncode == 130, err.decode()
    report = json.loads(out)
    assert [(t["name"], t["status"]) for t in report["tasks"]] == [
        ("slow", "interrupted"), ("after-slow", "skipped")]
    wait_for(lambda: not alive(pid), f"the revoked command (pid {pid}) to be gone", 15)
    record = setup.record(report["id"])
    assert (record.status, [(t.task, t.status) for t in record.tasks if t.task == "slow"]) == (
        "interrupted", [("slow", "interrupted")])
    assert all(w.proc.poll() is None for w in setup.workers)  # the workers carry on


def test_a_task_naming_a_queue_goes_to_the_workers_of_that_queue(setup: Setup) -> None:
    for _ in range(3):
        result = setup.run("routed")

        (task,) = result.tasks
        assert task.status == "success"
        assert task.data["worker"]["name"] == setup.workers[0].name  # the only one on -db


@pytest.mark.parametrize(("keep_going", "fine"), [(False, "skipped"), (True, "success")])
def test_keep_going_as_locally(setup: Setup, keep_going: bool, fine: str) -> None:
    result = setup.run("both", jobs=1, keep_going=keep_going)

    assert (result.status, result.exit_code) == ("failed", 1)
    tasks = {t.name: t for t in result.tasks}
    assert (tasks["boom"].status, tasks["boom"].command_exit_code) == ("failed", 3)
    assert tasks["fine"].status == fine
