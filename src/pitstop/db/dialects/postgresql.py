"""PostgreSQL through psycopg 3, and for reading only, straight over libpq
(:mod:`pitstop.db.libpq`: no psycopg import, which costs more than a no-op
``migrate up`` may take).  Locks are session advisory locks, held on a connection of
their own that holds no transaction (so ``CREATE INDEX CONCURRENTLY`` never waits on
it); databases are created from the ``postgres`` maintenance database.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

from pitstop.db.dialects import BY_NAME, server

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from pitstop.db.dialects.interface import Dialect, Extensions
    from pitstop.db.url import DatabaseURL

_CLASS_ID = 0x70697473  # "pits": the first key of every pitstop advisory lock


def libpq_params(db: DatabaseURL, args: dict[str, Any]) -> dict[str, Any] | None:
    """libpq connection parameters for a URL of the common shapes, else ``None`` (the
    URL needs SQLAlchemy's translation: a ``host`` in the query, a repeated option)."""
    query = dict(db.parts.query)
    if "host" in query or not all(isinstance(v, str) for v in query.values()):
        return None
    kwargs: dict[str, Any] = {"connect_timeout": 10, "application_name": "pitstop",
                              **query, **args}
    for key, value in (("host", db.parts.hostname), ("port", db.parts.port),
                       ("user", db.username), ("password", db.password),
                       ("dbname", db.database)):
        if value is not None:
            kwargs[key] = value
    return kwargs


class _Extensions:
    def available(self, conn: Connection, names: list[str]
                  ) -> dict[str, tuple[str | None, str | None]]:
        import sqlalchemy

        rows = conn.execute(sqlalchemy.text(
            "SELECT coalesce(a.name, e.extname), a.default_version, e.extversion "
            "FROM pg_available_extensions a FULL JOIN pg_extension e ON e.extname = a.name "
            "WHERE coalesce(a.name, e.extname) = ANY(:names)"), {"names": names}).all()
        return {str(r[0]): (r[1], r[2]) for r in rows}

    def installed(self, conn: Connection) -> list[tuple[str, str]]:
        import sqlalchemy

        rows = conn.execute(sqlalchemy.text(
            "SELECT extname, extversion FROM pg_extension ORDER BY extname")).all()
        return [(str(r[0]), str(r[1])) for r in rows]

    def create(self, conn: Connection, name: str, schema: str | None) -> None:
        import sqlalchemy

        where = f" SCHEMA {_quote(schema)}" if schema else ""
        conn.execute(sqlalchemy.text(f"CREATE EXTENSION IF NOT EXISTS {_quote(name)}{where}"))

    def update(self, conn: Connection, name: str) -> None:
        import sqlalchemy

        conn.execute(sqlalchemy.text(f"ALTER EXTENSION {_quote(name)} UPDATE"))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PostgreSQL(server.ServerDialect):
    entry = BY_NAME["postgresql"]
    extensions: Extensions | None = _Extensions()
    maintenance = "postgres"
    exists_sql = "SELECT 1 FROM pg_database WHERE datname = :name"
    create_sql = 'CREATE DATABASE "{name}"'
    drop_sql = 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    grant = "ask an admin to run CREATE DATABASE, or grant CREATEDB to the role"

    def refused(self, text: str) -> bool:
        return "permission denied to create database" in text

    # -- connecting --------------------------------------------------------------------
    def connect(self, db: DatabaseURL, *, autocommit: bool, create: bool, interruptible: bool,
                args: dict[str, Any]) -> Any:
        from pitstop.db.connect import engine_connect

        params = libpq_params(db, args)
        if params is None:
            conn = engine_connect(db, **args)
        else:
            import psycopg

            from pitstop.db.url import translate_error

            try:
                conn = psycopg.connect(**params)
            except psycopg.Error as exc:
                raise translate_error(exc, db) from exc
        if autocommit:
            conn.autocommit = True
        return conn

    def reader(self, db: DatabaseURL, args: dict[str, Any]) -> Any | None:
        from pitstop.db import libpq
        from pitstop.db.url import require_driver, translate_error

        params = libpq_params(db, args)
        if params is None or not libpq.available():
            return None
        require_driver(db.dialect)
        try:
            timeout = float(params["connect_timeout"])
        except ValueError:
            return None  # let psycopg report the bad value
        try:
            return libpq.Connection(params, timeout if timeout > 0 else 86400.0)
        except libpq.LibpqError as exc:
            raise translate_error(exc, db) from exc

    def engine_args(self, db: DatabaseURL, *, connect_timeout: float,
                    query_timeout: float | None) -> dict[str, Any]:
        args: dict[str, Any] = {"connect_timeout": max(1, int(connect_timeout)),
                                "application_name": "pitstop"}
        if query_timeout is not None:
            args["options"] = f"-c statement_timeout={int(query_timeout * 1000)}"
        return args

    def check_options(self, db: DatabaseURL, engine: Engine | None = None) -> None:
        return None  # libpq names a bad option itself (see translate_error)

    # -- the lock ----------------------------------------------------------------------
    def lock(self, db: DatabaseURL, name: str, timeout: float, *, owner: str,
             others: str) -> server.SessionLock:
        from pitstop.db.connect import connect
        from pitstop.db.lock import poll

        key = zlib.crc32(name.encode()) & 0x7FFFFFFF
        conn = connect(db, autocommit=True, application_name=owner)

        def try_once() -> bool:
            row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (_CLASS_ID, key)).fetchone()
            return bool(row and row[0])

        def holder() -> str:
            row = conn.execute(
                "SELECT a.pid, a.application_name, a.backend_start, a.client_addr "
                "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s "
                "AND l.objid = %s AND l.database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())",
                (_CLASS_ID, key)).fetchone()
            if row is None:
                return "holder unknown"
            since = row[2].isoformat(timespec="seconds") if row[2] else "?"
            return f"server pid {row[0]}, application '{row[1]}', from {row[3] or 'local'}, " \
                   f"since {since}"

        try:
            poll(try_once, timeout, holder, f"postgresql at {db.host}/{db.database or ''}",
                 others)
        except BaseException:
            conn.close()
            raise
        return server.SessionLock(conn)


DIALECT: Dialect = PostgreSQL()
