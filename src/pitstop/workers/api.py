"""The ``workers`` verbs: run a Celery worker that executes pitstop task attempts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pitstop.capability import Progress, Result
from pitstop.errors import ConfigError

if TYPE_CHECKING:
    from pitstop.config import Settings


@dataclasses.dataclass(frozen=True)
class WorkerResult(Result):
    """How a ``pitstop worker`` ended."""

    name: str
    queues: tuple[str, ...]
    concurrency: int
    broker: str
    started_at: dt.datetime
    finished_at: dt.datetime
    worker_exit_code: int

    @property
    def exit_code(self) -> int:
        return self.worker_exit_code


def run_worker(settings: Settings, *, progress: Progress | None = None,
               queues: Sequence[str] = (), concurrency: int | None = None,
               name: str | None = None, loglevel: str = "INFO") -> WorkerResult:
    """Run a Celery worker for this project until it is stopped (SIGTERM or Ctrl-C:
    the attempts it runs finish first; a second Ctrl-C stops them).

    It consumes ``queues`` (default ``[engine] queue``) and runs ``concurrency``
    attempts at once (default the number of CPUs), each in a pool process, with this
    project's settings.  A broker that is down raises
    :class:`~pitstop.workers.errors.BrokerError` (exit 4)."""
    from pitstop.redact import mask_url
    from pitstop.workers.app import check_broker, make_app
    from pitstop.workers.executor import load_celery
    from pitstop.workers.settings import EngineSettings
    from pitstop.workers.worker import adopt_orphans, stop_orphans, use_settings

    engine = settings.section(EngineSettings)
    if not engine.broker_url:
        raise ConfigError("no broker to take tasks from", file=settings.config_file,
                          key="engine.broker_url",
                          hint="set broker_url = 'amqp://127.0.0.1:5672//' "
                               "(RabbitMQ) or 'redis://127.0.0.1:6379/0' under [engine]")
    chosen = tuple(q.strip() for item in queues for q in item.split(",") if q.strip()) \
        or (engine.queue,)
    count = concurrency or os.cpu_count() or 1
    load_celery()
    from celery.utils.nodenames import default_nodename, host_format

    # %h, %n and %d in a name are the host, its short name and its domain, as in Celery
    node = str(host_format(default_nodename(name or f"pitstop-{os.getpid()}@{socket.gethostname()}")))
    app = make_app(engine)
    check_broker(app, engine.broker_url)
    use_settings(settings)
    stop = threading.Event()
    if adopt_orphans():  # a command whose pool process is killed is stopped, not left
        threading.Thread(target=stop_orphans, args=(stop,), name="pitstop-orphans",
                         daemon=True).start()
    started = dt.datetime.now(dt.UTC)
    worker = app.Worker(hostname=node, pool_cls="prefork", concurrency=count,
                        queues=list(chosen), loglevel=loglevel, without_gossip=True,
                        without_mingle=True, without_heartbeat=True, optimization="fair",
                        quiet=True)
    try:
        worker.start()
    finally:
        stop.set()
    return WorkerResult(node, chosen, count, mask_url(engine.broker_url), started,
                        dt.datetime.now(dt.UTC), int(getattr(worker, "exitcode", 0) or 0))
