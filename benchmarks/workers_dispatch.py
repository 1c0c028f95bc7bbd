"""Dispatch overhead through Celery: 50 `true` tasks, one after another, run locally and
on one `pitstop worker` (RabbitMQ, then Redis, on loopback).

Target (issue 22): the median extra time per trivial task through Celery < 20 ms.
The per-task time is the task's own duration as the run records it (send, a worker
takes it, runs `true`, reports back), so interpreter start-up is not counted.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BROKERS = {"rabbitmq": ("amqp://guest:guest@127.0.0.1:5672//", 5672),
           "redis": ("redis://127.0.0.1:6379/12", 6379)}
TASKS = 50
ROUNDS = 5


def _up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _per_task(project: Path) -> list[float]:
    from pitstop import engine, registry

    settings = registry.load_settings(project, env={})
    result = engine.run(settings, "fifty", registry.tasks(), jobs=1, environ=dict(os.environ))
    assert result.status == "success", result.error
    return [t.duration_seconds or 0.0 for t in result.tasks]


def _rounds(project: Path) -> list[float]:
    """Per-task times of ROUNDS runs (a shared machine is noisy)."""
    return [t for _ in range(ROUNDS) for t in _per_task(project)]


def _write(project: Path, engine: str) -> None:
    tasks = "".join(f'[tasks.t{i}]\nrun = "true"\n' for i in range(TASKS))
    steps = ", ".join(f'"t{i}"' for i in range(TASKS))
    (project / "pitstop.toml").write_text(f"{engine}\n{tasks}[workflows]\nfifty = [{steps}]\n")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        _write(project, "")
        _per_task(project)  # warm up
        local = statistics.median(_rounds(project))
        print(f"{TASKS} x `true`, one after another, {ROUNDS} runs (median per task):")
        print(f"  local executor                     {local * 1000:7.1f} ms")
        for name, (url, port) in BROKERS.items():
            if not _up(port):
                print(f"  {name}: not running on 127.0.0.1:{port}, skipped")
                continue
            queue = f"bench-{uuid.uuid4().hex[:8]}"
            _write(project, f'[engine]\nexecutor = "celery"\nbroker_url = "{url}"\n'
                            f'queue = "{queue}"\n')
            log = (project / f"{name}.log").open("wb")
            worker = subprocess.Popen([sys.executable, "-m", "pitstop", "worker", "-c", "1"],
                                      cwd=project, stdout=log, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 60
                while b" ready." not in (project / f"{name}.log").read_bytes():
                    if time.monotonic() > deadline or worker.poll() is not None:
                        raise SystemExit(f"the {name} worker did not start")
                    time.sleep(0.1)
                _per_task(project)  # warm up: the pool process imports what it needs
                remote = statistics.median(_rounds(project))
            finally:
                worker.send_signal(signal.SIGTERM)
                worker.wait(60)
                log.close()
            extra = remote - local
            print(f"  celery, {name:<9} {remote * 1000:7.1f} ms  (+{extra * 1000:.1f} ms; "
                  f"target < 20 ms: {'met' if extra < 0.020 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
