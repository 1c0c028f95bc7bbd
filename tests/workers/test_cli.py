"""``pitstop run`` and ``pitstop worker`` with a broker that is down (exit 4 naming it,
nothing recorded), bad ``[engine]`` settings (exit 3), and the local executor, which
stays the default and imports nothing of Celery."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from workers.conftest import broker_url, pitstop_env, wait_for


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pitstop(project: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pitstop", *args], cwd=project,
                          env=pitstop_env(project.parent / "home"), capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    root = tmp_path / "project"
    root.mkdir()
    return root


def _write(project: Path, engine: str) -> None:
    (project / "pitstop.toml").write_text(
        f'{engine}\n[tasks.hello]\nrun = "echo hello"\n', encoding="utf-8")


@pytest.mark.parametrize("scheme", ["amqp://guest:s3cret@127.0.0.1:{port}//",
                                    "redis://:s3cret@127.0.0.1:{port}/0"])
def test_broker_down_is_exit_4_naming_it(project: Path, scheme: str) -> None:
    url = scheme.format(port=_closed_port())
    _write(project, f'[engine]\nexecutor = "celery"\nbroker_url = "{url}"')

    run = _pitstop(project, "run", "hello")
    worker = _pitstop(project, "worker")

    for result in (run, worker):
        assert result.returncode == 4, result.stderr
        assert "cannot reach the Celery broker" in result.stderr
        assert url.replace("s3cret", "***") in result.stderr  # named, password masked
        assert "s3cret" not in result.stderr + result.stdout
        assert "Traceback" not in result.stderr
    history = _pitstop(project, "history", "--json")
    assert json.loads(history.stdout)["runs"] == []  # nothing half-recorded


@pytest.mark.parametrize(("engine", "key"), [
    ('[engine]\nexecutor = "celery"', "[engine.broker_url] required"),
    ('[engine]\nexecutor = "celery"\nbroker_url = "http://127.0.0.1/"',
     "[engine.broker_url] expected an amqp://"),
    ('[engine]\nexecutor = "threads"', "engine.executor"),
    ('[engine]\nlost_after = "1s"\nheartbeat = "2s"', "[engine.lost_after]"),
])
def test_bad_engine_settings_are_exit_3(project: Path, engine: str, key: str) -> None:
    _write(project, engine)

    result = _pitstop(project, "run", "hello")

    assert result.returncode == 3, result.stderr
    assert "pitstop.toml" in result.stderr and key in result.stderr


def test_worker_needs_a_broker(project: Path) -> None:
    _write(project, "")

    result = _pitstop(project, "worker")

    assert result.returncode == 3, result.stderr
    assert "engine.broker_url" in result.stderr


@pytest.mark.parametrize("engine", ["", '[engine]\nexecutor = "local"\n'
                                        'broker_url = "amqp://guest:guest@127.0.0.1:1//"'])
def test_local_executor_imports_nothing_of_celery(project: Path, engine: str) -> None:
    _write(project, engine)
    code = ("import sys; from pitstop.cli.main import main; code = main(['run', 'hello']); "
            "sys.stderr.write(repr(sorted(m for m in ('celery', 'kombu', 'billiard', "
            "'pitstop.workers.executor') if m in sys.modules))); sys.exit(code)")

    result = subprocess.run([sys.executable, "-c", code], cwd=project,
                            env=pitstop_env(project.parent / "home"), capture_output=True,
                            text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert "hello" in result.stderr and result.stderr.endswith("[]")


@pytest.mark.parametrize("kind", ["rabbitmq", "redis"])
def test_a_task_no_worker_takes_fails_naming_its_queue(project: Path, kind: str) -> None:
    queue = f"nobody-{uuid.uuid4().hex[:8]}"
    _write(project, f'[engine]\nexecutor = "celery"\nbroker_url = "{broker_url(kind)}"\n'
                    f'queue_timeout = "1s"\n[tasks.routed]\nrun = "echo never"\nqueue = "{queue}"')

    result = _pitstop(project, "run", "routed", "--json")

    assert result.returncode == 1, result.stderr
    (task,) = json.loads(result.stdout)["tasks"]
    assert task["status"] == "failed"
    assert task["error"] == (f"no worker took the task from queue '{queue}' within 1s (is "
                             f"`pitstop worker --queues {queue}` running?)")


def test_ctrl_c_of_a_run_waiting_for_a_worker(project: Path) -> None:
    _write(project, f'[engine]\nexecutor = "celery"\nbroker_url = "{broker_url("rabbitmq")}"\n'
                    f'queue = "nobody-{uuid.uuid4().hex[:8]}"')
    run = subprocess.Popen([sys.executable, "-m", "pitstop", "run", "hello", "--json"],
                           cwd=project, env=pitstop_env(project.parent / "home"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: list((project / ".pitstop" / "logs").glob("*/hello.log")),
                 "the attempt to be sent")
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()

    assert run.returncode == 130, err.decode()
    (task,) = json.loads(out)["tasks"]
    assert (task["status"], task["error"]) == ("interrupted", "interrupted before a worker took it")


def test_broker_url_from_the_environment(project: Path) -> None:
    url = f"amqp://guest:s3cret@127.0.0.1:{_closed_port()}//"
    _write(project, '[engine]\nexecutor = "celery"')  # no broker_url in the file
    env = {**pitstop_env(project.parent / "home"), "PITSTOP_BROKER_URL": url}

    result = subprocess.run([sys.executable, "-m", "pitstop", "run", "hello"], cwd=project,
                            env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 4, result.stderr
    assert url.replace("s3cret", "***") in result.stderr and "s3cret" not in result.stderr
