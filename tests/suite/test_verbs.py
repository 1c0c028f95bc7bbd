"""The ``test`` capability's verbs in the one shape: ``smoke`` and ``coverage`` take
the settings and return a Result whose ``to_dict()`` is what ``--json`` prints and the
history keeps; the CLI and the built-in tasks call the same verbs, and every call from
the CLI is in ``pitstop history``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pitstop.capability import Result
from pitstop.cli.main import main
from pitstop.errors import DependencyError
from pitstop.registry import load_settings
from pitstop.suite import coverage, smoke

from .conftest import PYTHON


def _history(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["history", "--json"]) == 0
    runs: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["runs"]
    return runs


def test_smoke_verb_reads_its_section_and_the_environ(sample: Path) -> None:
    (sample / "pitstop.toml").write_text('[test]\nbudget = "60s"\n', encoding="utf-8")
    settings = load_settings(sample, env={})
    with pytest.raises(DependencyError):  # pitstop's own interpreter: fine; none named
        smoke(settings, python=sample / "no-such-venv")
    seen = replace(settings, environ={"VIRTUAL_ENV": str(PYTHON.parent.parent)})
    told: list[tuple[int, int | None]] = []
    result = smoke(seen, patterns=["tests/test_api.py::test_health"],
                   progress=lambda done, total: told.append((done, total)))
    assert told == [(1, 1)]
    assert isinstance(result, Result) and result.exit_code == 0
    assert result.python == str(PYTHON) or "VIRTUAL_ENV" in result.python_reason
    data = result.to_dict()
    assert data["status"] == "passed" and data["over_budget"] is False
    assert data["cases"][0]["nodeid"] == "tests/test_api.py::test_health"
    assert "cases" not in result.summary()  # the history keeps counts, not every case


def test_cli_calls_are_recorded(sample: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    (sample / "pitstop.toml").write_text(
        f'[test]\npython = "{PYTHON}"\ncoverage_source = ["app"]\n'
        'pytest_args = ["-p", "no:cacheprovider"]\n', encoding="utf-8")
    monkeypatch.chdir(sample)
    assert main(["test", "smoke", "--pattern", "tests/test_broken.py", "--json"]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert main(["test", "coverage", "--path", "tests/test_api.py::test_health", "--json"]) == 0
    covered = json.loads(capsys.readouterr().out)
    cov_run, smoke_run = _history(capsys)
    assert (smoke_run["target"], smoke_run["capability"], smoke_run["trigger"],
            smoke_run["exit_code"]) == ("test smoke", "test", "cli", 1)
    assert smoke_run["result"]["failed"] == printed["failed"] == 1
    assert (cov_run["target"], cov_run["exit_code"]) == ("test coverage", 0)
    assert cov_run["result"]["percent"] == covered["percent"]
    assert cov_run["options"]["paths"] == ["tests/test_api.py::test_health"]


def test_coverage_verb(sample: Path) -> None:
    (sample / "pitstop.toml").write_text(
        f'[test]\npython = "{PYTHON}"\ncoverage_source = ["app"]\nfail_under = 99\n',
        encoding="utf-8")
    result = coverage(load_settings(sample, env={}), paths=["tests/test_api.py::test_health"])
    assert result.status == "below-floor" and result.exit_code == 1
    assert result.to_dict()["fail_under"] == 99
