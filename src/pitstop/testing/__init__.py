"""Test runs: smoke tests with a time budget and coverage with a floor, run through
pytest in the project's own interpreter.

The public API is what this module exports::

    from pitstop.testing import smoke, coverage
    result = smoke(settings.section("test"), project_dir, budget=30)
"""

from __future__ import annotations

from pitstop.testing.coverage_run import CoverageResult, FileCoverage, coverage
from pitstop.testing.junit import TestCase
from pitstop.testing.settings import TestSettings
from pitstop.testing.smoke import SmokeResult, smoke

__all__ = [
    "CoverageResult",
    "FileCoverage",
    "SmokeResult",
    "TestCase",
    "TestSettings",
    "coverage",
    "smoke",
]
