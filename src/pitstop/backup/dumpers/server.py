"""SQL helpers shared by the server dumpers (PostgreSQL, MySQL/MariaDB): counting
tables and rows, and creating/dropping scratch databases, through SQLAlchemy."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from pitstop.backup.dumpers import DatabaseState
from pitstop.db.url import DatabaseURL, create_engine, translate_error

SCRATCH_PREFIX = "pitstop_verify_"


def statement_error(exc: BaseException, db: DatabaseURL, doing: str) -> Exception:
    """A failed SQL statement as a pitstop error: lost connections and missing
    privileges as :func:`translate_error` maps them, anything else as a
    :class:`BackupError` saying what pitstop was doing."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    from pitstop.errors import BackupError, PermissionDeniedError
    from pitstop.redact import mask_url

    translated = translate_error(exc, db)
    if isinstance(translated, PermissionDeniedError) or (
            isinstance(exc, (InterfaceError, OperationalError))
            and not getattr(getattr(exc, "orig", None), "sqlstate", None)):
        return translated
    orig = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return BackupError(f"{doing} {db.masked}: {mask_url(orig[0]) if orig else type(exc).__name__}")


@contextlib.contextmanager
def connection(db: DatabaseURL, *, autocommit: bool = False) -> Iterator[Any]:
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    kwargs: dict[str, Any] = {"poolclass": sqlalchemy.pool.NullPool}
    if autocommit:
        kwargs["isolation_level"] = "AUTOCOMMIT"
    engine = create_engine(db, **kwargs)
    try:
        try:
            conn = engine.connect()
        except SQLAlchemyError as exc:
            raise translate_error(exc, db) from exc
        with conn:
            yield conn
    finally:
        engine.dispose()


def inspect_server(db: DatabaseURL, tables_sql: str, quote: Callable[[str], str]
                   ) -> DatabaseState:
    """Count rows of every table listed by ``tables_sql`` (rows of schema, name)."""
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    with connection(db) as conn:
        try:
            names = [(str(r[0]), str(r[1])) for r in conn.execute(sqlalchemy.text(tables_sql))]
            counts = []
            for schema, name in names:
                qualified = f"{quote(schema)}.{quote(name)}"
                count = conn.execute(sqlalchemy.text(f"SELECT count(*) FROM {qualified}")).scalar()
                counts.append((f"{schema}.{name}", int(count or 0)))
        except SQLAlchemyError as exc:
            raise translate_error(exc, db) from exc
    return DatabaseState(len(counts), sum(c for _, c in counts), "ok", tuple(counts))


def database_exists(db: DatabaseURL, admin: DatabaseURL, exists_sql: str) -> bool:
    import sqlalchemy

    with connection(admin) as conn:
        row = conn.execute(sqlalchemy.text(exists_sql), {"name": db.database}).first()
        return row is not None


def execute_admin(admin: DatabaseURL, statement: str) -> None:
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    with connection(admin, autocommit=True) as conn:
        try:
            conn.execute(sqlalchemy.text(statement))
        except SQLAlchemyError as exc:
            raise translate_error(exc, admin) from exc


def scratch_name() -> str:
    return f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:12]}"
