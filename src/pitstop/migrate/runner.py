"""Applying one migration (or its undo) with its history row.

Transactional mode (PostgreSQL, SQLite): ``BEGIN`` → the statements → the history row →
``COMMIT``; any error rolls all of it back.  Non-transactional mode (MySQL, files marked
no-transaction, files with ``CREATE INDEX CONCURRENTLY``/``VACUUM``/their own
``BEGIN``…``COMMIT``): a history row is written first as *failed, in progress*, each
statement runs on its own and the row's progress is updated, so a crash or ``kill -9``
leaves a failed row saying how far it got, never a silent half-applied migration.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any, Literal

from pitstop.migrate import records as history
from pitstop.migrate.dialects import Dialect, Elapsed, ScriptFailure
from pitstop.migrate.errors import (
    MigrationDeniedError,
    MigrationFailedError,
    MigrationInterruptedError,
)
from pitstop.migrate.layouts import Script
from pitstop.migrate.planner import maybe_outside
from pitstop.migrate.results import AppliedMigration, PlanStep
from pitstop.migrate.splitter import Statement, line_of, split_sql, unterminated

log = logging.getLogger("pitstop.migrate")
Direction = Literal["up", "down"]


class Work:
    """One script in one direction, with its SQL split lazily."""

    def __init__(self, script: Script, direction: Direction, sql: str, line: int,
                 dialect: Dialect) -> None:
        self.script = script
        self.direction = direction
        self.sql = sql
        self.line = line
        self._dialect = dialect
        self._statements: list[Statement] | None = None

    @property
    def statements(self) -> list[Statement]:
        if self._statements is None:
            self._statements = split_sql(self.sql, mysql=self._dialect.mysql_syntax)
        return self._statements

    @functools.cached_property
    def transactional(self) -> bool:
        if self.script.transactional is False or not self._dialect.transactional_ddl:
            return False
        if not maybe_outside(self.sql):
            return True
        return not any(s.controls_transaction or self._dialect.runs_outside_transaction(s)
                       for s in self.statements)

    def plan_step(self) -> PlanStep:
        return PlanStep(self.script.version, self.script.description, self.script.name,
                        self.direction, self.transactional, len(self.statements))


def _message(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _interrupted(exc: BaseException) -> bool:
    """SQLite's answer when its progress handler saw Ctrl-C (see ``dialects.sqlite``)."""
    return str(exc) == "interrupted"


