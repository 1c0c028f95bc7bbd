"""SQLite: a file (or memory), Python's own ``sqlite3``, no server.

Connecting may create the file.  Locks are an ``flock`` on ``<database>.pitstop-lock``
(held by the open file, so a killed runner never leaves it behind) whose text names the
holder: one lock file per database, so locks of different names on one SQLite file
exclude each other too (a writer of SQLite excludes the others anyway); do not nest
them.  In-memory databases need no lock.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import sqlite3
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from pitstop.db.dialects import BY_NAME
from pitstop.errors import ConfigError, ConnectError, PermissionDeniedError, PitstopError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pitstop.db.dialects.interface import Dialect, Extensions
    from pitstop.db.url import DatabaseURL

_PROGRESS_STEPS = 20_000
BUSY_TIMEOUT = 30.0


def _let_signals_in() -> int:
    """Called by SQLite every ``_PROGRESS_STEPS`` VM steps.  Running any Python code lets
    a pending SIGINT raise here, which makes SQLite abort the statement."""
    return 0


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


def _path(db: DatabaseURL) -> str:
    """The file, or ``:memory:``."""
    return str(db.sqlite_path) if db.sqlite_path is not None else ":memory:"


class _FileLock:
    def __init__(self, handle: IO[str] | None) -> None:
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            import fcntl

            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


class SQLite:
    entry = BY_NAME["sqlite"]
    extensions: Extensions | None = None

    # -- connecting --------------------------------------------------------------------
    def connect(self, db: DatabaseURL, *, autocommit: bool, create: bool, interruptible: bool,
                args: dict[str, Any]) -> Any:
        path = _path(db)
        parent = Path(path).parent
        if path != ":memory:" and create:
            _make_default_dir(parent)
        if path != ":memory:" and not parent.is_dir():
            raise ConnectError(f"sqlite at {path}: the directory {parent} does not exist",
                               hint="create it or fix the database URL")
        options: dict[str, Any] = {"timeout": BUSY_TIMEOUT, "check_same_thread": False, **args}
        if autocommit:
            options["isolation_level"] = None
        try:
            conn = sqlite3.connect(path, **options)
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
                               hint="point the database URL at a SQLite database file (or "
                                    "a path where one can be created)") from None
        if interruptible:
            # SQLite does not look at signals while a statement runs; a Python progress
            # handler lets Ctrl-C in (the statement then fails with "interrupted")
            conn.set_progress_handler(_let_signals_in, _PROGRESS_STEPS)
        return conn

    def reader(self, db: DatabaseURL, args: dict[str, Any]) -> Any | None:
        return None  # sqlite3 is already as light as it gets

    def engine_args(self, db: DatabaseURL, *, connect_timeout: float,
                    query_timeout: float | None) -> dict[str, Any]:
        return {"timeout": connect_timeout}

    def check_options(self, db: DatabaseURL, engine: Engine | None = None) -> None:
        return None

    def prepare_engine(self, engine: Engine, *, shared: bool) -> None:
        if not shared:
            return
        import sqlalchemy

        @sqlalchemy.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    # -- the lock ----------------------------------------------------------------------
    def lock(self, db: DatabaseURL, name: str, timeout: float, *, owner: str,
             others: str) -> _FileLock:
        import fcntl

        from pitstop.db.lock import poll

        path = _path(db)
        if path == ":memory:":
            return _FileLock(None)
        lock_path = Path(f"{path}.pitstop-lock")
        _make_default_dir(lock_path.parent)
        if not lock_path.parent.is_dir():
            raise ConnectError(f"sqlite at {path}: the directory {lock_path.parent} "
                               "does not exist", hint="create it or fix the database URL")
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

        def try_once() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return False

        def holder() -> str:
            handle.seek(0)
            return handle.read().strip() or "unknown"

        try:
            poll(try_once, timeout, holder, f"sqlite at {path}", others)
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        handle.write(f"{owner}, since {now}\n")
        handle.flush()
        return _FileLock(handle)

    # -- creating ----------------------------------------------------------------------
    def missing(self, db: DatabaseURL) -> bool:
        path = db.sqlite_path
        return path is not None and not path.exists()

    def create_database(self, db: DatabaseURL, *, dry_run: bool, timeout: float) -> bool:
        path = db.sqlite_path
        if path is None or path.exists():
            return False
        if dry_run:
            return True
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            sqlite3.connect(path).close()
        except PermissionError as exc:
            raise PermissionDeniedError(f"cannot create {path}: permission denied") from exc
        except (OSError, sqlite3.Error) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise PitstopError(f"cannot create the SQLite file {path}: {reason}",
                               hint="check the path in the database URL") from exc
        return True

    def drop_database(self, db: DatabaseURL, *, timeout: float) -> None:
        path = db.sqlite_path
        if path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    # -- answering ---------------------------------------------------------------------
    def version(self, db: DatabaseURL, timeout: float) -> str:
        return sqlite3.sqlite_version

    def ping(self, db: DatabaseURL, timeout: float) -> str:
        """The file is there and is a database SQLite can read (opened read-only, so a
        wait never creates it)."""
        from pitstop.db.url import DatabaseMissingError

        path = db.sqlite_path
        if path is None:
            return "in-memory SQLite database"
        if path.exists() and not path.is_file():
            raise ConfigError(f"SQLite database {path} is not a file", key="database_url",
                              hint="point the database URL at the database file")
        if not path.is_file():
            raise DatabaseMissingError(
                f"SQLite database {path} does not exist", database=str(path),
                hint="create it with `pitstop db init` or `pitstop migrate up`, or fix the "
                     "database URL")
        try:
            conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True,
                                   timeout=timeout)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise ConnectError(f"cannot read SQLite database {path}: {exc}",
                               hint="check the file and its permissions") from exc
        return f"SQLite {sqlite3.sqlite_version} at {path}"


DIALECT: Dialect = SQLite()
