"""Errors of the migration engine (all :class:`~pitstop.errors.MigrationError`, exit 1).

::

    MigrationError
    ├── MigrationFailedError   a migration's SQL failed (file, line, statement, server message)
    │   └── MigrationDeniedError  … because the database refused it: read-only, or a
    │                          privilege the user lacks (also a PermissionDeniedError, exit 5)
    ├── ValidationError        applied files changed or vanished, or a failed migration waits
    │                          for ``repair``
    └── MigrationInterruptedError  Ctrl-C (SIGINT) while a migration ran (exit 130)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pitstop.errors import (
    EXIT_INTERRUPTED,
    EXIT_PERMISSION,
    MigrationError,
    PermissionDeniedError,
)

if TYPE_CHECKING:
    from pitstop.migrate.results import AppliedMigration, Problem


class MigrationFailedError(MigrationError):
    """A migration's SQL failed; earlier migrations of the run stay applied."""

    def __init__(self, *, file: str, version: str | None, line: int | None, statement: str,
                 db_message: str, transactional: bool, statements_applied: int,
                 statements_total: int, applied: tuple[AppliedMigration, ...] = ()) -> None:
        where = f"{file}:{line}" if line else file
        short = statement if len(statement) <= 300 else statement[:297] + "..."
        short = short.replace("\n", "\n             ")
        if transactional:
            after = "it was rolled back; nothing of it is left behind"
            hint = "fix the file and run `pitstop migrate up` again"
        elif statements_applied == 0:
            after = ("it ran outside a transaction, but its first statement failed: nothing "
                     "of it was applied and nothing is recorded")
            hint = "fix the file (or the database) and run `pitstop migrate up` again"
        else:
            after = (f"it ran outside a transaction: {statements_applied} of "
                     f"{statements_total} statements were applied and it is recorded as failed")
            hint = ("undo or finish its statements by hand, then run `pitstop migrate repair` "
                    "and `pitstop migrate up`")
        super().__init__(f"{where}: {db_message}\n  statement: {short}\n  {after}", hint=hint)
        self.file = file
        self.version = version
        self.line = line
        self.statement = statement
        self.db_message = db_message
        self.transactional = transactional
        self.statements_applied = statements_applied
        self.statements_total = statements_total
        self.applied = applied

    def to_dict(self) -> dict[str, Any]:
        """What failed and what was applied before it (``migrate up --json`` prints it;
        secrets masked), with the ``backup_id`` of a backup taken first."""
        from pitstop.redact import redact_data

        data = {"error": self.message, "file": self.file, "line": self.line,
                "statement": self.statement, "transactional": self.transactional,
                "statements_applied": self.statements_applied,
                "statements_total": self.statements_total,
                "applied": [a.to_dict() for a in self.applied],
                "backup_id": getattr(self, "backup_id", None)}
        return redact_data(data)  # type: ignore[no-any-return]


class MigrationDeniedError(MigrationFailedError, PermissionDeniedError):
    """The database refused a migration's statement: it is read-only (a SQLite file or
    directory that cannot be written, a read-only transaction or server) or the user
    lacks a privilege.  Nothing is wrong with the file: the hint says so (exit 5)."""

    exit_code = EXIT_PERMISSION

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        then = "run `pitstop migrate up` again"
        if not self.transactional and self.statements_applied:
            then = ("undo or finish its applied statements by hand, run `pitstop migrate "
                    "repair` and `pitstop migrate up`")
        self.hint = ("the database refused it: let the user running pitstop write to the "
                     "database (for SQLite: the file and its directory) or grant the missing "
                     f"privilege, then {then}")


class ValidationError(MigrationError):
    """The files and the history disagree; ``problems`` lists each one."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        lines = "\n".join(f"  {p.file or p.version}: {p.message}" for p in problems)
        if all(p.state == "failed" for p in problems):
            hint = ("finish or undo the failed migration's statements by hand, then run "
                    "`pitstop migrate repair` (it shows what it will change)")
        elif any(p.state == "failed" for p in problems):
            hint = ("restore changed or missing files, finish or undo a failed migration by "
                    "hand, then `pitstop migrate repair` (it shows what it will change)")
        else:
            hint = ("restore the files, or accept them with `pitstop migrate repair` "
                    "(it shows what it will change)")
        count = "1 migration needs" if len(problems) == 1 else f"{len(problems)} migrations need"
        super().__init__(f"{count} attention before anything is applied:\n{lines}", hint=hint)
        self.problems = problems


class MigrationInterruptedError(MigrationError):
    """Interrupted (Ctrl-C, SIGINT) while ``file`` was being applied or rolled back."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self, *, file: str, transactional: bool, statements_applied: int,
                 statements_total: int, direction: str = "up") -> None:
        verb = "applying" if direction == "up" else "rolling back"
        if transactional:
            after = ("it ran in a transaction, which the database rolls back unless it had "
                     "already committed")
            hint = "see where it stopped with `pitstop migrate status`, then run it again"
        else:
            after = (f"it ran outside a transaction: {statements_applied} of "
                     f"{statements_total} statements had finished and it is recorded as failed")
            hint = ("undo or finish its statements by hand, then run `pitstop migrate repair` "
                    "and `pitstop migrate up`")
        super().__init__(f"{file}: interrupted while {verb} it; {after}", hint=hint)
        self.file = file
        self.transactional = transactional
        self.statements_applied = statements_applied
        self.statements_total = statements_total
