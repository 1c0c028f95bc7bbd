"""Backups in flight, and the sweep that finds the ones whose writer died.

While ``create_backup`` runs, the store holds a small hidden record
``.<id>.inflight`` (the backup id, the masked database URL, the writer's pid and
host, and when it started), and every temporary file of that backup is named
``.<id>.….partial``.  A writer that finishes — or fails, or is interrupted —
removes its record.  One killed with ``kill -9`` cannot: the next ``create``,
``list`` or ``prune`` finds the record, asks the abandoned-run sweep's liveness test
(:func:`pitstop.state.runs.process_gone`: the pid is gone, or now belongs to a
process that started later) whether the writer is gone, and if so removes that
backup's partial files, records the backup as failed (so ``prune`` refuses until the
next successful backup) and logs a warning saying so.  A record written on another
host (a shared backup directory) cannot be checked that way; it is taken as dead
once it is older than :data:`FOREIGN_AFTER`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import time
from datetime import UTC, datetime

from pitstop.backup.storage import Storage
from pitstop.errors import PitstopError

log = logging.getLogger("pitstop.backup")

SUFFIX = ".inflight"
FOREIGN_AFTER = 24 * 3600.0


@dataclasses.dataclass(frozen=True)
class Interrupted:
    """A backup whose writer died before it finished, as found by :func:`sweep`."""

    id: str
    database: str
    pid: int
    host: str
    started_at: datetime
    removed_files: int
    freed_bytes: int

    @property
    def error(self) -> str:
        return (f"backup {self.id} was interrupted: its pitstop process (pid {self.pid} on "
                f"{self.host}) died before the backup finished")


def record_name(backup_id: str) -> str:
    return f".{backup_id}{SUFFIX}"


def partial_prefix(backup_id: str) -> str:
    """What the name of every temporary file of backup ``backup_id`` starts with."""
    return f".{backup_id}."


def begin(store: Storage, backup_id: str, database: str, started: float) -> None:
    """Record that this process is writing backup ``backup_id``."""
    data = {"id": backup_id, "database": database, "pid": os.getpid(),
            "host": socket.gethostname(), "started": started}
    store.write_bytes(record_name(backup_id), json.dumps(data).encode())


def end(store: Storage, backup_id: str) -> None:
    """The writer of ``backup_id`` is done (whatever the outcome)."""
    try:
        store.delete(record_name(backup_id))
    except PitstopError as exc:  # a record left behind is swept later as a dead writer's
        log.debug("cannot remove the in-flight record of %s: %s", backup_id, exc)


def _gone(data: dict[str, object], now: float) -> bool:
    from pitstop.state.runs import process_gone

    started = float(data["started"])  # type: ignore[arg-type]
    if data.get("host") != socket.gethostname():
        return now - started > FOREIGN_AFTER
    return process_gone(int(data["pid"]), started)  # type: ignore[call-overload]


def sweep(store: Storage) -> list[Interrupted]:
    """Clean up after backups whose writer is gone; return them, oldest first.

    The caller records them as failures (see :func:`pitstop.backup.archive`)."""
    found: list[Interrupted] = []
    now = time.time()
    for name in store.hidden_names(SUFFIX):
        try:
            data = json.loads(store.read_bytes(name))
            if not _gone(data, now):
                continue
            backup_id = str(data["id"])
        except (PitstopError, ValueError, KeyError, TypeError) as exc:
            log.debug("skipping unreadable in-flight record %s: %s", name, exc)
            continue
        count, freed = store.remove_partials(partial_prefix(backup_id))
        if not store.claim(name):
            continue  # another process is sweeping the same record
        found.append(Interrupted(
            id=backup_id, database=str(data.get("database", "?")), pid=int(data["pid"]),
            host=str(data.get("host", "?")),
            started_at=datetime.fromtimestamp(float(data["started"]), UTC),
            removed_files=count, freed_bytes=freed))
    found.sort(key=lambda item: item.started_at)
    return found
