"""Test runs: smoke tests with a time budget and coverage with a floor, run through
pytest in the project's own interpreter.

The public API is what this module exports::

    from pitstop.testing import smoke, coverage
    result = smoke(settings.section(TestSettings), project_dir, budget=30)

Importing this package is cheap: each name loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.testing.coverage_run import CoverageResult, FileCoverage, coverage
    from pitstop.testing.junit import TestCase
    from pitstop.testing.settings import TestSettings
    from pitstop.testing.smoke_run import SmokeResult, smoke

_EXPORTS: dict[str, str] = {
    "CoverageResult": "pitstop.testing.coverage_run",
    "FileCoverage": "pitstop.testing.coverage_run",
    "SmokeResult": "pitstop.testing.smoke_run",
    "TestCase": "pitstop.testing.junit",
    "TestSettings": "pitstop.testing.settings",
    "coverage": "pitstop.testing.coverage_run",
    "smoke": "pitstop.testing.smoke_run",
}

__all__ = [
    "CoverageResult",
    "FileCoverage",
    "SmokeResult",
    "TestCase",
    "TestSettings",
    "coverage",
    "smoke",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pitstop.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
