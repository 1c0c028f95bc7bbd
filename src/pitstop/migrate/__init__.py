"""SQL migrations: read the layout a project already has, apply safely, keep history.

Public API (each a plain function taking ``settings`` and keyword options, returning a
frozen result from :mod:`pitstop.migrate.results`)::

    up, down, redo, status, history, validate, repair, baseline, new, import_history,
    current_version, wait_for_database

Importing this package is cheap: SQLAlchemy and the drivers load only when a
command talks to a server.
"""

from __future__ import annotations

from pitstop.migrate.admin import baseline, new, repair
from pitstop.migrate.api import current_version, down, history, redo, status, up, validate
from pitstop.migrate.errors import (
    MigrationDeniedError,
    MigrationFailedError,
    MigrationInterruptedError,
    ValidationError,
)
from pitstop.migrate.importers import import_history
from pitstop.migrate.results import (
    AppliedMigration,
    BaselineResult,
    HistoryResult,
    ImportResult,
    MigrationEntry,
    MigrationStatus,
    NewResult,
    PlanStep,
    Problem,
    RepairAction,
    RepairResult,
    RunResult,
    ValidateResult,
)
from pitstop.migrate.wait import wait_for_database

__all__ = [
    "AppliedMigration",
    "BaselineResult",
    "HistoryResult",
    "ImportResult",
    "MigrationDeniedError",
    "MigrationEntry",
    "MigrationFailedError",
    "MigrationInterruptedError",
    "MigrationStatus",
    "NewResult",
    "PlanStep",
    "Problem",
    "RepairAction",
    "RepairResult",
    "RunResult",
    "ValidateResult",
    "ValidationError",
    "baseline",
    "current_version",
    "down",
    "history",
    "import_history",
    "new",
    "redo",
    "repair",
    "status",
    "up",
    "validate",
    "wait_for_database",
]
