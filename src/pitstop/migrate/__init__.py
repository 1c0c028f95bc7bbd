"""SQL migrations: read the layout a project already has, apply safely, keep history.

Public API (each a plain function taking ``settings`` and keyword options, returning a
frozen result from :mod:`pitstop.migrate.results`)::

    up, down, redo, status, history, validate, repair, baseline, new, import_history,
    current_version, wait_for_database

``up`` takes a ``before_apply`` hook (:data:`BeforeApply`), called with the
:class:`PendingPlan` before anything is applied; it returns a :class:`RestorePoint`
(a backup taken first: :mod:`pitstop.backup.premigrate`).

Importing this package is cheap: SQLAlchemy and the drivers load only when a
command talks to a server.

Importing this package is cheap: each name loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.migrate.admin import baseline, new, repair
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
        BeforeApply,
        HistoryResult,
        ImportResult,
        MigrationEntry,
        MigrationStatus,
        NewResult,
        PendingPlan,
        PlanStep,
        Problem,
        RepairAction,
        RepairResult,
        RestorePoint,
        RunResult,
        ValidateResult,
    )
    from pitstop.migrate.verbs import current_version, down, history, redo, status, up, validate
    from pitstop.migrate.wait import wait_for_database

_EXPORTS: dict[str, str] = {
    "AppliedMigration": "pitstop.migrate.results",
    "BaselineResult": "pitstop.migrate.results",
    "BeforeApply": "pitstop.migrate.results",
    "HistoryResult": "pitstop.migrate.results",
    "ImportResult": "pitstop.migrate.results",
    "MigrationDeniedError": "pitstop.migrate.errors",
    "MigrationEntry": "pitstop.migrate.results",
    "MigrationFailedError": "pitstop.migrate.errors",
    "MigrationInterruptedError": "pitstop.migrate.errors",
    "MigrationStatus": "pitstop.migrate.results",
    "NewResult": "pitstop.migrate.results",
    "PendingPlan": "pitstop.migrate.results",
    "PlanStep": "pitstop.migrate.results",
    "Problem": "pitstop.migrate.results",
    "RepairAction": "pitstop.migrate.results",
    "RepairResult": "pitstop.migrate.results",
    "RestorePoint": "pitstop.migrate.results",
    "RunResult": "pitstop.migrate.results",
    "ValidateResult": "pitstop.migrate.results",
    "ValidationError": "pitstop.migrate.errors",
    "baseline": "pitstop.migrate.admin",
    "current_version": "pitstop.migrate.verbs",
    "down": "pitstop.migrate.verbs",
    "history": "pitstop.migrate.verbs",
    "import_history": "pitstop.migrate.importers",
    "new": "pitstop.migrate.admin",
    "redo": "pitstop.migrate.verbs",
    "repair": "pitstop.migrate.admin",
    "status": "pitstop.migrate.verbs",
    "up": "pitstop.migrate.verbs",
    "validate": "pitstop.migrate.verbs",
    "wait_for_database": "pitstop.migrate.wait",
}

__all__ = [
    "AppliedMigration",
    "BaselineResult",
    "BeforeApply",
    "HistoryResult",
    "ImportResult",
    "MigrationDeniedError",
    "MigrationEntry",
    "MigrationFailedError",
    "MigrationInterruptedError",
    "MigrationStatus",
    "NewResult",
    "PendingPlan",
    "PlanStep",
    "Problem",
    "RepairAction",
    "RepairResult",
    "RestorePoint",
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pitstop.migrate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
