"""What differs between databases for the migration engine, behind one small
interface.

One module per dialect (:mod:`.sqlite`, :mod:`.postgresql`, :mod:`.mysql`), named
after the dialect of :mod:`pitstop.db.dialects` that the URL's scheme picks
(:func:`dialect_for`).  Connections, the runner lock and knowing whether a database
exists come from :mod:`pitstop.db` (:class:`DatabaseAccess`); what is here is the
migration engine's own: the history table, transactions, session resets, error
positions.  Connections are raw DBAPI connections in autocommit mode; transactions
are opened explicitly with :attr:`Dialect.begin`.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Any, Protocol

from pitstop.errors import ConfigError
from pitstop.migrate.splitter import Statement

if TYPE_CHECKING:
    from pitstop.db.dialects.interface import Lock


class ScriptFailure(Exception):
    """A whole-script run failed; ``offset`` (when the server told) is in the script."""

    def __init__(self, cause: BaseException, offset: int | None) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.offset = offset


class Elapsed:
    """Stands for ``execution_ms`` in a history row written in the same round trip as the
    migration; each dialect renders it as an expression the server evaluates at insert."""

    def __init__(self, started_wall: float) -> None:
        self.started_wall = started_wall

    def millis(self) -> int:
        import time

        return int((time.time() - self.started_wall) * 1000)


class Dialect(Protocol):
    name: str
    transactional_ddl: bool
    """``True`` when DDL can be rolled back (PostgreSQL, SQLite)."""
    begin: str
    param: str
    """DBAPI placeholder: ``?`` or ``%s``."""
    mysql_syntax: bool
    dollar_quotes: bool
    """``$$…$$`` / ``$tag$…$tag$`` are string literals (PostgreSQL)."""
    """``#`` comments, backslash escapes in every string, ``DELIMITER`` lines."""
    returning_id: bool
    """``True`` when ``INSERT … RETURNING id`` gives the new row's id."""
    error_types: tuple[type[BaseException], ...]

    def connect(self, url: str, *, purpose: str) -> Any:
        """A DBAPI connection in autocommit mode (``ConnectError`` when unreachable).

        ``purpose``: ``migrate`` (runs migrations), ``lock`` (holds the runner lock),
        ``read`` (reads anything), ``history`` (only reads the history table: may be a
        lighter connection with just ``cursor``/``execute``/``fetchall``/``fetchone``)."""

    def close(self, conn: Any) -> None: ...

    def database_missing(self, url: str) -> bool:
        """``True`` when connecting would create the database (a SQLite file not there yet)."""

    def history_ddl(self, table: str) -> str: ...

    def table_exists(self, conn: Any, table: str) -> bool: ...

    def restore_session(self, conn: Any, table: str, sql: str) -> None:
        """After a migration whose ``sql`` may have changed session state (``SET
        search_path``, ``SET ROLE``, ``USE db``), put it back as the run found it, so every
        migration starts alike whether it runs alone or in a batch."""

    def qualified(self, conn: Any, table: str) -> str:
        """``table`` qualified with the schema/database ``conn`` uses now, so a migration
        that changes ``search_path`` (or ``USE``s another database) cannot move the
        history rows elsewhere."""

    def run_transaction(self, conn: Any, sql: str, insert: str,
                        params: tuple[Any, ...]) -> None:
        """Run the script ``sql`` and the history ``insert`` in one transaction, in as few
        round trips as the driver allows.  On failure the transaction is rolled back and
        :class:`ScriptFailure` raised."""

    def lock(self, url: str, table: str, timeout: float) -> Lock:
        """Wait up to ``timeout`` seconds for the runner lock (``ConnectError`` naming the
        holder when it is not granted)."""

    def runs_outside_transaction(self, statement: Statement) -> bool:
        """``True`` for a statement the server refuses inside a transaction."""

    def error_position(self, exc: BaseException) -> tuple[int | None, int | None]:
        """``(offset in the executed text, line in the executed text)`` where known."""

    def refused(self, exc: BaseException) -> bool:
        """``True`` when the database refused a statement for want of permission: it is
        read-only, or the user lacks a privilege (the migration is not at fault)."""

    def user(self, url: str) -> str:
        """Who is applying (recorded as ``applied_by``)."""


def dialect_for(url: str) -> Dialect:
    """The migration dialect for a database URL (the dialect its scheme names)."""
    from pitstop.db.dialects import implementation
    from pitstop.db.url import parse_url

    name = parse_url(url).dialect
    module = implementation("pitstop.migrate.dialects.{dialect}", name)
    if module is None:
        raise ConfigError(f"pitstop cannot migrate {name} databases", key="database_url")
    dialect: Dialect = module.DIALECT
    return dialect


def application_name() -> str:
    """Who holds the runner lock, as waiting runners see it."""
    return f"pitstop-migrate pid {os.getpid()} on {socket.gethostname()}"[:63]


class DatabaseAccess:
    """What every migration dialect gets from :mod:`pitstop.db`: connections, the
    runner lock, whether the database exists, who is applying."""

    def close(self, conn: Any) -> None:
        conn.close()

    def database_missing(self, url: str) -> bool:
        from pitstop.db.connect import database_missing

        return database_missing(url)

    def lock(self, url: str, table: str, timeout: float) -> Lock:
        from pitstop.db.lock import lock, migration_lock_name

        return lock(url, migration_lock_name(table), timeout, holder=application_name(),
                    others="another migration runner")

    def user(self, url: str) -> str:
        """``user@host`` of the database user."""
        from pitstop.db.url import parse_url

        return f"{parse_url(url).username or '?'}@{socket.gethostname()}"