class Runner:
    """Applies work on one connection; ``applied`` collects what succeeded."""

    def __init__(self, dialect: Dialect, conn: Any, table: str, applied_by: str) -> None:
        self.dialect = dialect
        self.conn = conn
        self.table = table
        self.applied_by = applied_by
        self.applied: list[AppliedMigration] = []
        self._progress = 0
        self._insert = history.insert_sql(dialect, table)

    def _row(self, work: Work, *, success: bool, ms: int | Elapsed | None,
             **extra: Any) -> tuple[Any, ...]:
        script = work.script
        kind = "undo" if work.direction == "down" else script.kind
        return history.insert_values(
            version=script.version, description=script.description, type=kind,
            file=script.name, checksum=script.checksum, applied_by=self.applied_by,
            execution_ms=ms, success=success, **extra)

    def run(self, work: Work) -> AppliedMigration:
        tx = work.transactional
        log.info("%s %s%s", "applying" if work.direction == "up" else "rolling back",
                 work.script.name, "" if tx else " (outside a transaction)")
        started = time.perf_counter()
        self._progress = 0
        try:
            count = (self._run_transactional(work, started) if tx
                     else self._run_statements(work, started))
        except KeyboardInterrupt:
            raise MigrationInterruptedError(
                file=work.script.name, transactional=tx, statements_applied=self._progress,
                statements_total=0 if tx else len(work.statements),
                direction=work.direction) from None
        except MigrationFailedError:
            self._restore(work)
            raise
        self._restore(work)
        ms = int((time.perf_counter() - started) * 1000)
        done = AppliedMigration(work.script.version, work.script.description, work.script.name,
                                work.direction, tx, count, ms)
        self.applied.append(done)
        return done

    def _restore(self, work: Work) -> None:
        try:
            self.dialect.restore_session(self.conn, self.table, work.sql)
        except self.dialect.error_types as exc:
            log.warning("could not reset the session after %s: %s", work.script.name,
                        _message(exc))

    def _run_transactional(self, work: Work, started: float) -> int | None:
        elapsed = Elapsed(time.time())
        try:
            self.dialect.run_transaction(self.conn, work.sql, self._insert,
                                         self._row(work, success=True, ms=elapsed))
        except ScriptFailure as failure:
            if failure.offset is not None:
                statement = next((s for s in work.statements
                                  if s.start <= failure.offset <= s.end), None)
                line: int | None = work.line + line_of(work.sql, failure.offset) - 1
            else:
                statement, line = self._replay(work)
            note = None
            open_at = unterminated(work.sql, dollar=self.dialect.dollar_quotes)
            if open_at is not None:  # the server's complaint is about what came after it
                what, offset = open_at
                line = work.line + line_of(work.sql, offset) - 1
                statement = next((s for s in work.statements if s.start <= offset <= s.end),
                                 statement)
                note = f"unterminated {what} (the server said: {_message(failure.cause)})"
            raise self._failure(work, failure.cause, statement, line, True, 0,
                                message=note) from None
        return None

    def _rollback(self, cur: Any) -> None:
        try:
            cur.execute("ROLLBACK")
        except self.dialect.error_types:
            pass
        try:
            cur.close()
        except self.dialect.error_types:
            pass

    def _locate(self, work: Work, exc: BaseException, statement: Statement
                ) -> tuple[Statement, int]:
        """The line of the file where ``statement`` failed (inside it, if the server says)."""
        offset, rel_line = self.dialect.error_position(exc)
        if offset is not None:
            return statement, work.line + line_of(work.sql, statement.start + offset) - 1
        return statement, work.line + statement.line - 1 + ((rel_line or 1) - 1)

    def _replay(self, work: Work) -> tuple[Statement | None, int | None]:
        """Find the failing statement by running them one by one, then rolling back."""
        try:
            cur = self.conn.cursor()
            cur.execute(self.dialect.begin)
        except self.dialect.error_types:  # the connection is gone: no way to tell
            return None, None
        try:
            for statement in work.statements:
                try:
                    cur.execute(statement.text)
                except self.dialect.error_types:
                    return statement, work.line + statement.line - 1
        finally:
            self._rollback(cur)
        return None, None

    def _failure(self, work: Work, exc: BaseException, statement: Statement | None,
                 line: int | None, tx: bool, done: int,
                 message: str | None = None) -> MigrationFailedError:
        error = MigrationDeniedError if self.dialect.refused(exc) else MigrationFailedError
        return error(
            file=work.script.name, version=work.script.version, line=line,
            statement=statement.text if statement else "(unknown)",
            db_message=message or _message(exc), transactional=tx, statements_applied=done,
            statements_total=len(work.statements), applied=tuple(self.applied))

    def _run_statements(self, work: Work, started: float) -> int:
        statements = work.statements
        total = len(statements)
        cur = self.conn.cursor()
        row_id = history.insert(cur, self.dialect, self.table, self._row(
            work, success=False, ms=None, statements_applied=0, statements_total=total,
            error="started and did not finish (still running, or its runner was stopped)"))
        done = 0
        try:
            for statement in statements:
                try:
                    cur.execute(statement.text)
                except self.dialect.error_types as exc:
                    if _interrupted(exc):
                        raise KeyboardInterrupt from exc
                    self._rollback_open_transaction(cur)
                    failing, line = self._locate(work, exc, statement)
                    if done == 0:  # nothing changed: leave no trace, like a rollback
                        history.delete(cur, self.dialect, self.table, [row_id])
                        raise self._failure(work, exc, failing, line, False, 0) from None
                    history.update(cur, self.dialect, self.table, row_id,
                                   statements_applied=done, failed_statement=statement.text,
                                   error=_message(exc)[:2000])
                    raise self._failure(work, exc, failing, line, False, done) from None
                done += 1
                self._progress = done
                if done < total:
                    history.update(cur, self.dialect, self.table, row_id, statements_applied=done)
            ms = int((time.perf_counter() - started) * 1000)
            history.update(cur, self.dialect, self.table, row_id, success=True,
                           statements_applied=done, execution_ms=ms, error=None)
        finally:
            cur.close()
        return total

    def _rollback_open_transaction(self, cur: Any) -> None:
        # a file with its own BEGIN that failed inside it leaves that transaction open
        try:
            cur.execute("ROLLBACK")
        except self.dialect.error_types:
            pass
