"""Running the test suite under pytest-cov, reports under ``.pitstop/reports/``, the
total against a floor (the ``test coverage`` verb, :func:`pitstop.suite.verbs.coverage`,
calls :func:`run_coverage`)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal
from xml.etree import ElementTree

from pitstop.capability import Result
from pitstop.errors import EXIT_ERROR, EXIT_OK, TestRunError
from pitstop.suite.interpreter import find_python, require_modules
from pitstop.suite.junit import TestCase
from pitstop.suite.runner import run_pytest
from pitstop.suite.settings import TestSettings

CoverageStatus = Literal["passed", "failed", "below-floor"]


@dataclasses.dataclass(frozen=True)
class FileCoverage:
    """Line coverage of one measured file."""

    path: str
    percent: float
    statements: int
    missing: int


@dataclasses.dataclass(frozen=True)
class CoverageResult(Result):
    """The outcome of a coverage run; ``files`` is worst first."""

    status: CoverageStatus
    percent: float
    fail_under: float | None
    files: tuple[FileCoverage, ...]
    tests: int
    passed: int
    failed: int
    errors: int
    skipped: int
    duration: float
    failures: tuple[TestCase, ...]
    slowest: tuple[TestCase, ...]
    xml_report: str
    html_report: str
    python: str
    python_reason: str = ""
    """Why ``python`` was chosen (``.venv in /srv/app``, ``$VIRTUAL_ENV …``)."""

    @property
    def exit_code(self) -> int:
        """0 every test passed and the total is at or over the floor; else 1."""
        return EXIT_OK if self.status == "passed" else EXIT_ERROR

    def summary(self) -> dict[str, Any]:
        """The history keeps the 20 worst files, not every measured file."""
        data = self.to_dict()
        data["files"] = data.get("files", [])[:20]
        return data


def _display(filename: str, sources: list[Path], base: Path | None) -> str:
    """``filename`` (relative to one of the report's source directories) relative to ``base``."""
    for source in sources:
        candidate = source / filename
        if candidate.exists():
            if base is not None and candidate.is_relative_to(base):
                return candidate.relative_to(base).as_posix()
            return str(candidate)
    return filename


def read_coverage_xml(path: Path, base: Path | None = None) -> tuple[float, list[FileCoverage]]:
    """Total percent (lines and branches, as ``coverage report`` counts) and per-file
    line coverage from a Cobertura ``coverage.xml``; file names relative to ``base``."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as exc:
        raise TestRunError(f"{path}: cannot read the coverage report: {exc}",
                           hint="check that pytest-cov ran (see the pytest output)") from exc
    valid = int(root.get("lines-valid") or 0) + int(root.get("branches-valid") or 0)
    covered = int(root.get("lines-covered") or 0) + int(root.get("branches-covered") or 0)
    if valid == 0:
        raise TestRunError(
            f"{path}: no code was measured",
            hint="set [test] coverage_source to your package (e.g. ['src/app'])",
        )
    sources = [Path(s.text.strip()) for s in root.iter("source") if s.text and s.text.strip()]
    files: dict[str, FileCoverage] = {}
    for cls in root.iter("class"):
        name = _display(cls.get("filename") or cls.get("name") or "?", sources, base)
        lines = [ln for ln in cls.iter("line")]
        statements = len(lines)
        missing = sum(1 for ln in lines if (ln.get("hits") or "0") == "0")
        if statements == 0:
            continue
        percent = round(100.0 * (statements - missing) / statements, 2)
        files[name] = FileCoverage(name, percent, statements, missing)
    worst = sorted(files.values(), key=lambda f: (f.percent, -f.missing, f.path))
    return round(100.0 * covered / valid, 2), worst


def run_coverage(settings: TestSettings, project_dir: Path, *,
                 fail_under: float | None = None, virtual_env: Path | None = None,
                 project_python: Path | None = None, paths: Sequence[str] = (),
                 extra_args: Sequence[str] = (), cancel: threading.Event | None = None,
                 python_key: str | None = None) -> CoverageResult:
    """Run the tests with coverage; write ``coverage.xml`` and ``htmlcov/`` to
    ``[test] reports_dir``.  ``fail_under`` overrides ``[test] fail_under``.

    Failing tests or a total under the floor are results; a missing interpreter,
    pytest or pytest-cov raises ``DependencyError`` (exit 2).
    """
    python = find_python(settings.python, project_dir, virtual_env,
                         project_python=project_python, configured_key=python_key)
    require_modules(python, ["pytest", "pytest_cov"], cwd=project_dir)
    reports = settings.reports_dir if settings.reports_dir.is_absolute() else (
        project_dir / settings.reports_dir)
    xml_path, html_path = reports / "coverage.xml", reports / "htmlcov"
    xml_path.unlink(missing_ok=True)
    sources = [f"--cov={s}" for s in settings.coverage_source] or ["--cov"]
    args = ["-q", *sources, f"--cov-report=xml:{xml_path}", f"--cov-report=html:{html_path}",
            *settings.pytest_args, *extra_args, *(paths or settings.paths)]
    run = run_pytest(python.path, args, cwd=project_dir, timeout=settings.timeout,
                     output_file=reports / "coverage-output.txt", what="test coverage", cancel=cancel,
                     selection=", ".join(paths or settings.paths) or "pytest's testpaths",
                     empty_hint="pytest collected no test: check the paths ([test] paths) and "
                                "pytest's testpaths, and that the tests directory exists")
    if not xml_path.is_file():
        raise TestRunError(
            f"test coverage: pytest-cov wrote no {xml_path}",
            hint=f"see the pytest output in {run.output_file}" if run.output_file else None,
        )
    percent, files = read_coverage_xml(xml_path, project_dir)
    floor = settings.fail_under if fail_under is None else fail_under
    failed, errors = run.count("failed"), run.count("error")
    status: CoverageStatus = "passed"
    if failed or errors:
        status = "failed"
    elif floor is not None and percent < floor:
        status = "below-floor"
    return CoverageResult(
        status=status, percent=percent, fail_under=floor, files=tuple(files),
        tests=len(run.cases), passed=run.count("passed"), failed=failed, errors=errors,
        skipped=run.count("skipped"), duration=round(run.wall_seconds, 3),
        failures=run.failures, slowest=run.slowest(settings.slowest),
        xml_report=str(xml_path), html_report=str(html_path / "index.html"), python=str(python.path),
        python_reason=python.reason,
    )
