"""Errors of the Celery executor and workers."""

from __future__ import annotations

from pitstop.errors import ConnectError
from pitstop.redact import mask_url


class BrokerError(ConnectError):
    """The Celery broker cannot be reached (exit 4)."""

    @classmethod
    def unreachable(cls, url: str, exc: BaseException) -> BrokerError:
        reason = str(exc) or type(exc).__name__
        return cls(f"cannot reach the Celery broker {mask_url(url)}: {reason}",
                   hint="is RabbitMQ/Redis running there? check [engine] broker_url")
