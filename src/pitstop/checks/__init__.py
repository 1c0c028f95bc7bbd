"""Health checks: environment, database, Redis/Dragonfly, PostgreSQL extensions,
migrations, schema against models, HTTP and TCP endpoints — run concurrently, each
under its own timeout, stored in the state store and exported as metrics.

Python API::

    from pitstop.checks import check, to_health_json
    report = check(settings, ["database", "http"], environ=os.environ)
    report.exit_code(strict=False)

Each check kind is one module that registers a factory with
:func:`pitstop.checks.base.register`; :mod:`pitstop.checks.wait` blocks until
services answer.
"""

from __future__ import annotations

import importlib

from pitstop.checks.base import Check, CheckEnv, CheckResult, Observed, Probe, register
from pitstop.checks.report import save_report, to_health_json
from pitstop.checks.runner import CheckReport, check, run_checks, select_checks

BUILTIN_KINDS = ("env", "database", "redis", "extensions", "migrations", "schema",
                 "http", "tcp")
"""Modules under ``pitstop.checks`` that register a kind, in report order."""

_loaded = False


def _load_builtin_kinds() -> None:
    global _loaded
    if _loaded:
        return
    for name in BUILTIN_KINDS:
        importlib.import_module(f"pitstop.checks.{name}")
    _loaded = True


__all__ = [
    "BUILTIN_KINDS",
    "Check",
    "CheckEnv",
    "CheckReport",
    "CheckResult",
    "Observed",
    "Probe",
    "check",
    "register",
    "run_checks",
    "save_report",
    "select_checks",
    "to_health_json",
]
