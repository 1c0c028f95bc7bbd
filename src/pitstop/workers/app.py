"""The Celery application pitstop's runs and workers share, and the shape of the
messages between them.

One Celery task, ``pitstop.attempt``, carries one attempt of one workflow task (a
command or a built-in verb).  Its output does not wait for the result: the worker
publishes it, as it comes, to the reply queue the payload names (one per thread of the
run, on the ``pitstop.reply`` exchange), with a heartbeat while the attempt runs and
the outcome at the end; each message carries the attempt's ``id``::

    {"t": "started", "worker": {"name", "host", "pid", "worker_pid"}}
    {"t": "lines", "lines": [...]}          # output, batched
    {"t": "beat"}                           # still working
    {"t": "finished", "result": {...}}      # status, exit_code, command_exit_code,
                                            # message, data
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celery import Celery
    from kombu.entity import Exchange

    from pitstop.workers.settings import EngineSettings

TASK_NAME = "pitstop.attempt"
REPLY_EXCHANGE = "pitstop.reply"
CONNECT_TIMEOUT = 4.0

_apps: dict[tuple[str, str, str], Celery] = {}
_lock = threading.Lock()


def reply_exchange() -> Exchange:
    from kombu.entity import Exchange

    return Exchange(REPLY_EXCHANGE, type="direct", durable=False,  # type: ignore[no-untyped-call]
                    auto_delete=False)


def make_app(engine: EngineSettings) -> Celery:
    """The Celery application for ``engine``'s broker (one per process and broker)."""
    key = (engine.broker_url, engine.backend_url, engine.queue)
    with _lock:
        app = _apps.get(key)
        if app is None:
            app = _apps[key] = _new_app(engine)
        return app


def _new_app(engine: EngineSettings) -> Celery:
    from celery import Celery

    app = Celery("pitstop", broker=engine.broker_url, backend=engine.backend_url,
                 set_as_current=False)
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],
        task_default_queue=engine.queue,
        # the run owns retries: a message is acknowledged when a worker starts it, so a
        # worker lost mid-task is never redelivered behind the run's back (the run sees
        # it lost and retries per the task's `retries`)
        task_acks_late=False,
        worker_prefetch_multiplier=1,
        # Redis: a busy worker takes no task it cannot start at once (RabbitMQ has no
        # such switch: there a busy worker may hold one more per pool process)
        worker_disable_prefetch=engine.broker_url.startswith(("redis", "rediss")),
        result_expires=86400,
        broker_connection_timeout=CONNECT_TIMEOUT,
        broker_connection_retry_on_startup=False,
        broker_connection_max_retries=3,
        broker_transport_options={"visibility_timeout": max(3600.0, engine.queue_timeout)},
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_send_task_events=False,
        task_send_sent_event=False,
        broker_heartbeat=0 if engine.broker_url.startswith("redis") else 10,
    )
    from pitstop.workers.worker import execute

    app.task(name=TASK_NAME, bind=True, ignore_result=False, acks_late=False)(execute)
    return app


def check_broker(app: Celery, url: str) -> None:
    """Connect to the broker once; a broker that is down raises :class:`BrokerError`."""
    from pitstop.workers.errors import BrokerError

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0.2, interval_step=0.2,
                                   timeout=CONNECT_TIMEOUT)
    except Exception as exc:  # kombu, amqp and redis raise many kinds
        raise BrokerError.unreachable(url, exc) from exc


def identity(hostname: str | None) -> dict[str, Any]:
    """Who runs an attempt: the Celery node name, the host, the pool process and the
    worker's main process."""
    import os
    import socket

    return {"name": hostname or "", "host": socket.gethostname(), "pid": os.getpid(),
            "worker_pid": os.getppid()}
