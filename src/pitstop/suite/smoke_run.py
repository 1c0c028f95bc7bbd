"""Running the project's smoke tests, by marker or by node id, with a time budget
(the ``test smoke`` verb, :func:`pitstop.suite.verbs.smoke`, calls :func:`run_smoke`)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pitstop.capability import Result
from pitstop.errors import EXIT_ERROR, EXIT_OK, UsageError
from pitstop.project_python import Interpreter
from pitstop.suite.interpreter import find_python, require_modules
from pitstop.suite.junit import TestCase
from pitstop.suite.runner import PytestRun, run_pytest
from pitstop.suite.settings import TestSettings

SmokeStatus = Literal["passed", "failed", "over-budget"]


@dataclasses.dataclass(frozen=True)
class SmokeResult(Result):
    """The outcome of a smoke run.  ``status`` is ``passed`` only when every selected
    test passed (or was skipped) within the budget."""

    status: SmokeStatus
    selection: str
    tests: int
    passed: int
    failed: int
    errors: int
    skipped: int
    duration: float
    budget: float | None
    slow_threshold: float
    slow: tuple[TestCase, ...]
    slowest: tuple[TestCase, ...]
    failures: tuple[TestCase, ...]
    cases: tuple[TestCase, ...]
    python: str
    output_file: str | None
    stopped: bool = False
    """pytest was stopped when the run reached the budget (tests after it did not run)."""
    interrupted_at: str | None = None
    """Where the stopped run was (``tests/test_x.py:12``): the test that did not finish."""
    python_reason: str = ""
    """Why ``python`` was chosen (``.venv in /srv/app``, ``$VIRTUAL_ENV …``)."""

    derived: ClassVar[tuple[str, ...]] = ("over_budget",)

    @property
    def over_budget(self) -> bool:
        return self.budget is not None and self.duration > self.budget

    @property
    def exit_code(self) -> int:
        """0 every selected test passed within the budget; else 1."""
        return EXIT_OK if self.status == "passed" else EXIT_ERROR

    def summary(self) -> dict[str, Any]:
        """The history keeps everything but the full list of test cases."""
        data = self.to_dict()
        data.pop("cases", None)
        return data


def _mangle(pattern: str) -> str:
    return pattern.replace("\\", "/").rstrip("/")


def _relative(pattern: str, project_dir: Path) -> str:
    """A pattern as pytest reports node ids: relative to the project directory.  A
    pattern that looks like an option is refused (pytest would read it as one)."""
    if not pattern.strip() or pattern.startswith("-"):
        raise UsageError(f"test smoke: pattern {pattern!r} is not a node id or path",
                         hint="patterns are node ids or paths such as tests/test_api.py::test_x; "
                              "pytest options go in [test] pytest_args")
    path, sep, rest = pattern.partition("::")
    if Path(path).is_absolute():
        try:
            path = Path(path).resolve().relative_to(project_dir.resolve()).as_posix()
        except ValueError:
            raise UsageError(f"test smoke: {pattern!r} is outside the project {project_dir}",
                             hint="give node ids relative to the project directory") from None
    return f"{path}{sep}{rest}"


def matches(pattern: str, nodeid: str) -> bool:
    """Whether ``nodeid`` is selected by ``pattern`` (a node id, file or directory)."""
    pattern = _mangle(pattern)
    if pattern.startswith("./"):
        pattern = pattern[2:]
    return (nodeid == pattern or nodeid.startswith(pattern + "::")
            or nodeid.startswith(pattern + "[") or nodeid.startswith(pattern + "/"))


def summarize(run: PytestRun, *, selection: str, budget: float | None, slow_test: float,
              slowest: int, python: Interpreter) -> SmokeResult:
    failed, errors = run.count("failed"), run.count("error")
    slow = tuple(c for c in run.slowest(len(run.cases)) if c.duration > slow_test)
    status: SmokeStatus = "passed"
    if failed or errors:
        status = "failed"
    elif run.stopped or (budget is not None and run.wall_seconds > budget):
        status = "over-budget"
    return SmokeResult(
        status=status, selection=selection, tests=len(run.cases), passed=run.count("passed"),
        failed=failed, errors=errors, skipped=run.count("skipped"),
        duration=round(run.wall_seconds, 3), budget=budget, slow_threshold=slow_test,
        slow=slow, slowest=run.slowest(slowest), failures=run.failures, cases=run.cases,
        python=str(python.path), output_file=str(run.output_file) if run.output_file else None,
        stopped=run.stopped, interrupted_at=run.interrupted_at, python_reason=python.reason,
    )


def run_smoke(settings: TestSettings, project_dir: Path, *, patterns: Sequence[str] = (),
              budget: float | None = None, virtual_env: Path | None = None,
              project_python: Path | None = None, extra_args: Sequence[str] = (),
              cancel: threading.Event | None = None, python_key: str | None = None
              ) -> SmokeResult:
    """Run the smoke tests: ``patterns`` (node ids or paths), else ``[test] smoke_tests``,
    else every test marked ``[test] smoke_marker``.

    ``budget`` overrides ``[test] budget``; 0 means no budget.  Failing tests and a blown budget are
    results; a missing interpreter/pytest raises ``DependencyError`` (exit 2) and a
    selection that selects nothing ``UsageError`` (exit 3).  The interpreter is
    ``[test] python``, else ``project_python`` (``[project] python``), else
    ``virtual_env``, else the project's ``.venv``/``venv``, else pitstop's own.
    """
    python = find_python(settings.python, project_dir, virtual_env,
                         project_python=project_python, configured_key=python_key)
    require_modules(python, ["pytest"], cwd=project_dir)
    chosen = tuple(_relative(p, project_dir) for p in (tuple(patterns) or settings.smoke_tests))
    if chosen:
        args = ["-q", *settings.pytest_args, *extra_args, "--", *chosen]
        selection = ", ".join(chosen)
        empty_hint = "fix or remove the pattern; an empty selection is never a green run"
    else:
        args = ["-q", "-m", settings.smoke_marker, *settings.pytest_args, *extra_args]
        selection = f"marker {settings.smoke_marker!r}"
        empty_hint = (f"no collected test is marked @pytest.mark.{settings.smoke_marker}: mark "
                      "some, or list node ids in [test] smoke_tests (or give patterns)")
    reports = settings.reports_dir if settings.reports_dir.is_absolute() else (
        project_dir / settings.reports_dir)
    limit = settings.budget if budget is None else budget
    if limit == 0:  # 0 means "no budget" (TOML has no null)
        limit = None
    run = run_pytest(python.path, args, cwd=project_dir, timeout=settings.timeout,
                     output_file=reports / "smoke-output.txt", what="test smoke", cancel=cancel,
                     selection=selection, empty_hint=empty_hint, stop_after=limit)
    if chosen and not run.stopped:  # a stopped run reports only the tests that finished
        empty = [p for p in chosen if not any(matches(p, c.nodeid) for c in run.cases)]
        if empty:
            raise UsageError(
                f"test smoke: {', '.join(repr(p) for p in empty)} selected no test",
                hint="fix or remove the pattern; an empty selection is never a green run",
            )
    return summarize(run, selection=selection, budget=limit, slow_test=settings.slow_test,
                     slowest=settings.slowest, python=python)
