"""`run_coverage()` and the built-in `smoke`/`coverage` tasks through the engine."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from pitstop.errors import DependencyError
from pitstop.registry import load_settings
from pitstop.suite import TestSettings, run_coverage
from pitstop.suite.coverage_run import read_coverage_xml

from .conftest import PYTHON

SETTINGS = TestSettings(python=PYTHON, coverage_source=("app",))


def test_coverage_reports_total_worst_files_and_reports(sample: Path) -> None:
    result = run_coverage(SETTINGS, sample, paths=["tests/test_api.py"],
                      extra_args=["-m", "smoke"])
    assert result.status == "passed"
    assert result.tests == 5 and result.failed == 0
    # app/__init__.py: 8 statements, classify() body (5 lines) not run
    (app,) = result.files
    assert app.path == "app/__init__.py" and app.missing == 5 and app.statements == 8
    assert result.percent == pytest.approx(37.5)
    reports = sample / ".pitstop" / "reports"
    assert Path(result.xml_report) == reports / "coverage.xml"
    assert (reports / "coverage.xml").is_file() and Path(result.html_report).is_file()


def test_floor_and_failures(sample: Path) -> None:
    floored = run_coverage(dataclasses.replace(SETTINGS, fail_under=90.0), sample,
                       paths=["tests/test_api.py"], extra_args=["-m", "smoke"])
    assert floored.status == "below-floor" and floored.fail_under == 90.0
    assert run_coverage(SETTINGS, sample, fail_under=10, paths=["tests/test_api.py"],
                    extra_args=["-m", "smoke"]).status == "passed"
    failing = run_coverage(SETTINGS, sample, paths=["tests/test_broken.py"])
    assert failing.status == "failed" and failing.failed == 1
    assert failing.failures[0].nodeid == "tests/test_broken.py::test_fails"


def test_missing_pytest_cov(sample: Path, tmp_path: Path) -> None:
    import subprocess

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    fake = tmp_path / "fake"
    (fake / "pytest").mkdir(parents=True)
    (fake / "pytest" / "__init__.py").write_text("")
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "fake.pth").write_text(str(fake) + "\n")
    with pytest.raises(DependencyError, match="pytest_cov not installed") as info:
        run_coverage(TestSettings(python=venv), sample)
    assert "pip install pytest-cov" in (info.value.hint or "")


def test_coverage_xml_with_branches(tmp_path: Path) -> None:
    report = tmp_path / "coverage.xml"
    report.write_text(
        '<coverage lines-valid="10" lines-covered="8" branches-valid="4" branches-covered="1">'
        '<packages><package><classes>'
        '<class filename="a.py"><lines><line number="1" hits="1"/><line number="2" hits="0"/>'
        '</lines></class>'
        '<class filename="b.py"><lines><line number="1" hits="1"/></lines></class>'
        '</classes></package></packages></coverage>')
    percent, files = read_coverage_xml(report)
    assert percent == pytest.approx(64.29)
    assert [(f.path, f.percent, f.missing) for f in files] == [("a.py", 50.0, 1),
                                                              ("b.py", 100.0, 0)]


def test_builtin_tasks_record_their_data(sample: Path) -> None:
    from pitstop.engine import run
    from pitstop.registry import tasks as builtin_tasks
    from pitstop.state.store import StateStore

    (sample / "pitstop.toml").write_text(
        f'[test]\npython = "{PYTHON}"\ncoverage_source = ["app"]\npaths = ["tests/test_api.py"]\n'
        'pytest_args = ["-p", "no:cacheprovider"]\n'
        "[workflows]\nci = [\"smoke\", \"coverage\"]\n"
        f'[metrics]\ntextfile = "{sample / "metrics.prom"}"\n')
    settings = load_settings(sample, env={})
    result = run(settings, "ci", builtin_tasks())
    assert result.status == "failed"  # coverage runs test_unselected, which fails
    with StateStore.open(settings.state.url) as store:
        record = store.get_run(result.run_id)
    assert record is not None
    tasks = {t.task: t for t in record.tasks}
    smoke_data = tasks["smoke"].data
    assert tasks["smoke"].status == "success"
    assert smoke_data["tests"] == 5 and smoke_data["failed"] == 0
    assert smoke_data["slowest"][0]["test"] == "tests/test_api.py::test_slow_endpoint"
    cov = tasks["coverage"].data
    assert tasks["coverage"].status == "failed"
    assert cov["failed"] == 1 and cov["coverage_percent"] == pytest.approx(37.5)
    # and exported as metrics (the textfile is rendered from the state store after the run)
    lines = set((sample / "metrics.prom").read_text().splitlines())
    assert {'pitstop_tests{task="smoke"} 5.0', 'pitstop_tests_failed{task="smoke"} 0.0',
            'pitstop_tests{task="coverage"} 6.0', 'pitstop_tests_failed{task="coverage"} 1.0',
            'pitstop_coverage_percent{task="coverage"} 37.5'} <= lines
