"""Process handling for the backend, in one small module (so it can move onto a
shared subprocess runner later): start a process in its own session and process
group with its output pumped into a rotating log, signal and kill whole groups, tell
whether a recorded pid is still the same process, and who holds a port."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


class RotatingLog:
    """A log file that moves to ``.1`` (``.2`` …) when it reaches ``max_size``."""

    def __init__(self, path: Path, max_size: int, backups: int) -> None:
        self.path, self.max_size, self.backups = path, max_size, backups
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "ab")  # noqa: SIM115 - kept open for the process's life

    def write(self, data: bytes) -> None:
        with self._lock:
            if self._file.closed:
                return
            self._file.write(data)
            self._file.flush()
            if self.max_size and self._file.tell() >= self.max_size:
                self._rotate()

    def _rotate(self) -> None:
        self._file.close()
        if self.backups:
            for number in range(self.backups - 1, 0, -1):
                older = self.path.with_name(f"{self.path.name}.{number}")
                if older.exists():
                    os.replace(older, self.path.with_name(f"{self.path.name}.{number + 1}"))
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink(missing_ok=True)
        self._file = open(self.path, "ab")  # noqa: SIM115

    def close(self) -> None:
        with self._lock:
            self._file.close()


def spawn(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], log: RotatingLog,
          on_line: Callable[[str], None] | None = None) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a new session (its own process group) with stdout and stderr
    pumped, line by line and time-stamped, into ``log``.  Raises OSError when it cannot
    be started."""
    from pitstop import proc as runner

    try:
        proc = runner.start(argv, cwd=cwd, env=env, stdout=runner.PIPE,
                            stderr=runner.STDOUT).popen
    except runner.StartError as exc:
        raise OSError(exc.message) from exc

    def pump() -> None:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            stamp = time.strftime("%Y-%m-%d %H:%M:%S ").encode()
            log.write(stamp + raw if raw.endswith(b"\n") else stamp + raw + b"\n")
            if on_line is not None:
                on_line(raw.decode("utf-8", "replace").rstrip("\r\n"))
        proc.stdout.close()

    threading.Thread(target=pump, name=f"pitstop-log-{proc.pid}", daemon=True).start()
    return proc


def signal_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to process group ``pgid``; False when the group is gone."""
    from pitstop.proc import signal_group as send

    return send(pgid, sig)


def group_alive(pgid: int) -> bool:
    return signal_group(pgid, 0)


def stop_group(pgid: int, timeout: float, *, sig: int = signal.SIGTERM,
               reap: Callable[[], object] | None = None) -> bool:
    """``sig`` to the group, wait up to ``timeout`` for all of it to go, then SIGKILL.
    True when it went within the grace period.  ``reap`` collects our own child so
    it does not linger as a zombie (which would count as alive)."""
    if not signal_group(pgid, sig):
        return True
    deadline = time.monotonic() + timeout
    delay = 0.01
    while time.monotonic() < deadline:
        if reap is not None:
            reap()
        if not group_alive(pgid):
            return True
        time.sleep(delay)  # no event tells when a group (grandchildren too) has gone
        delay = min(delay * 2, 0.1)
    signal_group(pgid, signal.SIGKILL)
    if reap is not None:
        reap()
    return False


def start_time(pid: int) -> float | None:
    """When process ``pid`` started (to tell it from a later process given the same
    pid), or None when there is no such process."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return float(process.create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def same_process(pid: int, started: float | None) -> bool:
    """Whether ``pid`` is still the process that started at ``started``."""
    now = start_time(pid)
    return now is not None and (started is None or abs(now - started) < 1.0)


def port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def port_holder(port: int) -> str | None:
    """``pid 123 (python -m http.server 8101)`` for the process listening on ``port``,
    where the OS tells (else None)."""
    import psutil

    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port \
                and conn.pid:
            try:
                command = " ".join(psutil.Process(conn.pid).cmdline())[:200]
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                command = "?"
            return f"pid {conn.pid} ({command})"
    return None
