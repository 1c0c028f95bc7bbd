"""`pitstop test …` through the CLI entry point: exit codes and output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pitstop.cli.main import main

from .conftest import PYTHON


@pytest.fixture
def project(sample: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(sample)
    monkeypatch.setenv("VIRTUAL_ENV", str(PYTHON.parent.parent))
    return sample


def test_smoke_passes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "smoke"]) == 0
    captured = capsys.readouterr()
    assert "tests/test_api.py::test_slow_endpoint" in captured.out.splitlines()[1]
    assert "smoke (marker 'smoke'): 4 passed, 1 skipped" in captured.err


def test_smoke_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "smoke", "--json", "--pattern", "tests/test_broken.py"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "failed" and data["failed"] == 1 and data["tests"] == 2
    assert data["failures"][0]["nodeid"] == "tests/test_broken.py::test_fails"
    assert {"duration", "budget", "slowest", "slow", "cases", "over_budget"} <= set(data)


def test_smoke_over_budget_stops_pytest(project: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "smoke", "--budget", "10ms"]) == 1
    err = capsys.readouterr().err
    assert "pytest was stopped at the 0.01s budget" in err and "hint:" in err


def test_smoke_usage_errors_exit_3(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "smoke", "--pattern", "tests/empty"]) == 3
    assert main(["test", "smoke", "--budget", "soon"]) == 3
    (project / "pitstop.toml").write_text("[test]\nfail_under = 150\n")
    assert main(["test", "smoke"]) == 3
    assert "fail_under" in capsys.readouterr().err


def test_missing_interpreter_exits_2(sample: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(sample)
    assert main(["test", "smoke", "--python", str(sample / "no-such-venv")]) == 2
    assert "the python option: " in capsys.readouterr().err
    (sample / "pitstop.toml").write_text('[project]\npython = "gone/bin/python"\n')
    assert main(["test", "smoke"]) == 2
    assert "[project] python: " in capsys.readouterr().err
    assert main(["test", "smoke", "--python", str(PYTHON),
                 "--pattern", "tests/test_api.py::test_health"]) == 0


def test_coverage_floor(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text('[test]\ncoverage_source = ["app"]\n'
                                          'pytest_args = ["-m", "smoke"]\n')
    assert main(["test", "coverage", "--path", "tests/test_api.py", "--fail-under", "50"]) == 1
    captured = capsys.readouterr()
    assert "app/__init__.py" in captured.out
    assert "coverage: 37.50% total (floor 50%)" in captured.err
    assert "under the 50% floor" in captured.err
    assert main(["test", "coverage", "--path", "tests/test_api.py", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["percent"] == 37.5 and data["status"] == "passed"
    assert data["xml_report"].endswith(".pitstop/reports/coverage.xml")


def test_help_texts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "--help"]) == 0
    assert main(["test", "smoke", "--help"]) == 0
    assert main(["test", "coverage", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--budget" in out and "--fail-under" in out
