"""Named locks held against other pitstop processes working on the same database.

Each dialect holds a lock its own way (:mod:`pitstop.db.dialects`): a session
advisory lock (PostgreSQL), ``GET_LOCK`` (MySQL/MariaDB), an ``flock`` on a file next
to the database (SQLite: one per database file, whatever the name).  All of them are
released when the holder's connection or process ends, so a killed runner never leaves
one behind, and a runner that waits too long gets a :class:`LockTimeout` naming the
holder.

The migration engine and ``backup restore`` hold the same lock,
:func:`migration_lock_name`: one restore at a time, and no migration while it runs.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from pitstop.db.url import DatabaseURL, parse_url
from pitstop.errors import ConnectError

if TYPE_CHECKING:
    from pitstop.db.dialects.interface import Lock

__all__ = ["LockTimeout", "lock", "migration_lock_name", "owner", "poll"]


class LockTimeout(ConnectError):
    """The lock was not granted within the time allowed (exit 4); ``holder`` says who
    has it, as far as the database tells."""

    def __init__(self, message: str, *, holder: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.holder = holder


def migration_lock_name(table: str) -> str:
    """The lock every migration runner of the history table ``table`` holds."""
    return f"pitstop-migrate:{table}"


def owner(program: str = "pitstop") -> str:
    """Who holds a lock, as others waiting for it see it: ``program pid N on HOST``
    (63 characters at most: PostgreSQL's limit for an application name)."""
    return f"{program} pid {os.getpid()} on {socket.gethostname()}"[:63]


def poll(try_once: Callable[[], bool], timeout: float, holder: Callable[[], str],
         where: str, others: str) -> None:
    """Call ``try_once`` until it returns ``True``; after ``timeout`` seconds raise
    :class:`LockTimeout` naming what ``holder()`` finds."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while not try_once():
        if time.monotonic() >= deadline:
            found = holder()
            raise LockTimeout(
                f"{where}: {others} holds the lock ({found}); gave up after {timeout:g}s",
                holder=found, hint="wait for it to finish, or allow a longer lock timeout")
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def lock(url: str | DatabaseURL, name: str, timeout: float, *, holder: str | None = None,
         others: str = "another pitstop process") -> Lock:
    """Wait up to ``timeout`` seconds for the lock ``name`` of the database at ``url``
    and return it held.  ``holder`` is how waiting processes see this one (default
    :func:`owner`); ``others`` names who else takes this lock, for the message when it
    is not granted."""
    db = parse_url(url)
    return db.system.lock(db, name, timeout, owner=holder or owner(), others=others)
