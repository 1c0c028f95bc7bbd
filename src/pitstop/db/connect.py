"""Connections: the one way to open a connection to a database URL.

:func:`connect` returns the driver's own connection (``sqlite3``, psycopg, PyMySQL),
made by the URL's dialect (:mod:`pitstop.db.dialects`) without importing SQLAlchemy,
which costs more than a no-op ``migrate up`` may take; asked for a ``light`` one, the
PostgreSQL dialect reads over libpq without even importing psycopg
(:mod:`pitstop.db.libpq`).  :func:`session` is a SQLAlchemy connection with connect
and statement timeouts, for the code that speaks SQLAlchemy (checks, extensions,
backups).  Failures leave as pitstop errors naming the host: a server that cannot be
reached (:class:`~pitstop.errors.ConnectError`), a database it does not have
(:class:`~pitstop.db.url.DatabaseMissingError`), an option of the URL the driver
rejects (:class:`~pitstop.errors.ConfigError`), a driver that is missing or cannot
be loaded (:class:`~pitstop.errors.DependencyError`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pitstop.db.url import DatabaseURL, parse_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def connect(url: str | DatabaseURL, *, autocommit: bool = False, light: bool = False,
            create: bool = False, interruptible: bool = False, **driver_args: Any) -> Any:
    """A driver connection for ``url`` (closed with ``conn.close()``).

    ``light``: the caller only reads (``cursor``, ``execute``, ``fetchall``,
    ``fetchone``), so a cheaper connection may come back (PostgreSQL over libpq).
    ``create``: connecting may create the database (a SQLite file, and the project's
    ``.pitstop/`` for the default one); without it a SQLite file that is not there is
    still created by the driver, but its directory never is.  ``interruptible``: Ctrl-C
    stops a long statement (SQLite does not look at signals otherwise).
    ``driver_args`` go to the driver (``application_name``, ``connect_timeout`` …)."""
    from pitstop.db.url import require_driver

    db = parse_url(url)
    require_driver(db.dialect)
    system = db.system
    if light:
        reader = system.reader(db, driver_args)
        if reader is not None:
            return reader
    return system.connect(db, autocommit=autocommit, create=create,
                          interruptible=interruptible, args=driver_args)


def raw_connect(url: str | DatabaseURL, **driver_args: Any) -> Any:
    """:func:`connect` with the driver's defaults."""
    return connect(url, **driver_args)


def read_connect(url: str | DatabaseURL, **driver_args: Any) -> Any | None:
    """The dialect's light reader (PostgreSQL: over libpq, without importing psycopg),
    or ``None`` when it has none here (then use :func:`connect`)."""
    db = parse_url(url)
    return db.system.reader(db, driver_args)


@contextlib.contextmanager
def translating(db: DatabaseURL) -> Iterator[None]:
    """Turn what a driver or SQLAlchemy raises while connecting into the pitstop error
    naming the host, the URL option or the extra to install."""
    from sqlalchemy.exc import SQLAlchemyError

    from pitstop.db.url import driver_unloadable, option_error, translate_error

    try:
        yield
    except SQLAlchemyError as exc:
        raise translate_error(exc, db) from exc
    except ImportError as exc:  # installed, but cannot load (psycopg without libpq)
        raise driver_unloadable(exc, db) from exc
    except (ValueError, TypeError, OSError) as exc:  # the driver choking on a URL option
        bad = option_error(exc, db)
        if bad is None:
            raise
        raise bad from exc


def engine_connect(url: str | DatabaseURL, **driver_args: Any) -> Any:
    """A driver connection made through a NullPool SQLAlchemy engine, for URLs with
    driver options the dialect does not translate itself (SQLAlchemy knows them all)."""
    import sqlalchemy

    from pitstop.db.url import create_engine

    db = parse_url(url)
    engine = create_engine(db, poolclass=sqlalchemy.pool.NullPool, connect_args=driver_args)
    with translating(db):
        fairy = engine.raw_connection()
    conn = fairy.driver_connection
    # keep the pool wrapper from closing it on garbage collection: detach it
    fairy.detach()
    return conn


@contextlib.contextmanager
def session(url: str | DatabaseURL, *, timeout: float = 10.0,
            query_timeout: float | None = None, autocommit: bool = False,
            must_exist: bool = False) -> Iterator[Connection]:
    """One SQLAlchemy connection (no pool) with a connect timeout of ``timeout`` and,
    with ``query_timeout``, a statement timeout; disposed of on exit.  ``must_exist``:
    a database known to be missing (a SQLite file not there) is a
    :class:`~pitstop.db.url.DatabaseMissingError` instead of being created."""
    import sqlalchemy

    from pitstop.db.url import DatabaseMissingError, create_engine

    db = parse_url(url)
    if must_exist and db.system.missing(db):
        raise DatabaseMissingError(f"{db.dialect} database {db.host} does not exist",
                                   database=db.database or "",
                                   hint="create it with `pitstop db init` or `pitstop migrate "
                                        "up`, or fix the database URL")
    extra: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    engine = create_engine(db, connect_timeout=timeout, query_timeout=query_timeout,
                           poolclass=sqlalchemy.pool.NullPool, **extra)
    try:
        with translating(db):
            conn = engine.connect()
        with conn, translating(db):
            yield conn
    finally:
        engine.dispose()


def server_version(url: str | DatabaseURL, *, timeout: float = 5.0) -> str:
    """The version of the database's server (SQLite: the library's)."""
    db = parse_url(url)
    return db.system.version(db, timeout)


def ping(url: str | DatabaseURL, *, timeout: float = 5.0) -> str:
    """One attempt to reach the database: what answered (``"postgresql 15.4 at
    db:5432"``).  Raises what connecting raises; a missing database is a
    :class:`~pitstop.db.url.DatabaseMissingError`."""
    db = parse_url(url)
    return db.system.ping(db, timeout)


def database_missing(url: str | DatabaseURL) -> bool:
    """``True`` when the database is known not to exist without connecting (a SQLite
    file not there yet); for a server ``False``: only connecting tells."""
    db = parse_url(url)
    return db.system.missing(db)
