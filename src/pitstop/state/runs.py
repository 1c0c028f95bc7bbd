"""Writing run records over a plain DB-API connection.

These few statements — start a run, finish it, mark the runs of dead processes — are
what every command runs, so they must cost nothing: on the default SQLite state file
they go through the standard library's :mod:`sqlite3` (a few milliseconds, where
importing SQLAlchemy alone takes over a hundred), and through psycopg on PostgreSQL.
:class:`~pitstop.state.store.StateStore` uses the same functions over its own
connection, so there is one way to write a run.

The tables are those of :mod:`pitstop.state.tables`; creating and upgrading them is the
store's job (:func:`open_light` falls back to it when the schema is missing or old).
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pitstop.redact import redact

ACTIVE = "running"
STALE_AFTER_SECONDS = 120.0
DEAD_RUN_ERROR = "the pitstop process died (killed or crashed)"


class Writer:
    """A DB-API connection and its placeholder style (``?`` or ``%s``)."""

    def __init__(self, conn: Any, param: str, close: Callable[[], None] | None = None) -> None:
        self.conn = conn
        self.param = param
        self._close = close

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor = self.conn.cursor()
        cursor.execute(sql.replace("?", self.param) if self.param != "?" else sql, tuple(params))
        return cursor

    def commit(self) -> None:
        self.conn.commit()

    def close(self) -> None:
        if self._close is not None:
            self._close()


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def insert_run(writer: Writer, *, target: str, kind: str, trigger: str, user: str | None,
               params: Mapping[str, Any] | None = None, started_at: float | None = None,
               capability: str | None = None, verb: str | None = None,
               parent_id: str | None = None, run_id: str | None = None) -> str:
    """Record a run as ``running`` and return its id."""
    run_id = run_id or new_run_id()
    now = time.time() if started_at is None else started_at
    writer.execute(
        'INSERT INTO pitstop_runs (id, target, kind, trigger, "user", host, pid, params, '
        "started_at, heartbeat_at, status, capability, verb, parent_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, target, kind, trigger, user, socket.gethostname(), os.getpid(),
         redact(json.dumps(params or {}, default=str)), now, now, ACTIVE, capability, verb,
         parent_id),
    )
    writer.commit()
    return run_id


def finish_run(writer: Writer, run_id: str, status: str, exit_code: int | None,
               error: str | None = None, *, result: Mapping[str, Any] | None = None,
               finished_at: float | None = None) -> None:
    """Record how a run ended; attempts still marked running end as ``interrupted``."""
    now = time.time() if finished_at is None else finished_at
    summary = None if result is None else redact(json.dumps(result, default=str))
    if result is None:
        writer.execute("UPDATE pitstop_runs SET status = ?, exit_code = ?, finished_at = ?, "
                       "error = ? WHERE id = ?",
                       (status, exit_code, now, redact(error) if error else None, run_id))
    else:
        writer.execute("UPDATE pitstop_runs SET status = ?, exit_code = ?, finished_at = ?, "
                       "error = ?, result = ? WHERE id = ?",
                       (status, exit_code, now, redact(error) if error else None, summary,
                        run_id))
    writer.execute("UPDATE pitstop_task_runs SET status = 'interrupted', finished_at = ? "
                   "WHERE run_id = ? AND status = ?", (now, run_id, ACTIVE))
    writer.commit()


def dead_runs(writer: Writer) -> list[str]:
    """Ids of runs still marked running whose process is gone: its pid is dead (or
    reused by a younger process) on this host, or its heartbeat is stale elsewhere."""
    host = socket.gethostname()
    now = time.time()
    rows = writer.execute("SELECT id, host, pid, heartbeat_at, started_at FROM pitstop_runs "
                          "WHERE status = ?", (ACTIVE,)).fetchall()
    gone = []
    for run_id, run_host, pid, heartbeat, started in rows:
        # on this host the process tells; elsewhere only the heartbeat does
        dead = (process_gone(pid, started) if run_host == host
                else now - heartbeat > STALE_AFTER_SECONDS)
        if dead:
            gone.append(run_id)
    return gone


def mark_abandoned(writer: Writer, run_ids: Sequence[str]) -> None:
    """Mark ``run_ids`` (and their running attempts) ``abandoned``.  Marks only: killing
    what a dead run left behind is :func:`stop_leftover_processes`' job."""
    if not run_ids:
        return
    now = time.time()
    marks = ", ".join("?" for _ in run_ids)
    writer.execute(f"UPDATE pitstop_runs SET status = 'abandoned', finished_at = ?, "
                   f"exit_code = NULL, error = ? WHERE id IN ({marks}) AND status = ?",
                   (now, DEAD_RUN_ERROR, *run_ids, ACTIVE))
    writer.execute(f"UPDATE pitstop_task_runs SET status = 'abandoned', finished_at = ? "
                   f"WHERE run_id IN ({marks}) AND status = ?", (now, *run_ids, ACTIVE))
    writer.commit()


def abandoned_with_leftovers(writer: Writer, since: float) -> list[str]:
    """Runs abandoned after ``since`` (candidates for :func:`stop_leftover_processes`)."""
    rows = writer.execute("SELECT id FROM pitstop_runs WHERE status = 'abandoned' AND "
                          "finished_at >= ? AND host = ?", (since, socket.gethostname()))
    return [row[0] for row in rows.fetchall()]


def stop_leftover_processes(run_ids: Sequence[str]) -> list[int]:
    """SIGKILL the process groups of task processes a dead run left behind on this host.

    Command tasks carry ``PITSTOP_RUN_ID`` in their environment, so they are found in
    ``/proc`` without guessing from pids that may have been reused.  Returns the pids
    that were signalled (empty where ``/proc`` is not available)."""
    from pitstop.proc import kill_group

    wanted = {f"PITSTOP_RUN_ID={run_id}".encode() for run_id in run_ids}
    killed: list[int] = []
    proc = Path("/proc")
    if not wanted or not proc.is_dir():
        return killed
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if wanted.isdisjoint(environ):
            continue
        pid = int(entry.name)
        if kill_group(pid):
            killed.append(pid)
    return killed


def process_gone(pid: int, since: float) -> bool:
    """Whether the process ``pid`` of this host, known alive at Unix time ``since``, is
    gone: no such process (or a zombie), or the pid now belongs to a process that
    started later (pid reuse, e.g. pitstop as PID 1 of a restarted container).  The one
    liveness test of every record that names its writer's pid (runs, backups in
    flight)."""
    return not pid_alive(pid) or started_after(pid, since)


def process_start_time(pid: int) -> float | None:
    """Unix time process ``pid`` started (``None`` when unknown)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # field 22 of proc(5): start time, clock ticks after boot
        boot = next(int(line.split()[1]) for line in
                    Path("/proc/stat").read_text().splitlines() if line.startswith("btime "))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def started_after(pid: int, when: float) -> bool:
    """Whether process ``pid`` started after Unix time ``when`` (False when unknown)."""
    started = process_start_time(pid)
    return started is not None and started > when + 2.0  # btime has whole seconds


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child counts as dead
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True
