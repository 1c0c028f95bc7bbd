"""What differs between database systems: the one table that maps a URL scheme to a
dialect, and the small interfaces each dialect implements, one per concern.

A dialect is one module here (:mod:`.sqlite`, :mod:`.postgresql`, :mod:`.mysql`)
whose ``DIALECT`` implements :class:`Dialect`: connecting (:class:`Connecting`),
the runner lock (:class:`Locking`), creating and dropping databases
(:class:`Creating`), answering a wait (:class:`Answering`) and, for PostgreSQL,
extensions (:class:`Extensions`).  Nothing outside these modules asks which dialect
a URL names: it calls :mod:`pitstop.db.connect`, :mod:`pitstop.db.lock`,
:func:`pitstop.db.init.create_database` …, which ask the dialect.

A capability with work of its own per dialect (migrations, dumps, health figures)
keeps one module per dialect named after it and finds it with :func:`implementation`,
so :data:`TABLE` stays the only list of dialects and schemes.  Adding a dialect is
one row here, one module here, and one module in each such capability.

This module imports nothing heavy: :func:`pitstop.db.url.parse_url` reads the table
on every command.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from pitstop.db.url import DatabaseURL

DialectName = Literal["sqlite", "postgresql", "mysql"]


@dataclasses.dataclass(frozen=True)
class Entry:
    """One row of the dialect table."""

    name: DialectName
    schemes: tuple[str, ...]
    """URL schemes that name it (``postgres://`` and ``postgresql://`` …)."""
    sqlalchemy: str
    """SQLAlchemy's ``dialect+driver`` for engines."""
    driver: str | None
    """The DBAPI module pitstop drives it with (``None``: Python's own ``sqlite3``)."""
    extra: str | None
    """The ``pitstop[extra]`` that installs the driver."""
    file: bool = False
    """The database is a file: no server to wait for or to make scratch databases on."""


TABLE: tuple[Entry, ...] = (
    Entry("sqlite", ("sqlite",), "sqlite", None, None, file=True),
    Entry("postgresql", ("postgres", "postgresql", "postgresql+psycopg"),
          "postgresql+psycopg", "psycopg", "postgres"),
    Entry("mysql", ("mysql", "mariadb", "mysql+pymysql", "mariadb+pymysql"),
          "mysql+pymysql", "pymysql", "mysql"),
)
"""Every dialect pitstop knows."""

SCHEMES: dict[str, Entry] = {scheme: entry for entry in TABLE for scheme in entry.schemes}
BY_NAME: dict[str, Entry] = {entry.name: entry for entry in TABLE}


class Lock(Protocol):
    """A held lock; released by :meth:`release` (and by the end of the process)."""

    def release(self) -> None: ...


class Connecting(Protocol):
    def connect(self, db: DatabaseURL, *, autocommit: bool, create: bool,
                interruptible: bool, args: dict[str, Any]) -> Any:
        """The driver's own connection (``args`` are driver keywords).  ``create``: the
        database may be created by connecting (a SQLite file, and the project's
        ``.pitstop/`` for it); ``interruptible``: Ctrl-C stops a long statement."""

    def reader(self, db: DatabaseURL, args: dict[str, Any]) -> Any | None:
        """A connection only for reading (``cursor``/``execute``/``fetch*``) that is
        cheaper to make than :meth:`connect`'s, or ``None`` when there is none here."""

    def engine_args(self, db: DatabaseURL, *, connect_timeout: float,
                    query_timeout: float | None) -> dict[str, Any]:
        """Driver keywords for a SQLAlchemy engine: the connect timeout, a statement
        timeout when ``query_timeout`` is given."""

    def check_options(self, db: DatabaseURL, engine: Engine | None = None) -> None:
        """Refuse URL options the driver would stumble on with a traceback instead of an
        error, as a :class:`~pitstop.errors.ConfigError` naming the option."""

    def prepare_engine(self, engine: Engine, *, shared: bool) -> None:
        """Set up an engine; ``shared``: several processes write through it at once
        (the state store)."""


class Locking(Protocol):
    def lock(self, db: DatabaseURL, name: str, timeout: float, *, owner: str,
             others: str) -> Lock:
        """Wait up to ``timeout`` seconds for the lock ``name`` of this database;
        ``owner`` says who holds it to those who wait, ``others`` who else takes it.
        :class:`pitstop.db.lock.LockTimeout` names the holder when it is not granted in
        time."""


class Creating(Protocol):
    def missing(self, db: DatabaseURL) -> bool:
        """``True`` when the database is known not to exist without connecting (a
        SQLite file not there yet); servers answer ``False``."""

    def create_database(self, db: DatabaseURL, *, dry_run: bool, timeout: float) -> bool:
        """Create the database when it does not exist; whether it was (or, with
        ``dry_run``, would be) created."""

    def drop_database(self, db: DatabaseURL, *, timeout: float) -> None:
        """Drop the database if it exists (scratch databases)."""


class Answering(Protocol):
    def ping(self, db: DatabaseURL, timeout: float) -> str:
        """One attempt to reach the database within ``timeout`` seconds: what answered
        (``"postgresql 15.4 at db:5432"``).  :class:`~pitstop.db.url.DatabaseMissingError`
        when the server (or file system) says there is no such database."""

    def version(self, db: DatabaseURL, timeout: float) -> str:
        """The server's version (``15.4``, ``10.11.6-MariaDB``, SQLite's library)."""


class Extensions(Protocol):
    """Extensions of a database (PostgreSQL's ``CREATE EXTENSION``)."""

    def available(self, conn: Connection, names: list[str]
                  ) -> dict[str, tuple[str | None, str | None]]:
        """``name → (default version shipped, version installed)`` for ``names``."""

    def installed(self, conn: Connection) -> list[tuple[str, str]]: ...

    def create(self, conn: Connection, name: str, schema: str | None) -> None: ...

    def update(self, conn: Connection, name: str) -> None: ...


class Dialect(Connecting, Locking, Creating, Answering, Protocol):
    entry: Entry
    extensions: Extensions | None
    """``None`` where the database system has no extensions."""


def dialect_of(db: DatabaseURL | str) -> Dialect:
    """The dialect of a URL (parsed or not)."""
    if isinstance(db, str):
        from pitstop.db.url import parse_url

        db = parse_url(db)
    dialect: Dialect = importlib.import_module(f"{__name__}.{db.dialect}").DIALECT
    return dialect


def implementation(pattern: str, dialect: str) -> Any | None:
    """The module that implements a capability's own work for ``dialect``, named by
    ``pattern`` (``implementation("pitstop.backup.dumpers.{dialect}", "mysql")``), or
    ``None`` when the capability has none for it."""
    name = pattern.format(dialect=dialect)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
