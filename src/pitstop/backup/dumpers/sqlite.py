"""SQLite through the online backup API, copied in one step.

One ``backup(pages=-1)`` step copies the whole database inside a single read
transaction, so the copy is consistent even while other processes write (WAL or
rollback journal), and it never restarts the way a page-by-page loop does when the
source changes between steps.  The backup API writes a database file, so the
dumper offers :meth:`SQLiteDumper.dump_file`: an uncompressed backup is copied
straight into the store's hidden temporary file (no second copy); a compressed one
is copied into a scratch file next to the backups and read once through the
compressor.  The copy is written with the journal and syncs off: it is a private
temporary file, deleted on any failure, and the store fsyncs it before the rename.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from pitstop.backup.compress import CHUNK, Sink, pump_file
from pitstop.backup.dumpers import DatabaseState
from pitstop.backup.settings import BackupSettings
from pitstop.backup.storage import PARTIAL_SUFFIX
from pitstop.capability import Progress
from pitstop.db.url import DatabaseURL
from pitstop.errors import BackupError, ConnectError, PermissionDeniedError

BUSY_TIMEOUT = 30.0


def _path(db: DatabaseURL) -> Path:
    path = db.sqlite_path
    if path is None:
        raise BackupError(f"{db.masked} is not a SQLite file",
                          hint="in-memory databases cannot be backed up")
    return path


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def inspect_file(path: Path) -> DatabaseState:
    """Integrity check plus table and row counts of the SQLite file at ``path``."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
    except sqlite3.Error as exc:
        raise ConnectError(f"cannot open SQLite file {path}: {exc}") from exc
    try:
        verdict = "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check").fetchall())
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = tuple((n, int(conn.execute(f"SELECT count(*) FROM {_quote(n)}").fetchone()[0]))
                       for n in names)
    except sqlite3.DatabaseError as exc:
        return DatabaseState(0, 0, f"not a readable SQLite database: {exc}")
    finally:
        conn.close()
    return DatabaseState(len(names), sum(c for _, c in counts), verdict, counts)


class SQLiteDumper:
    dialect = "sqlite"
    tool = "sqlite3-backup-api"
    extension = ".sqlite3"
    atomic_restore = True  # the backup API replaces every page in one transaction

    def __init__(self, settings: BackupSettings, workdir: Path) -> None:
        self.settings = settings
        self.workdir = workdir

    def versions(self, db: DatabaseURL) -> tuple[str | None, str | None]:
        return sqlite3.sqlite_version, sqlite3.sqlite_version

    def _temp(self, directory: Path) -> Path:
        fd, name = tempfile.mkstemp(prefix=".sqlite-copy.", suffix=PARTIAL_SUFFIX, dir=directory)
        os.close(fd)
        return Path(name)

    def dump_file(self, db: DatabaseURL, path: Path) -> None:
        """Copy ``db`` into the existing empty file ``path`` in one backup step."""
        source_path = _path(db)
        if not source_path.is_file():
            raise BackupError(f"SQLite database {source_path} does not exist",
                              hint="check database_url / --database")
        try:
            source = sqlite3.connect(source_path, timeout=BUSY_TIMEOUT, isolation_level=None)
        except sqlite3.Error as exc:
            raise ConnectError(f"cannot open SQLite file {source_path}: {exc}") from exc
        try:
            # Take the read lock first through SQLite's busy handler (short polls),
            # then copy every page in one step inside that one read transaction.
            source.execute("BEGIN")
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
            target = sqlite3.connect(path, isolation_level=None)
            try:
                # a private scratch file: no rollback journal next to it, no fsync
                # per commit (the store fsyncs once, overlapped with hashing)
                target.execute("PRAGMA journal_mode=OFF").fetchall()
                target.execute("PRAGMA synchronous=OFF")
                source.backup(target, pages=-1)
            finally:
                target.close()
            source.execute("ROLLBACK")
        except sqlite3.DatabaseError as exc:
            text = str(exc).lower()
            if "readonly" in text or "permission" in text:
                raise PermissionDeniedError(
                    f"cannot read SQLite file {source_path}: {exc}") from exc
            if "locked" in text or "busy" in text:
                raise BackupError(
                    f"SQLite file {source_path} stayed locked by a writer for "
                    f"{BUSY_TIMEOUT:g}s: {exc}",
                    hint="retry when the writer is less busy, or use WAL mode") from exc
            raise BackupError(f"SQLite backup of {source_path} failed: {exc}") from exc
        finally:
            source.close()

    def dump(self, db: DatabaseURL, out: Sink, progress: Progress | None) -> None:
        copy = self._temp(self.workdir)
        try:
            self.dump_file(db, copy)
            pump_file(copy, out, progress)
        finally:
            copy.unlink(missing_ok=True)

    def ensure_database(self, db: DatabaseURL) -> None:
        """The file's directory (the restore creates the file itself)."""
        path = _path(db)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PermissionDeniedError(f"cannot create {path.parent}: {exc}") from exc

    def restore(self, db: DatabaseURL, source: BinaryIO, *, clean: bool) -> None:
        path = _path(db)
        self.ensure_database(db)
        copy = self._temp(path.parent)
        try:
            with copy.open("wb") as handle:
                shutil.copyfileobj(source, handle, CHUNK)
            state = inspect_file(copy)
            if state.integrity != "ok":
                raise BackupError(f"the backup is not a sound SQLite database: {state.integrity}")
            src = sqlite3.connect(copy)
            try:
                dst = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
                try:
                    src.backup(dst, pages=-1)  # replaces every page, safe for other readers
                finally:
                    dst.close()
            except sqlite3.DatabaseError as exc:
                raise BackupError(f"restoring into {path} failed: {exc}") from exc
            finally:
                src.close()
        finally:
            copy.unlink(missing_ok=True)

    def inspect(self, db: DatabaseURL) -> DatabaseState:
        path = _path(db)
        if not path.exists():
            return DatabaseState(0, 0, "ok")
        return inspect_file(path)

    @contextlib.contextmanager
    def scratch(self, db: DatabaseURL) -> Iterator[DatabaseURL]:
        directory = Path(tempfile.mkdtemp(prefix=".verify.", suffix=PARTIAL_SUFFIX,
                                          dir=self.workdir))
        try:
            yield _sqlite_url(directory / "v.db")
        finally:
            shutil.rmtree(directory, ignore_errors=True)


DUMPER = SQLiteDumper


def _sqlite_url(path: Path) -> DatabaseURL:
    from pitstop.db.url import parse_url

    return parse_url(f"sqlite:///{path}")
