"""SQL helpers shared by the server dumpers (PostgreSQL, MySQL/MariaDB): counting
tables and rows, and scratch databases, over :mod:`pitstop.db` connections."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from pitstop.backup.dumpers import DatabaseState
from pitstop.db.url import DatabaseURL, translate_error

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


def connection(db: DatabaseURL, *, autocommit: bool = False
               ) -> contextlib.AbstractContextManager[Any]:
    """A SQLAlchemy connection to ``db`` (:func:`pitstop.db.connect.session`)."""
    from pitstop.db.connect import session

    return session(db, autocommit=autocommit)


def inspect_server(db: DatabaseURL, tables_sql: str, quote: Callable[[str], str]
                   ) -> DatabaseState:
    """Count rows of every table listed by ``tables_sql`` (rows of schema, name)."""
    import sqlalchemy

    with connection(db) as conn:  # failures leave translated, naming the host
        names = [(str(r[0]), str(r[1])) for r in conn.execute(sqlalchemy.text(tables_sql))]
        counts = []
        for schema, name in names:
            qualified = f"{quote(schema)}.{quote(name)}"
            count = conn.execute(sqlalchemy.text(f"SELECT count(*) FROM {qualified}")).scalar()
            counts.append((f"{schema}.{name}", int(count or 0)))
    return DatabaseState(len(counts), sum(c for _, c in counts), "ok", tuple(counts))


@contextlib.contextmanager
def scratch(db: DatabaseURL) -> Iterator[DatabaseURL]:
    """A new empty database on ``db``'s server, dropped on exit."""
    from pitstop.db.databases import create_database, drop_database

    other = db.with_database(f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:12]}")
    create_database(other)
    try:
        yield other
    finally:
        drop_database(other)
