"""MySQL and MariaDB through PyMySQL.  Locks are ``GET_LOCK`` on a connection of their
own (named per database: ``GET_LOCK`` names are server-wide); databases are created
from a connection to no database in particular.

PyMySQL stumbles with a traceback on some URL options (an unknown keyword, a value of
the wrong type, an unknown charset, a certificate file that is not there):
:meth:`MySQL.check_options` refuses them first, naming the option.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop.db.dialects import BY_NAME, server

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pitstop.db.dialects.interface import Dialect, Extensions
    from pitstop.db.url import DatabaseURL

_FILES = ("ssl_ca", "ssl_cert", "ssl_key", "ssl_capath", "read_default_file")
_DIRECT = {"charset", "unix_socket"}
"""URL options a direct PyMySQL connection takes as they are."""


class MySQL(server.ServerDialect):
    entry = BY_NAME["mysql"]
    extensions: Extensions | None = None
    maintenance = ""  # no database in particular
    exists_sql = "SELECT 1 FROM information_schema.schemata WHERE schema_name = :name"
    create_sql = "CREATE DATABASE IF NOT EXISTS `{name}`"
    drop_sql = "DROP DATABASE IF EXISTS `{name}`"
    grant = "GRANT CREATE ON *.* to the user, or create the database as admin"

    def refused(self, text: str) -> bool:
        return "access denied" in text and "password" not in text

    # -- connecting --------------------------------------------------------------------
    def connect(self, db: DatabaseURL, *, autocommit: bool, create: bool, interruptible: bool,
                args: dict[str, Any]) -> Any:
        from pitstop.db.connect import engine_connect

        query = dict(db.parts.query)
        if not set(query) <= _DIRECT:
            conn = engine_connect(db, **args)
        else:
            import pymysql
            from pymysql.constants import CLIENT

            from pitstop.db.url import translate_error

            self.check_options(db)
            options: dict[str, Any] = {"host": db.parts.hostname or "localhost",
                                       "user": db.username, "password": db.password or "",
                                       "database": db.database, "connect_timeout": 10,
                                       "client_flag": CLIENT.FOUND_ROWS, **args}
            if db.parts.port is not None:
                options["port"] = db.parts.port
            for key in _DIRECT & set(query):
                options[key] = query[key]
            try:
                conn = pymysql.connect(**options)
            except pymysql.err.Error as exc:
                raise translate_error(exc, db) from exc
        if autocommit:
            conn.autocommit(True)
        return conn

    def engine_args(self, db: DatabaseURL, *, connect_timeout: float,
                    query_timeout: float | None) -> dict[str, Any]:
        args: dict[str, Any] = {"connect_timeout": max(1, int(connect_timeout))}
        if query_timeout is not None:
            seconds = max(1, round(query_timeout))
            args.update(read_timeout=seconds, write_timeout=seconds)
        return args

    def check_options(self, db: DatabaseURL, engine: Engine | None = None) -> None:
        from pitstop.db.url import option_error, option_problem

        query = dict(db.parts.query)
        if not query:
            return
        charset = query.get("charset")
        if isinstance(charset, str):
            from pymysql.charset import charset_by_name

            if charset_by_name(charset) is None:
                raise option_problem(db, "charset", f"unknown character set {charset!r}")
        for name in _FILES:
            value = query.get(name)
            if isinstance(value, str) and not Path(value).exists():
                raise option_problem(db, name, f"{value}: no such file")
        if engine is None:
            return
        import inspect

        import pymysql

        try:
            _, params = engine.dialect.create_connect_args(engine.url)
        except (ValueError, TypeError) as exc:
            raise option_error(exc, db) or option_problem(db, ", ".join(query), str(exc)
                                                          ) from None
        accepted = inspect.signature(pymysql.connections.Connection.__init__).parameters
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
            return
        for name in params:
            if name not in accepted:
                raise option_problem(db, name, "PyMySQL has no such connection option")

    # -- the lock ----------------------------------------------------------------------
    def lock(self, db: DatabaseURL, name: str, timeout: float, *, owner: str,
             others: str) -> server.SessionLock:
        from pitstop.db.connect import connect
        from pitstop.db.lock import poll

        conn = connect(db, autocommit=True)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT DATABASE()")
                database = cur.fetchone()[0]
        except BaseException:
            conn.close()
            raise
        lock_name = f"{name}:{database}"[:64]

        def try_once() -> bool:
            with conn.cursor() as cur:
                cur.execute("SELECT GET_LOCK(%s, 0)", (lock_name,))
                row = cur.fetchone()
            return bool(row and row[0] == 1)

        def holder() -> str:
            with conn.cursor() as cur:
                cur.execute("SELECT p.ID, p.USER, p.HOST, p.TIME "
                            "FROM information_schema.PROCESSLIST p "
                            "WHERE p.ID = IS_USED_LOCK(%s)", (lock_name,))
                row = cur.fetchone()
            if row is None:
                return "holder unknown"
            return f"connection {row[0]} of {row[1]}@{row[2]}, connected {row[3]}s ago"

        try:
            poll(try_once, timeout, holder, f"mysql at {db.host}/{db.database or ''}", others)
        except BaseException:
            conn.close()
            raise
        return server.SessionLock(conn)


DIALECT: Dialect = MySQL()
