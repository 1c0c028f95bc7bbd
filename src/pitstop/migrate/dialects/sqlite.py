"""SQLite: transactional DDL, a file lock next to the database, no SQLAlchemy needed.

The runner lock is an ``flock`` on ``<database>.pitstop-lock`` (held by the open file,
so a killed runner never leaves it behind); the file holds the holder's pid, host and
start time.  In-memory databases need no lock.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import pwd
import re
import socket
import sqlite3
import time
from pathlib import Path
from typing import IO, Any

from pitstop.errors import ConnectError, PermissionDeniedError
from pitstop.migrate.dialects import Elapsed, ScriptFailure
from pitstop.migrate.splitter import Statement

_OUTSIDE = re.compile(r"\s*VACUUM\b", re.IGNORECASE)
_REFUSED = (3, 8, 23)  # SQLITE_PERM, SQLITE_READONLY (and its extended codes), SQLITE_AUTH
_PROGRESS_STEPS = 20_000


def _let_signals_in() -> int:
    """Called by SQLite every ``_PROGRESS_STEPS`` VM steps.  Running any Python code lets
    a pending SIGINT raise here, which makes SQLite abort the statement."""
    return 0


def sqlite_path(url: str) -> str:
    """``sqlite:///rel.db`` → ``rel.db``; ``sqlite:////abs.db`` → ``/abs.db``; memory → ``:memory:``."""
    rest = url.split(":", 1)[1].split("?", 1)[0]
    if rest.startswith("///"):
        path = rest[3:]
        return path or ":memory:"
    return ":memory:"


def _denied(exc: OSError) -> bool:
    """A refusal of the file system: no permission, or a read-only mount or file."""
    return isinstance(exc, PermissionError) or exc.errno == errno.EROFS


def _make_default_dir(parent: Path) -> None:
    """Create ``.pitstop/`` (the default database's home) when it is missing; any other
    missing directory is an error for the caller to report."""
    if parent.name == ".pitstop" and not parent.exists():
        try:
            parent.mkdir(parents=True)
        except OSError as exc:
            if _denied(exc):
                raise PermissionDeniedError(
                    f"cannot create {parent} for the database: {exc.strerror}",
                    hint="make the project directory writable for the user running "
                         "pitstop, or point DATABASE_URL somewhere writable") from None


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, Elapsed):  # julianday('now') is the time of the INSERT
        start = value.started_wall / 86400.0 + 2440587.5
        return f"CAST((julianday('now') - {start!r}) * 86400000 AS INTEGER)"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


class _FileLock:
    def __init__(self, handle: IO[str] | None) -> None:
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            import fcntl

            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


