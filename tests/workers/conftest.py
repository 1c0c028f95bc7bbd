"""Real Celery workers (``pitstop worker`` subprocesses) on the real RabbitMQ and Redis of
127.0.0.1, each module with queues of its own; skipped with a reason when a broker is
down, failing under ``PITSTOP_REQUIRE_SERVICES=1``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import fresh_pg_database, require_server

BROKERS = {
    "rabbitmq": ("RabbitMQ", 5672, "amqp://guest:guest@127.0.0.1:5672//"),
    "redis": ("Redis", 6379, "redis://127.0.0.1:6379/13"),
}
READY_SECONDS = 60.0


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Poll ``predicate`` until it returns something true, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(delay)  # polling an outside process: back off up to 0.2 s
        delay = min(delay * 2, 0.2)


def broker_url(kind: str) -> str:
    name, port, url = BROKERS[kind]
    require_server(name, "127.0.0.1", port)
    return url


def pitstop_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PITSTOP_", "DATABASE_URL", "REDIS_URL"))
           or k == "PITSTOP_REQUIRE_SERVICES"}
    env.update(HOME=str(home), NO_COLOR="1", PYTHONUNBUFFERED="1")
    return env


class Worker:
    """One ``pitstop worker`` subprocess; its output goes to a file."""

    def __init__(self, project: Path, name: str, queues: str, concurrency: int = 1) -> None:
        self.name = f"{name}@{os.uname().nodename}"
        self.log = project / f"{name}.worker.log"
        self._handle = self.log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pitstop", "worker", "-Q", queues, "-c", str(concurrency),
             "-n", self.name], cwd=project, env=pitstop_env(project.parent / "home"),
            stdin=subprocess.DEVNULL, stdout=self._handle, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self) -> Worker:
        def ready() -> bool:
            if self.proc.poll() is not None:
                pytest.fail(f"worker {self.name} exited {self.proc.returncode}:\n{self.output()}")
            return " ready." in self.output()

        wait_for(ready, f"worker {self.name} to be ready", READY_SECONDS)
        return self

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._handle.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (not reaped yet by whoever started it) is gone too
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def state_db() -> Iterator[str]:
    """A PostgreSQL state store the run and its workers share (the team setup)."""
    with fresh_pg_database("pitstop_w") as url:
        yield url
