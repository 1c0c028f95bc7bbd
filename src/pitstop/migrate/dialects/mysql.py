"""MySQL/MariaDB: DDL commits implicitly, so statements run one by one and progress is
recorded.  Connections and the runner lock come from :mod:`pitstop.db`."""

from __future__ import annotations

import re
from typing import Any

from pitstop.migrate.dialects import DatabaseAccess, Elapsed, ScriptFailure
from pitstop.migrate.splitter import Statement, split_sql

_AT_LINE = re.compile(r"at line (\d+)")
_USE = re.compile(r"\bUSE\b", re.IGNORECASE)
# access denied to a database, a table, a column, a routine; needs SUPER or another
# privilege; --read-only; InnoDB read-only mode
_REFUSED = (1044, 1142, 1143, 1370, 1227, 1290, 1836)


class MySQLDialect(DatabaseAccess):
    name = "mysql"
    transactional_ddl = False
    begin = "START TRANSACTION"
    param = "%s"
    mysql_syntax = True
    dollar_quotes = False
    returning_id = False

    @property
    def error_types(self) -> tuple[type[BaseException], ...]:
        import pymysql

        return (pymysql.err.Error,)

    def connect(self, url: str, *, purpose: str) -> Any:
        from pitstop.db.connect import connect

        return connect(url, autocommit=True)

    def history_ddl(self, table: str) -> str:
        return (
            f"CREATE TABLE IF NOT EXISTS {table} ("
            "id BIGINT AUTO_INCREMENT PRIMARY KEY, version VARCHAR(128), "
            "description VARCHAR(512) NOT NULL, type VARCHAR(16) NOT NULL, "
            "file VARCHAR(1024), checksum VARCHAR(64), "
            "applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), "
            "applied_by VARCHAR(256), execution_ms INTEGER, success BOOLEAN NOT NULL, "
            "statements_applied INTEGER, statements_total INTEGER, failed_statement MEDIUMTEXT, "
            "error TEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        )

    def run_transaction(self, conn: Any, sql: str, insert: str,
                        params: tuple[Any, ...]) -> None:
        import pymysql

        with conn.cursor() as cur:
            try:
                cur.execute("START TRANSACTION")
                for statement in split_sql(sql, mysql=True):
                    cur.execute(statement.text)
                cur.execute(insert, tuple(v.millis() if isinstance(v, Elapsed) else v
                                          for v in params))
                cur.execute("COMMIT")
            except pymysql.err.Error as exc:
                cur.execute("ROLLBACK")
                raise ScriptFailure(exc, None) from exc

    def restore_session(self, conn: Any, table: str, sql: str) -> None:
        schema, dot, _ = table.rpartition(".")
        if dot and _USE.search(sql):
            with conn.cursor() as cur:
                cur.execute(f"USE {schema}")

    def qualified(self, conn: Any, table: str) -> str:
        with conn.cursor() as cur:
            cur.execute("SELECT DATABASE()")
            row = cur.fetchone()
        if not row or not row[0]:
            return table
        return "`" + str(row[0]).replace("`", "``") + "`." + table

    def table_exists(self, conn: Any, table: str) -> bool:
        schema, dot, name = table.rpartition(".")
        with conn.cursor() as cur:
            if dot:
                cur.execute("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                            "AND TABLE_NAME = %s",
                            (schema[1:-1].replace("``", "`"), name))
            else:
                cur.execute("SELECT 1 FROM information_schema.TABLES "
                            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s", (table,))
            return cur.fetchone() is not None

    def runs_outside_transaction(self, statement: Statement) -> bool:
        return True  # every statement runs on its own

    def error_position(self, exc: BaseException) -> tuple[int | None, int | None]:
        match = _AT_LINE.search(str(exc))
        return (None, int(match.group(1))) if match else (None, None)

    def refused(self, exc: BaseException) -> bool:
        args: tuple[Any, ...] = getattr(exc, "args", ())
        return bool(args) and args[0] in _REFUSED


DIALECT = MySQLDialect()