class SQLiteDialect:
    name = "sqlite"
    transactional_ddl = True
    begin = "BEGIN IMMEDIATE"
    param = "?"
    mysql_syntax = False
    dollar_quotes = False
    returning_id = False
    error_types: tuple[type[BaseException], ...] = (sqlite3.Error,)

    def connect(self, url: str, *, purpose: str) -> Any:
        path = sqlite_path(url)
        parent = Path(path).parent
        if path != ":memory:" and purpose == "migrate":
            _make_default_dir(parent)
        if path != ":memory:" and not parent.is_dir():
            raise ConnectError(f"sqlite at {path}: the directory {Path(path).parent} "
                               "does not exist", hint="create it or fix DATABASE_URL")
        try:
            conn = sqlite3.connect(path, timeout=30.0, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            if not Path(path).exists() and not os.access(parent, os.W_OK):
                raise PermissionDeniedError(
                    f"sqlite at {path}: cannot create the database: the directory {parent} "
                    "is not writable",
                    hint="make it writable for the user running pitstop, or point "
                         "DATABASE_URL somewhere writable") from exc
            raise ConnectError(f"sqlite at {path}: cannot open the database: {exc}",
                               hint="does its directory exist and is it writable?") from exc
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ConnectError(f"sqlite at {path}: cannot read the database: {exc}",
                               hint="point --database / DATABASE_URL at a SQLite database "
                                    "file (or a path where one can be created)") from None
        if purpose == "migrate":
            # SQLite does not look at signals while a statement runs; a Python progress
            # handler lets Ctrl-C in (the statement then fails with "interrupted")
            conn.set_progress_handler(_let_signals_in, _PROGRESS_STEPS)
        return conn

    def close(self, conn: Any) -> None:
        conn.close()

    def database_missing(self, url: str) -> bool:
        return sqlite_path(url) != ":memory:" and not Path(sqlite_path(url)).exists()

    def history_ddl(self, table: str) -> str:
        return (
            f"CREATE TABLE IF NOT EXISTS {table} ("
            "id INTEGER PRIMARY KEY, version TEXT, description TEXT NOT NULL, "
            "type TEXT NOT NULL, file TEXT, checksum TEXT, "
            "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), "
            "applied_by TEXT, execution_ms INTEGER, success INTEGER NOT NULL, "
            "statements_applied INTEGER, statements_total INTEGER, failed_statement TEXT, "
            "error TEXT)"
        )

    def run_transaction(self, conn: Any, sql: str, insert: str,
                        params: tuple[Any, ...]) -> None:
        # one call into SQLite for the whole file and its history row
        head = insert.partition(" VALUES ")[0]
        row = f"{head} VALUES ({', '.join(map(_literal, params))})"
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\n;\n{row};\nCOMMIT;")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if str(exc) == "interrupted":  # Ctrl-C, let in by the progress handler
                raise KeyboardInterrupt from exc
            raise ScriptFailure(exc, None) from exc
        if conn.in_transaction:  # an unterminated comment swallowed the COMMIT
            conn.execute("ROLLBACK")
            raise ScriptFailure(sqlite3.OperationalError(
                "the file does not end cleanly (an unterminated /* comment?)"), None)

    def restore_session(self, conn: Any, table: str, sql: str) -> None:
        return None  # nothing a migration sets can move the history table

    def qualified(self, conn: Any, table: str) -> str:
        return table  # ATTACH never changes where unqualified names go

    def table_exists(self, conn: Any, table: str) -> bool:
        row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           (table,)).fetchone()
        return row is not None

    def lock(self, url: str, table: str, timeout: float) -> _FileLock:
        import fcntl

        path = sqlite_path(url)
        if path == ":memory:":
            return _FileLock(None)
        lock_path = Path(f"{path}.pitstop-lock")
        deadline = time.monotonic() + timeout
        _make_default_dir(lock_path.parent)
        if not lock_path.parent.is_dir():
            raise ConnectError(f"sqlite at {path}: the directory {lock_path.parent} "
                               "does not exist", hint="create it or fix DATABASE_URL")
        try:
            handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release
        except OSError as exc:
            if _denied(exc):
                raise PermissionDeniedError(
                    f"sqlite at {path}: cannot create the lock file {lock_path}: "
                    f"{exc.strerror}",
                    hint=f"make {lock_path.parent} writable for the user running pitstop "
                         "(the runner lock and SQLite's journal live next to the database)"
                ) from None
            raise ConnectError(f"sqlite at {path}: cannot open the lock file {lock_path}: "
                               f"{exc.strerror}",
                               hint="does the database's directory exist and is it writable?"
                               ) from None
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "unknown"
                    handle.close()
                    raise ConnectError(
                        f"sqlite at {path}: another migration runner holds the lock "
                        f"({holder}); gave up after {timeout:g}s",
                        hint="wait for it to finish or raise --lock-timeout",
                    ) from None
                time.sleep(0.05)
        handle.seek(0)
        handle.truncate()
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}, since {now}\n")
        handle.flush()
        return _FileLock(handle)

    def runs_outside_transaction(self, statement: Statement) -> bool:
        return bool(_OUTSIDE.match(statement.text))

    def error_position(self, exc: BaseException) -> tuple[int | None, int | None]:
        return None, None

    def refused(self, exc: BaseException) -> bool:
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in _REFUSED
        return "readonly database" in str(exc)

    def user(self, url: str) -> str:
        try:
            name = pwd.getpwuid(os.getuid()).pw_name
        except KeyError:
            name = str(os.getuid())
        return f"{name}@{socket.gethostname()}"


DIALECT = SQLiteDialect()
