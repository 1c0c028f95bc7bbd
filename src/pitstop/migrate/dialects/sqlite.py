"""SQLite: transactional DDL, one call into SQLite for a whole file and its history
row, no SQLAlchemy needed.  Connections (interruptible by Ctrl-C while migrating) and
the runner lock (a file lock next to the database) come from :mod:`pitstop.db`.
"""

from __future__ import annotations

import os
import pwd
import re
import socket
import sqlite3
from typing import Any

from pitstop.migrate.dialects import DatabaseAccess, Elapsed, ScriptFailure
from pitstop.migrate.splitter import Statement

_OUTSIDE = re.compile(r"\s*VACUUM\b", re.IGNORECASE)
_REFUSED = (3, 8, 23)  # SQLITE_PERM, SQLITE_READONLY (and its extended codes), SQLITE_AUTH


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, Elapsed):  # julianday('now') is the time of the INSERT
        start = value.started_wall / 86400.0 + 2440587.5
        return f"CAST((julianday('now') - {start!r}) * 86400000 AS INTEGER)"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


class SQLiteDialect(DatabaseAccess):
    name = "sqlite"
    transactional_ddl = True
    begin = "BEGIN IMMEDIATE"
    param = "?"
    mysql_syntax = False
    dollar_quotes = False
    returning_id = False
    error_types: tuple[type[BaseException], ...] = (sqlite3.Error,)

    def connect(self, url: str, *, purpose: str) -> Any:
        from pitstop.db.connect import connect

        migrating = purpose == "migrate"
        return connect(url, autocommit=True, create=migrating, interruptible=migrating)

    def history_ddl(self, table: str) -> str:
        return (
            f"CREATE TABLE IF NOT EXISTS {table} ("
            "id INTEGER PRIMARY KEY, version TEXT, description TEXT NOT NULL, "
            "type TEXT NOT NULL, file TEXT, checksum TEXT, "
            "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), "
            "applied_by TEXT, execution_ms INTEGER, success INTEGER NOT NULL, "
            "statements_applied INTEGER, statements_total INTEGER, failed_statement TEXT, "
            "error TEXT)"
        )

    def run_transaction(self, conn: Any, sql: str, insert: str,
                        params: tuple[Any, ...]) -> None:
        # one call into SQLite for the whole file and its history row
        head = insert.partition(" VALUES ")[0]
        row = f"{head} VALUES ({', '.join(map(_literal, params))})"
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\n;\n{row};\nCOMMIT;")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if str(exc) == "interrupted":  # Ctrl-C, let in by the progress handler
                raise KeyboardInterrupt from exc
            raise ScriptFailure(exc, None) from exc
        if conn.in_transaction:  # an unterminated comment swallowed the COMMIT
            conn.execute("ROLLBACK")
            raise ScriptFailure(sqlite3.OperationalError(
                "the file does not end cleanly (an unterminated /* comment?)"), None)

    def restore_session(self, conn: Any, table: str, sql: str) -> None:
        return None  # nothing a migration sets can move the history table

    def qualified(self, conn: Any, table: str) -> str:
        return table  # ATTACH never changes where unqualified names go

    def table_exists(self, conn: Any, table: str) -> bool:
        row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           (table,)).fetchone()
        return row is not None

    def runs_outside_transaction(self, statement: Statement) -> bool:
        return bool(_OUTSIDE.match(statement.text))

    def error_position(self, exc: BaseException) -> tuple[int | None, int | None]:
        return None, None

    def refused(self, exc: BaseException) -> bool:
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in _REFUSED
        return "readonly database" in str(exc)

    def user(self, url: str) -> str:
        """``user@host`` of the local user (SQLite has no users of its own)."""
        try:
            name = pwd.getpwuid(os.getuid()).pw_name
        except KeyError:
            name = str(os.getuid())
        return f"{name}@{socket.gethostname()}"


DIALECT = SQLiteDialect()
