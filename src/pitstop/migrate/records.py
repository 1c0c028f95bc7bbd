"""The history table in the target database (``pitstop_migrations`` by default).

One row per applied, failed, baselined or undone migration; the newest row of a
version (or of a repeatable migration's description) tells its state.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from pitstop.errors import MigrationError, PermissionDeniedError
from pitstop.migrate.dialects import Dialect

COLUMNS = ("id", "version", "description", "type", "file", "checksum", "applied_at",
           "applied_by", "execution_ms", "success", "statements_applied", "statements_total",
           "failed_statement", "error")
_INSERT_COLUMNS = COLUMNS[1:6] + COLUMNS[7:]


@dataclasses.dataclass(frozen=True)
class HistoryRecord:
    """One row of the history table."""

    id: int
    version: str | None
    description: str
    type: str
    """``versioned``, ``repeatable``, ``baseline``, ``undo`` or ``imported``."""
    file: str | None
    checksum: str | None
    applied_at: str
    applied_by: str | None
    execution_ms: int | None
    success: bool
    statements_applied: int | None = None
    statements_total: int | None = None
    failed_statement: str | None = None
    error: str | None = None


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        stamp: str = value.astimezone(dt.UTC).isoformat(timespec="milliseconds")
        return stamp.replace("+00:00", "Z")
    text: str = f"{value}"
    return text


F = TypeVar("F", bound=Callable[..., Any])


def guarded(func: F) -> F:
    """Turn a driver error on the history table into a pitstop error naming the table."""

    @functools.wraps(func)
    def wrapper(conn: Any, dialect: Dialect, table: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(conn, dialect, table, *args, **kwargs)
        except dialect.error_types as exc:
            if str(exc) == "interrupted":  # Ctrl-C let in by SQLite's progress handler
                raise KeyboardInterrupt from exc
            text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            lowered = text.lower()
            if any(s in lowered for s in ("permission denied", "access denied", "readonly",
                                          "read-only", "command denied")):
                raise PermissionDeniedError(
                    f"history table {table}: {text}",
                    hint="the database user needs to create and write this table") from exc
            raise MigrationError(f"history table {table}: {text}") from exc

    return wrapper  # type: ignore[return-value]


@guarded
def ensure_table(conn: Any, dialect: Dialect, table: str) -> None:
    if not dialect.table_exists(conn, table):
        cur = conn.cursor()
        cur.execute(dialect.history_ddl(table))
        cur.close()


@guarded
def read_history(conn: Any, dialect: Dialect, table: str) -> list[HistoryRecord] | None:
    """Every row, oldest first; ``None`` when the table does not exist."""
    if not dialect.table_exists(conn, table):
        return None
    cur = conn.cursor()
    cur.execute(f"SELECT {', '.join(COLUMNS)} FROM {table} ORDER BY id")
    rows = cur.fetchall()
    cur.close()
    return [
        HistoryRecord(int(r[0]), r[1], r[2], r[3], r[4], r[5], _iso(r[6]), r[7], r[8],
                      bool(r[9]), r[10], r[11], r[12], r[13])
        for r in rows
    ]


def insert_sql(dialect: Dialect, table: str) -> str:
    marks = ", ".join([dialect.param] * len(_INSERT_COLUMNS))
    return f"INSERT INTO {table} ({', '.join(_INSERT_COLUMNS)}) VALUES ({marks})"


def insert_values(
    *, version: str | None, description: str, type: str, file: str | None,
    checksum: str | None, applied_by: str, execution_ms: object, success: bool,
    statements_applied: int | None = None, statements_total: int | None = None,
    failed_statement: str | None = None, error: str | None = None,
) -> tuple[Any, ...]:
    return (version, description, type, file, checksum, applied_by, execution_ms, success,
            statements_applied, statements_total, failed_statement, error)


@guarded
def insert(cur: Any, dialect: Dialect, table: str, values: tuple[Any, ...]) -> int:
    """Insert a row and return its id."""
    sql = insert_sql(dialect, table)
    if dialect.returning_id:
        cur.execute(sql + " RETURNING id", values)
        return int(cur.fetchone()[0])
    cur.execute(sql, values)
    return int(cur.lastrowid)


@guarded
def update(cur: Any, dialect: Dialect, table: str, row_id: int, **fields: Any) -> None:
    sets = ", ".join(f"{name} = {dialect.param}" for name in fields)
    cur.execute(f"UPDATE {table} SET {sets} WHERE id = {dialect.param}",
                (*fields.values(), row_id))


@guarded
def delete(cur: Any, dialect: Dialect, table: str, row_ids: list[int]) -> None:
    for row_id in row_ids:
        cur.execute(f"DELETE FROM {table} WHERE id = {dialect.param}", (row_id,))
