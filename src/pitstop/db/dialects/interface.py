"""The small interfaces each dialect of :mod:`pitstop.db.dialects` implements, one per
concern.  Only for type checking: nothing imports this module at run time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from pitstop.db.dialects import Entry
    from pitstop.db.url import DatabaseURL


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
