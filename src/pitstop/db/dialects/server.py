"""What the server dialects (PostgreSQL, MySQL/MariaDB) share: reading the version,
answering a wait, and creating or dropping a database from a maintenance connection
(:class:`ServerDialect`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pitstop.errors import ConfigError, PermissionDeniedError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pitstop.db.url import DatabaseURL

_NAME = re.compile(r"^[A-Za-z0-9_\-$]+$")


def database_name(db: DatabaseURL) -> str:
    """The database the URL names, if it is one pitstop may create or drop."""
    if not db.database or not _NAME.match(db.database):
        raise ConfigError(
            f"the database name {db.database!r} in {db.masked} is missing or unusual; "
            "expected letters, digits, '_', '-' or '$'",
            key="database_url",
        )
    return db.database


class SessionLock:
    """A lock held by a session of its own: closing the connection releases it."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def release(self) -> None:
        try:
            self._conn.close()
        except Exception:  # noqa: BLE001 - the connection may already be gone
            pass


class ServerDialect:
    """What a database server's dialect does alike: nothing is known about a database
    before connecting; the version is read over one connection; databases are created
    and dropped from a connection to the :attr:`maintenance` database."""

    maintenance: str
    """The database to connect to for creating and dropping others."""
    exists_sql: str
    """Finds a database by ``:name``."""
    create_sql: str
    drop_sql: str
    """``CREATE``/``DROP DATABASE`` statements with ``{name}`` for the checked name."""
    grant: str
    """What to ask for when the role may not create databases."""

    def refused(self, text: str) -> bool:
        """Whether a failed ``CREATE DATABASE`` (its lower-cased message) was refused
        for want of a privilege."""
        raise NotImplementedError

    def reader(self, db: DatabaseURL, args: dict[str, Any]) -> Any | None:
        return None

    def prepare_engine(self, engine: Engine, *, shared: bool) -> None:
        return None

    def missing(self, db: DatabaseURL) -> bool:
        return False  # only connecting tells

    def version(self, db: DatabaseURL, timeout: float) -> str:
        """``SELECT 1`` on one connection; the server's version as SQLAlchemy reads it."""
        import sqlalchemy

        from pitstop.db.connect import session

        with session(db, timeout=timeout) as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
            info = conn.engine.dialect.server_version_info or ()
        return ".".join(str(part) for part in info)

    def ping(self, db: DatabaseURL, timeout: float) -> str:
        return f"{db.dialect} {self.version(db, timeout)} at {db.host}"

    def create_database(self, db: DatabaseURL, *, dry_run: bool, timeout: float) -> bool:
        import sqlalchemy
        from sqlalchemy.exc import SQLAlchemyError

        from pitstop.db.connect import session

        name = database_name(db)
        with session(db.with_database(self.maintenance), timeout=timeout,
                     autocommit=True) as conn:
            try:
                found = conn.execute(sqlalchemy.text(self.exists_sql), {"name": name}).scalar()
                if found or dry_run:
                    return not found
                conn.exec_driver_sql(self.create_sql.format(name=name))
                return True
            except SQLAlchemyError as exc:
                text = str(getattr(exc, "orig", exc)).lower()
                if self.refused(text):
                    raise PermissionDeniedError(
                        f"the user may not create database '{name}' on {db.host}",
                        hint=self.grant) from exc
                if "already exists" in text or "pg_database_datname_index" in text:
                    return False  # created by someone else between the check and CREATE
                raise

    def drop_database(self, db: DatabaseURL, *, timeout: float) -> None:
        from pitstop.db.connect import session

        name = database_name(db)
        with session(db.with_database(self.maintenance), timeout=timeout,
                     autocommit=True) as conn:
            conn.exec_driver_sql(self.drop_sql.format(name=name))
