"""Connections: one way to open a driver connection for a database URL.

:func:`raw_connect` returns the driver's own connection (psycopg, PyMySQL, sqlite3 is
left to its callers), in the common URL shapes without importing SQLAlchemy, which
costs more than a no-op ``migrate up`` may take; :func:`read_connect` a read-only
PostgreSQL connection over libpq without even importing psycopg.  Failures are
translated by :func:`pitstop.db.url.translate_error` (naming the host).
"""

from __future__ import annotations

from typing import Any


def raw_connect(url: str, **connect_args: Any) -> Any:
    """A driver connection for ``url`` (closed with ``conn.close()``).

    The common URL shapes connect through the driver directly: importing SQLAlchemy
    costs more than a no-op ``migrate up`` may take.  URLs with driver options this
    module does not translate itself go through a NullPool SQLAlchemy engine, which
    knows them all."""
    from pitstop.db.url import parse_url, require_driver, translate_error

    db = parse_url(url)
    require_driver(db.dialect)
    query = dict(db.parts.query)
    kwargs = _libpq_params(db, connect_args)
    if kwargs is not None:
        import psycopg

        try:
            return psycopg.connect(**kwargs)
        except psycopg.Error as exc:
            raise translate_error(exc, db) from exc
    if db.dialect == "mysql" and set(query) <= {"charset", "unix_socket"}:
        import pymysql
        from pymysql.constants import CLIENT

        from pitstop.db.url import check_options

        check_options(db)

        options: dict[str, Any] = {"host": db.parts.hostname or "localhost",
                                   "user": db.username, "password": db.password or "",
                                   "database": db.database, "connect_timeout": 10,
                                   "client_flag": CLIENT.FOUND_ROWS, **connect_args}
        if db.parts.port is not None:
            options["port"] = db.parts.port
        for key in ("charset", "unix_socket"):
            if key in query:
                options[key] = query[key]
        try:
            return pymysql.connect(**options)
        except pymysql.err.Error as exc:
            raise translate_error(exc, db) from exc
    return _engine_connect(url, **connect_args)


def _libpq_params(db: Any, connect_args: dict[str, Any]) -> dict[str, Any] | None:
    """libpq connection parameters for a PostgreSQL URL of the common shapes, else
    ``None`` (the URL needs SQLAlchemy's translation)."""
    query = dict(db.parts.query)
    if db.dialect != "postgresql" or "host" in query \
            or not all(isinstance(v, str) for v in query.values()):
        return None
    kwargs: dict[str, Any] = {"connect_timeout": 10, "application_name": "pitstop",
                              **query, **connect_args}
    for key, value in (("host", db.parts.hostname), ("port", db.parts.port),
                       ("user", db.username), ("password", db.password),
                       ("dbname", db.database)):
        if value is not None:
            kwargs[key] = value
    return kwargs


def read_connect(url: str, **connect_args: Any) -> Any | None:
    """A read-only PostgreSQL connection over libpq without importing psycopg
    (:mod:`pitstop.db.libpq`), or ``None`` when that cannot be used
    here (then connect with :func:`raw_connect`)."""
    from pitstop.db import libpq
    from pitstop.db.url import parse_url, require_driver, translate_error

    db = parse_url(url)
    kwargs = _libpq_params(db, connect_args)
    if kwargs is None or not libpq.available():
        return None
    require_driver(db.dialect)
    try:
        timeout = float(kwargs["connect_timeout"])
    except ValueError:
        return None  # let psycopg report the bad value
    try:
        return libpq.Connection(kwargs, timeout if timeout > 0 else 86400.0)
    except libpq.LibpqError as exc:
        raise translate_error(exc, db) from exc


def _engine_connect(url: str, **connect_args: Any) -> Any:
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    from pitstop.db.url import create_engine, option_error, parse_url, translate_error

    db = parse_url(url)
    engine = create_engine(db, poolclass=sqlalchemy.pool.NullPool, connect_args=connect_args)
    driver_error = engine.dialect.loaded_dbapi.Error
    try:
        fairy = engine.raw_connection()
    except (SQLAlchemyError, driver_error) as exc:
        raise translate_error(exc, db) from exc
    except (ValueError, TypeError, OSError) as exc:  # the driver choking on a URL option
        bad = option_error(exc, db)
        if bad is None:
            raise
        raise bad from exc
    conn = fairy.driver_connection
    # keep the pool wrapper from closing it on garbage collection: detach it
    fairy.detach()
    return conn
