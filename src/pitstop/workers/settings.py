"""``[engine]``: where workflow tasks run — here (the default) or on Celery workers."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Literal

from pitstop.config_types import Duration

if TYPE_CHECKING:
    from pitstop.config import Settings
    from pitstop.engine.executors import Executor

_SCHEMES = ("amqp://", "amqps://", "pyamqp://", "redis://", "rediss://")


@dataclasses.dataclass(frozen=True)
class EngineSettings:
    """The ``[engine]`` table."""

    executor: Literal["local", "celery"] = "local"
    """``local`` runs every task attempt in the ``pitstop run`` process; ``celery``
    sends each to the ``pitstop worker`` processes through ``broker_url``."""
    broker_url: str = ""
    """The Celery broker: RabbitMQ (``amqp://user:password@host:5672/vhost``) or Redis
    (``redis://host:6379/0``); required with ``executor = "celery"``."""
    result_backend: str = ""
    """Where workers store each attempt's result (for Flower, ``celery result``):
    default the Redis broker itself, or ``rpc://`` with RabbitMQ."""
    queue: str = "pitstop"
    """The queue of tasks that name none (``[tasks.NAME] queue`` picks another); the
    queue ``pitstop worker`` consumes when given no ``--queues``."""
    heartbeat: Duration = 1.0
    """How often a worker tells the run it is still working on an attempt."""
    lost_after: Duration = 10.0
    """An attempt whose worker has been silent this long is failed as lost (and retried
    per the task's ``retries``)."""
    queue_timeout: Duration = 300.0
    """An attempt no worker has taken from its queue after this long fails (is any
    worker consuming that queue?)."""
    jobs: int = 16
    """How many tasks a run keeps on the workers at once when ``--jobs`` is not given."""

    def __post_init__(self) -> None:
        if self.executor == "celery":
            if not self.broker_url:
                raise ValueError("broker_url: required with executor = \"celery\", such as "
                                 "'amqp://127.0.0.1:5672//' or "
                                 "'redis://127.0.0.1:6379/0'")
            if not self.broker_url.startswith(_SCHEMES):
                raise ValueError("broker_url: expected an amqp:// (RabbitMQ) or redis:// URL")
        for name in ("heartbeat", "lost_after", "queue_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name}: expected a duration above zero such as '10s'")
        if self.lost_after <= self.heartbeat:
            raise ValueError("lost_after: expected a duration longer than heartbeat")
        if self.jobs < 1:
            raise ValueError("jobs: expected a number of tasks >= 1")
        if not self.queue.strip():
            raise ValueError("queue: expected a queue name")

    @property
    def backend_url(self) -> str:
        if self.result_backend:
            return self.result_backend
        return self.broker_url if self.broker_url.startswith(("redis", "rediss")) else "rpc://"

    def make_executor(self, settings: Settings) -> Executor | None:
        """The executor :func:`pitstop.engine.executors.executor_for` uses: ``None`` for
        the local one (Celery is imported only for ``executor = "celery"``)."""
        if self.executor != "celery":
            return None
        from pitstop.workers.executor import CeleryExecutor

        return CeleryExecutor(settings, self)
