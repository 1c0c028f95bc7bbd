"""The supervisor's lock and state file, so ``status``, ``logs``, ``restart`` and
``stop`` work from another shell.

One supervisor per project holds an exclusive ``flock`` on
``.pitstop/backend/supervisor.lock`` for its whole life (the lock goes with the
process, even when it is killed) and rewrites ``state.json`` atomically whenever
something changes: its pid, nginx's, and each process's pid, port, health and
restarts."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path
from typing import IO, Any

from pitstop.backend.layout import Paths
from pitstop.errors import ConnectError


class BackendRunningError(ConnectError):
    """Another supervisor holds the project's backend lock (exit 4)."""


def holder(paths: Paths) -> str:
    """Who holds the lock, as the lock file says."""
    try:
        text = paths.lock.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "another pitstop"


def acquire(paths: Paths) -> IO[str]:
    """The supervisor lock, or :class:`BackendRunningError` naming its holder.  The
    returned file keeps it; closing it (or the process ending) releases it."""
    paths.root.mkdir(parents=True, exist_ok=True)
    handle = open(paths.lock, "a+", encoding="utf-8")  # noqa: SIM115 - held for life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise BackendRunningError(
            f"the backend of this project is already running: {holder(paths)}",
            hint="see `pitstop backend status`; `pitstop backend stop` stops it") from None
    return handle


def claim(handle: IO[str], text: str) -> None:
    """Write who holds the lock now (``supervisor pid 123``) into the lock file."""
    handle.seek(0)
    handle.truncate()
    handle.write(text + "\n")
    handle.flush()


def is_locked(paths: Paths) -> bool:
    """Whether a supervisor is alive (it holds the lock)."""
    if not paths.lock.exists():
        return False
    with open(paths.lock, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def write(paths: Paths, data: dict[str, Any]) -> None:
    temporary = paths.state.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(data, indent=1, sort_keys=False), encoding="utf-8")
    os.replace(temporary, paths.state)


def read(paths: Paths) -> dict[str, Any] | None:
    """The last state written, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads(paths.state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def remove(paths: Paths) -> None:
    with contextlib.suppress(FileNotFoundError):
        paths.state.unlink()


def tail(path: Path, lines: int = 20) -> list[str]:
    """The last ``lines`` lines of a log file."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read()
    except OSError:
        return []
    return [line.decode("utf-8", "replace") for line in data.splitlines()[-lines:]]
