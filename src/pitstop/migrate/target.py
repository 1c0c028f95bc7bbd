"""Resolving what a command works on (database, directory, layout, scripts) and opening
connections and the runner lock for it."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop.errors import ConnectError, MigrationError, UsageError
from pitstop.migrate.dialects import Dialect, dialect_for
from pitstop.migrate.layouts import Script, no_tx_marker, read_scripts
from pitstop.migrate.records import HistoryRecord, read_history
from pitstop.migrate.runner import Direction, Work
from pitstop.migrate.settings import MigrateSettings
from pitstop.redact import mask_url

if TYPE_CHECKING:
    from pitstop.config import Settings

log = logging.getLogger("pitstop.migrate")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.\-]*)\}")


def migrate_settings(settings: Settings) -> MigrateSettings:
    return settings.section(MigrateSettings)


@dataclasses.dataclass
class Target:
    """The database and directory one command works on."""

    url: str
    directory: Path
    options: MigrateSettings
    project_dir: Path
    settings: Settings | None = None
    """What it was resolved from: the Alembic bridge finds the project's interpreter there."""
    _dialect: Dialect | None = None
    _scripts: tuple[str, list[Script]] | None = None
    _qualified: str | None = None

    @property
    def masked(self) -> str:
        return mask_url(self.url)

    @property
    def dialect(self) -> Dialect:
        if self._dialect is None:
            self._dialect = dialect_for(self.url)
        return self._dialect

    @property
    def table(self) -> str:
        """The history table; inside :meth:`session`, qualified with its schema."""
        return self._qualified or self.options.table

    @property
    def layout(self) -> str:
        """The layout the directory was read as (``auto`` resolved)."""
        return self.scripts()[0]

    def scripts(self) -> tuple[str, list[Script]]:
        """``(layout, scripts in order)``, read once."""
        if self._scripts is None:
            from pitstop.migrate import alembic_bridge

            if alembic_bridge.detect(self):
                raise UsageError(
                    f"{self.directory} is an Alembic project: this command works on SQL "
                    "migration files only",
                    hint="use Alembic's own command (e.g. `alembic stamp`) for it")
            self._scripts = read_scripts(self.directory, self.options.layout)
        return self._scripts

    def work(self, script: Script, direction: Direction) -> Work:
        if direction == "up":
            sql, line = script.up_sql, script.up_line
        else:
            down = script.read_down()
            if down is None:
                raise MigrationError(
                    f"{script.name}: has no down migration, so it cannot be rolled back",
                    hint="write one (see docs/migrate.md for each layout's down file)")
            sql, line = down
            # the down script runs in a transaction or not by its own marker, not up's
            marked = script.down_transactional
            tx = no_tx_marker(sql) if marked is None else (False if marked is False else None)
            script = dataclasses.replace(script, transactional=tx)
        if self.options.placeholders:
            sql = substitute(sql, self.options.placeholders, script.name)
        return Work(script, direction, sql, line, self.dialect)

    def connect(self) -> Any:
        return self.dialect.connect(self.url, purpose="migrate")

    def missing_database(self, exc: ConnectError | None = None) -> ConnectError:
        """``exc`` with a hint that fits ``[migrate] create_database`` when it says the
        database does not exist (without ``exc``: the error for a SQLite file that is
        not there); any other error unchanged."""
        from pitstop.db.url import DatabaseMissingError

        if exc is None:
            from pitstop.db.url import parse_url

            path = parse_url(self.url).host
            exc = DatabaseMissingError(f"sqlite at {path}: the database file does not exist",
                                       database=path)
        if isinstance(exc, DatabaseMissingError):
            exc.hint = ("`pitstop migrate up` creates it ([migrate] create_database), or "
                        "`pitstop db init`" if self.options.create_database else
                        "create it with `pitstop db init` ([migrate] create_database = false "
                        "keeps `pitstop migrate up` from creating it)")
        return exc

    def creatable(self, exc: ConnectError) -> bool:
        """``exc`` says the database does not exist, and ``[migrate] create_database``
        lets ``up`` create it."""
        from pitstop.db.url import DatabaseMissingError

        return isinstance(exc, DatabaseMissingError) and self.options.create_database

    def create_database(self, exc: ConnectError) -> bool:
        """Called with the error of a first connection: when :meth:`creatable`, create
        the database as ``pitstop db init`` does and return whether this call created
        it; else raise the error."""
        if not self.creatable(exc):
            raise self.missing_database(exc)
        from pitstop.db.databases import create_database

        log.info("%s does not exist: creating it", self.masked)
        return create_database(self.url)

    def read_connection(self, purpose: str = "read") -> Any | None:
        """A connection for reading, or ``None`` when the database does not exist yet
        (so reading never creates a SQLite file).  ``purpose="history"``: it only reads
        the history table (PostgreSQL then connects without psycopg)."""
        if self.dialect.database_missing(self.url):
            return None
        try:
            return self.dialect.connect(self.url, purpose=purpose)
        except ConnectError as exc:
            raise self.missing_database(exc) from exc.__cause__

    def read_records(self) -> list[HistoryRecord] | None:
        """The history rows, or ``None`` when the database or the table does not exist."""
        conn = self.read_connection("history")
        if conn is None:
            return None
        try:
            return read_history(conn, self.dialect, self.table)
        finally:
            self.dialect.close(conn)

    @contextlib.contextmanager
    def session(self, lock_timeout: float | None = None) -> Iterator[Any]:
        """A migration connection, with the runner lock held around it."""
        timeout = self.options.lock_timeout if lock_timeout is None else lock_timeout
        try:
            lock = self.dialect.lock(self.url, self.table, timeout) if self.options.lock \
                else None
        except ConnectError as exc:
            raise self.missing_database(exc) from exc.__cause__
        try:
            try:
                conn = self.connect()
            except ConnectError as exc:
                raise self.missing_database(exc) from exc.__cause__
            try:
                self._qualified = self.dialect.qualified(conn, self.options.table)
                yield conn
            finally:
                self._qualified = None
                self.dialect.close(conn)
        finally:
            if lock is not None:
                lock.release()


def substitute(sql: str, placeholders: Mapping[str, str], file: str) -> str:
    """Replace ``${name}``; an unknown name is an error naming the file and the name."""

    def repl(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in placeholders:
            raise MigrationError(
                f"{file}: unknown placeholder ${{{name}}}",
                hint=f"define it under [migrate.placeholders] (known: "
                     f"{', '.join(sorted(placeholders)) or 'none'})")
        return placeholders[name]

    return _PLACEHOLDER.sub(repl, sql)


def resolve(settings: Settings, database_url: str | None, directory: Path | None) -> Target:
    from pitstop.db.resolve import resolve_url

    options = migrate_settings(settings)
    folder = directory if directory is not None else options.dir
    if not folder.is_absolute():
        folder = settings.project_dir / folder
    url = resolve_url(settings, "migrate", database_url).raw
    return Target(url, folder, options, settings.project_dir, settings)
