"""Health checks: environment, database, Redis/Dragonfly, PostgreSQL extensions,
migrations, schema against models, HTTP and TCP endpoints — run concurrently, each
under its own timeout, stored in the state store and exported as metrics.

Python API (the verbs: ``fn(settings, *, progress=None, **options) -> Result``)::

    from pitstop.checks import check, to_health_json
    from pitstop.checks.wait import wait
    report = check(settings, names=["database", "http"])   # env check: settings.environ
    report.exit_code                                       # 0, or the most telling failure
    wait(settings, targets=["database", "redis"], timeout=60).ready

Each check kind is one module that registers a factory with
:func:`pitstop.checks.base.register`; the built-in kinds are listed in
:mod:`pitstop.checks.descriptor`, plugins add theirs with a ``pitstop.checks`` entry
point.  :mod:`pitstop.checks.wait` blocks until services answer.

Importing this package is cheap: names load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.checks.base import Check, CheckEnv, CheckResult, Observed, Probe, register
    from pitstop.checks.report import save_report, to_health_json
    from pitstop.checks.runner import CheckReport, run_checks, select_checks
    from pitstop.checks.verbs import CheckList, check, list_checks
    from pitstop.checks.wait import WaitReport, WaitResult

_EXPORTS = {
    "Check": "base", "CheckEnv": "base", "CheckResult": "base", "Observed": "base",
    "Probe": "base", "register": "base", "save_report": "report", "to_health_json": "report",
    "CheckReport": "runner", "run_checks": "runner", "select_checks": "runner",
    "CheckList": "verbs", "check": "verbs", "list_checks": "verbs",
    "WaitReport": "wait", "WaitResult": "wait",
}

__all__ = [
    "Check",
    "CheckEnv",
    "CheckList",
    "CheckReport",
    "CheckResult",
    "Observed",
    "Probe",
    "WaitReport",
    "WaitResult",
    "check",
    "list_checks",
    "register",
    "run_checks",
    "save_report",
    "select_checks",
    "to_health_json",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pitstop.checks' has no attribute {name!r}")
    return getattr(importlib.import_module(f"pitstop.checks.{module}"), name)


def __dir__() -> list[str]:
    return list(__all__)
