"""The ``test`` verbs: :func:`smoke` and :func:`coverage`.

Each has the one verb shape ``verb(settings, *, progress=None, **options)``: the
project is ``settings.project_dir``, ``[test]`` comes from
``settings.section(TestSettings)``, and the interpreter is found as
:func:`pitstop.suite.interpreter.find_python` says, with ``VIRTUAL_ENV`` read from
``settings.environ``.  Failing tests, a blown budget and coverage under the floor are
results (``exit_code`` 1); a missing interpreter or pytest raises
:class:`~pitstop.errors.DependencyError` (exit 2), a selection that selects nothing
:class:`~pitstop.errors.UsageError` (exit 3).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop.capability import Progress, recorded
from pitstop.suite.coverage_run import CoverageResult, run_coverage
from pitstop.suite.settings import TestSettings
from pitstop.suite.smoke_run import SmokeResult, run_smoke

if TYPE_CHECKING:
    from pitstop.config import Settings

PYTHON_OPTION = "the python option"
"""How errors name an interpreter given to a verb (rather than ``[test] python``)."""


def _section(settings: Settings, python: Path | None, timeout: float | None) -> TestSettings:
    """``[test]``, with the given interpreter, and the given timeout when it is tighter."""
    section = settings.section(TestSettings)
    if python is not None:
        absolute = python if python.is_absolute() else settings.project_dir / python
        section = dataclasses.replace(section, python=absolute)
    if timeout is not None and (section.timeout is None or timeout < section.timeout):
        section = dataclasses.replace(section, timeout=timeout)
    return section


def _where(settings: Settings, python: Path | None) -> dict[str, Any]:
    value = settings.environ.get("VIRTUAL_ENV")
    return {"virtual_env": Path(value) if value else None,
            "project_python": settings.project.python,
            "python_key": PYTHON_OPTION if python is not None else None}


@recorded("test", "smoke")
def smoke(settings: Settings, *, progress: Progress | None = None,
          patterns: Sequence[str] = (), budget: float | None = None,
          python: Path | None = None, timeout: float | None = None,
          cancel: threading.Event | None = None) -> SmokeResult:
    """Run the smoke tests with a time budget and report each test's duration.

    ``patterns`` (node ids or paths) select the tests, else ``[test] smoke_tests``,
    else the tests marked ``[test] smoke_marker``.  ``budget`` overrides ``[test]
    budget`` (0: none); ``python`` overrides ``[test] python``; ``timeout`` stops
    pytest when it is tighter than ``[test] timeout``; ``cancel`` stops it at once;
    ``progress(tests, tests)`` is told when pytest has run.
    """
    result = run_smoke(_section(settings, python, timeout), settings.project_dir,
                       patterns=tuple(patterns), budget=budget, cancel=cancel,
                       **_where(settings, python))
    if progress is not None:  # pytest's count is known once it has run
        progress(result.tests, result.tests)
    return result


@recorded("test", "coverage")
def coverage(settings: Settings, *, progress: Progress | None = None,
             fail_under: float | None = None, paths: Sequence[str] = (),
             python: Path | None = None, timeout: float | None = None,
             cancel: threading.Event | None = None) -> CoverageResult:
    """Run the tests under coverage; write ``coverage.xml`` and an HTML report to
    ``[test] reports_dir`` and compare the total with the floor.

    ``fail_under`` overrides ``[test] fail_under``, ``paths`` ``[test] paths``,
    ``python`` ``[test] python``; ``timeout`` and ``cancel`` as for :func:`smoke`.
    """
    result = run_coverage(_section(settings, python, timeout), settings.project_dir,
                          fail_under=fail_under, paths=tuple(paths), cancel=cancel,
                          **_where(settings, python))
    if progress is not None:
        progress(result.tests, result.tests)
    return result
