"""Test runs: smoke tests with a time budget and coverage with a floor, run through
pytest in the project's own interpreter.

The public API is what this module exports; the verbs have the one verb shape::

    from pitstop.suite import smoke, coverage
    result = smoke(settings, budget=30)          # a SmokeResult; result.exit_code
    coverage(settings, fail_under=80).percent

``run_smoke`` and ``run_coverage`` are the same runs for a ``[test]`` section and a
project directory given directly.

Importing this package is cheap: each name loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.suite.coverage_run import CoverageResult, FileCoverage, run_coverage
    from pitstop.suite.junit import TestCase
    from pitstop.suite.settings import TestSettings
    from pitstop.suite.smoke_run import SmokeResult, run_smoke
    from pitstop.suite.verbs import coverage, smoke

_EXPORTS: dict[str, str] = {
    "CoverageResult": "pitstop.suite.coverage_run",
    "FileCoverage": "pitstop.suite.coverage_run",
    "SmokeResult": "pitstop.suite.smoke_run",
    "TestCase": "pitstop.suite.junit",
    "TestSettings": "pitstop.suite.settings",
    "coverage": "pitstop.suite.verbs",
    "run_coverage": "pitstop.suite.coverage_run",
    "run_smoke": "pitstop.suite.smoke_run",
    "smoke": "pitstop.suite.verbs",
}

__all__ = [
    "CoverageResult",
    "FileCoverage",
    "SmokeResult",
    "TestCase",
    "TestSettings",
    "coverage",
    "run_coverage",
    "run_smoke",
    "smoke",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pitstop.suite' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
