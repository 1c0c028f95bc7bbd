"""Connecting to a database server through :mod:`pitstop.db.url` (driver checks,
timeouts, error translation that names the host), returning the raw driver
connection in autocommit mode."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable

from pitstop.db.connect import raw_connect, read_connect
from pitstop.errors import ConnectError

__all__ = ["application_name", "poll", "raw_connect", "read_connect", "url_user", "where"]


def application_name() -> str:
    return f"pitstop-migrate pid {os.getpid()} on {socket.gethostname()}"[:63]


def url_user(url: str) -> str:
    from pitstop.db.url import parse_url

    db = parse_url(url)
    return f"{db.username or '?'}@{socket.gethostname()}"


def where(url: str) -> str:
    """``host:port/database`` for messages (never the password)."""
    from pitstop.db.url import parse_url

    db = parse_url(url)
    return f"{db.host}/{db.database or ''}"


def poll(try_once: Callable[[], bool], timeout: float, on_timeout: Callable[[], str],
         where: str) -> None:
    """Call ``try_once`` until it returns True or ``timeout`` passes, then raise."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while not try_once():
        if time.monotonic() >= deadline:
            raise ConnectError(
                f"{where}: another migration runner holds the lock ({on_timeout()}); "
                f"gave up after {timeout:g}s",
                hint="wait for it to finish or raise --lock-timeout",
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.25)
