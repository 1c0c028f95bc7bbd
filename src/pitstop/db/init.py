"""``db-init``: create the database named in the URL when it does not exist yet.

One small creator per dialect, chosen from a registry keyed by dialect.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from pitstop.db.url import DatabaseURL, create_engine, parse_url, translate_error
from pitstop.errors import ConfigError, PermissionDeniedError, PitstopError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@dataclasses.dataclass(frozen=True)
class DbInitResult:
    database: str  # masked URL
    dialect: str
    created: bool
    dry_run: bool = False

    @property
    def message(self) -> str:
        if self.dry_run:
            return f"would create {self.database}" if self.created else \
                f"{self.database} already exists"
        return f"created {self.database}" if self.created else f"{self.database} already exists"


_IDENT = re.compile(r"^[A-Za-z0-9_\-$]+$")


def _admin_engine(db: DatabaseURL, admin_db: str | None, timeout: float) -> Engine:
    import sqlalchemy

    url = db.with_database(admin_db) if admin_db is not None else db
    return create_engine(url, connect_timeout=timeout, isolation_level="AUTOCOMMIT",
                         poolclass=sqlalchemy.pool.NullPool)


def _sqlite(db: DatabaseURL, dry_run: bool, timeout: float) -> bool:
    import sqlite3

    path = db.sqlite_path
    if path is None:
        return False
    if path.exists():
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
                           hint="check the path in database_url / --database") from exc
    return True


def _postgresql(db: DatabaseURL, dry_run: bool, timeout: float) -> bool:
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    name = db.database or ""
    engine = _admin_engine(db, "postgres", timeout)
    try:
        with engine.connect() as conn:
            exists = conn.execute(sqlalchemy.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": name}).scalar()
            if exists or dry_run:
                return not exists
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            return True
    except SQLAlchemyError as exc:
        text = str(getattr(exc, "orig", exc)).lower()
        if "permission denied to create database" in text:
            raise PermissionDeniedError(
                f"the user may not create database '{name}' on {db.host}",
                hint="ask an admin to run CREATE DATABASE, or grant CREATEDB to the role",
            ) from exc
        if "already exists" in text or "pg_database_datname_index" in text:
            return False  # created by someone else between our check and CREATE
        raise translate_error(exc, db) from exc
    finally:
        engine.dispose()


def _mysql(db: DatabaseURL, dry_run: bool, timeout: float) -> bool:
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    name = db.database or ""
    engine = _admin_engine(db, "", timeout)
    try:
        with engine.connect() as conn:
            exists = conn.execute(sqlalchemy.text(
                "SELECT 1 FROM information_schema.schemata WHERE schema_name = :n"),
                {"n": name}).scalar()
            if exists or dry_run:
                return not exists
            conn.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS `{name}`")
            return True
    except SQLAlchemyError as exc:
        text = str(getattr(exc, "orig", exc)).lower()
        if "access denied" in text and "password" not in text:
            raise PermissionDeniedError(
                f"the user may not create database '{name}' on {db.host}",
                hint="GRANT CREATE ON *.* to the user, or create the database as admin",
            ) from exc
        raise translate_error(exc, db) from exc
    finally:
        engine.dispose()


CREATORS: dict[str, Callable[[DatabaseURL, bool, float], bool]] = {
    "sqlite": _sqlite,
    "postgresql": _postgresql,
    "mysql": _mysql,
}


def init_database(url: str, *, dry_run: bool = False, timeout: float = 10.0) -> DbInitResult:
    """Create the database of ``url`` if it does not exist; report what happened."""
    db = parse_url(url)
    if db.dialect != "sqlite" and (not db.database or not _IDENT.match(db.database)):
        raise ConfigError(
            f"the database name {db.database!r} in {db.masked} is missing or unusual; "
            "expected letters, digits, '_', '-' or '$'",
            key="database_url",
        )
    created = CREATORS[db.dialect](db, dry_run, timeout)
    return DbInitResult(db.masked, db.dialect, created, dry_run)
