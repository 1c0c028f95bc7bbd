"""Frozen result objects returned by :mod:`pitstop.migrate`: each verb's result derives
from :class:`pitstop.capability.Result` (one ``to_dict()`` for ``--json``, the history
and every front); the items they list (entries, steps, problems) are plain frozen
dataclasses."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

from pitstop.capability import Result
from pitstop.migrate.records import HistoryRecord

State = Literal["applied", "pending", "failed", "changed", "missing"]


def _dict(obj: Any) -> dict[str, Any]:
    """The fields of a result made of plain values (no deep copy: a thousand entries of
    ``status --json`` stay fast)."""
    return {field.name: getattr(obj, field.name) for field in dataclasses.fields(obj)}


@dataclasses.dataclass(frozen=True)
class MigrationEntry:
    """One migration as ``status`` sees it."""

    version: str | None
    description: str
    file: str | None
    state: State
    kind: str = "versioned"
    applied_at: str | None = None
    checksum: str | None = None
    """sha256 of the file on disk (``None`` when the file is missing)."""
    applied_checksum: str | None = None
    """The checksum recorded when it was applied."""
    transactional: bool | None = None
    statements: int | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return _dict(self)


@dataclasses.dataclass(frozen=True)
class MigrationStatus(Result):
    migrations: list[MigrationEntry]
    layout: str
    directory: str
    database: str
    table: str
    table_exists: bool
    current_version: str | None

    def _with(self, state: str) -> list[MigrationEntry]:
        return [m for m in self.migrations if m.state == state]

    @property
    def pending(self) -> list[MigrationEntry]:
        return self._with("pending")

    @property
    def failed(self) -> list[MigrationEntry]:
        return self._with("failed")

    @property
    def changed(self) -> list[MigrationEntry]:
        return self._with("changed")

    @property
    def missing(self) -> list[MigrationEntry]:
        return self._with("missing")

    @property
    def needs_attention(self) -> bool:
        """Anything pending, failed, changed or missing (``status --exit-code`` exits 1)."""
        return any(m.state != "applied" for m in self.migrations)

    def data(self) -> dict[str, Any]:
        return {"layout": self.layout, "directory": self.directory, "database": self.database,
                "table": self.table, "table_exists": self.table_exists,
                "current_version": self.current_version,
                "migrations": [m.to_dict() for m in self.migrations]}

    def summary(self) -> dict[str, Any]:
        """For the history: counts by state and only the migrations that need
        attention (a status of a thousand applied migrations stays small)."""
        counts: dict[str, int] = {}
        for entry in self.migrations:
            counts[entry.state] = counts.get(entry.state, 0) + 1
        from pitstop.redact import redact_data

        data = {"layout": self.layout, "directory": self.directory, "database": self.database,
                "table": self.table, "table_exists": self.table_exists,
                "current_version": self.current_version, "counts": counts,
                "attention": [m.to_dict() for m in self.migrations if m.state != "applied"]}
        return redact_data(data)  # type: ignore[no-any-return]


@dataclasses.dataclass(frozen=True)
class PlanStep:
    """One migration a run will apply or roll back."""

    version: str | None
    description: str
    file: str
    direction: Literal["up", "down"]
    transactional: bool
    statements: int | None
    """``None`` where the run did not split the file (only dry runs count)."""

    def to_dict(self) -> dict[str, Any]:
        return _dict(self)


@dataclasses.dataclass(frozen=True)
class AppliedMigration:
    version: str | None
    description: str
    file: str
    direction: Literal["up", "down"]
    transactional: bool
    statements: int | None
    """``None`` when the script went to the server whole and was not split."""
    execution_ms: int

    def to_dict(self) -> dict[str, Any]:
        return _dict(self)


def counted(n: int, noun: str) -> str:
    """``1 migration``, ``2 migrations``, ``0 migrations``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclasses.dataclass(frozen=True)
class RunResult(Result):
    """What ``up``, ``down`` and ``redo`` did (or, for a dry run, would do)."""

    dry_run: bool
    plan: tuple[PlanStep, ...]
    applied: tuple[AppliedMigration, ...] = ()
    current_version: str | None = None
    backup_id: str | None = None
    database: str = ""
    created_database: bool = False
    """``up`` created the database first (in a dry run: would create it)."""

    @property
    def exit_code(self) -> int:
        return 10 if self.dry_run else 0

    def data(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "database": self.database,
                "created_database": self.created_database,
                "current_version": self.current_version, "backup_id": self.backup_id,
                "plan": [p.to_dict() for p in self.plan],
                "applied": [a.to_dict() for a in self.applied]}


@dataclasses.dataclass(frozen=True)
class HistoryResult(Result):
    records: list[HistoryRecord]
    database: str
    table: str

    def data(self) -> dict[str, Any]:
        return {"database": self.database, "table": self.table,
                "records": [dataclasses.asdict(r) for r in self.records]}


@dataclasses.dataclass(frozen=True)
class Problem:
    """A reason ``validate`` (and ``up``) refuse to go on."""

    file: str | None
    version: str | None
    state: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return _dict(self)


@dataclasses.dataclass(frozen=True)
class ValidateResult(Result):
    problems: tuple[Problem, ...]
    checked: int

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def data(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked,
                "problems": [p.to_dict() for p in self.problems]}


@dataclasses.dataclass(frozen=True)
class RepairAction:
    action: Literal["delete-failed", "update-checksum", "delete-missing"]
    version: str | None
    file: str | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return _dict(self)


@dataclasses.dataclass(frozen=True)
class RepairResult(Result):
    actions: tuple[RepairAction, ...]
    dry_run: bool

    @property
    def exit_code(self) -> int:
        return 10 if self.dry_run else 0

    def data(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "actions": [a.to_dict() for a in self.actions]}


@dataclasses.dataclass(frozen=True)
class NewResult(Result):
    version: str
    files: tuple[str, ...]
    layout: str


@dataclasses.dataclass(frozen=True)
class BaselineResult(Result):
    version: str
    description: str
    covered: int
    """How many files the baseline marks as applied."""
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        return 10 if self.dry_run else 0


@dataclasses.dataclass(frozen=True)
class ImportResult(Result):
    source: str
    imported: tuple[str, ...]
    """Files recorded as applied (with ``dry_run``: that would be)."""
    skipped: tuple[str, ...] = ()
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        return 10 if self.dry_run else 0


@dataclasses.dataclass(frozen=True)
class PendingPlan:
    """What ``up`` is about to apply, handed to its ``before_apply`` hook once the
    runner's lock is held and before anything is applied."""

    database_url: str = dataclasses.field(repr=False)
    """The database's URL, password included (for a hook that connects: a backup);
    never shown."""
    database: str
    """The same URL, password masked."""
    current_version: str | None
    """The migration head now, before any of ``steps``."""
    steps: tuple[PlanStep, ...]


@dataclasses.dataclass(frozen=True)
class RestorePoint:
    """What a ``before_apply`` hook made to come back to (a backup)."""

    id: str
    """Recorded on the result and on a failed run's error as ``backup_id``."""
    how: str = ""
    """How to return to it; added to the hint of a failure after it was made."""


BeforeApply = Callable[[PendingPlan], "RestorePoint | None"]
"""``before_apply(plan) -> RestorePoint | None``: called by ``up`` once, only when
something is pending and it is not a dry run (a backup first, for instance)."""
