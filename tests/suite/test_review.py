"""Regressions found in the acceptance review of `pitstop test` (real pytest runs)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pitstop.cli.main import main
from pitstop.errors import DependencyError, TestRunError, UsageError
from pitstop.suite import TestSettings, run_smoke, runner

from .conftest import PYTHON, write_project

SETTINGS = TestSettings(python=PYTHON)
ROOT = Path(__file__).resolve().parents[2]

HANG = {
    "tests/test_hang.py": """
        import time

        import pytest


        @pytest.mark.smoke
        def test_quick():
            pass


        @pytest.mark.smoke
        def test_hangs():
            time.sleep(120)
    """,
}


def test_a_conftest_that_raises_is_a_failed_run_not_a_usage_error(sample: Path) -> None:
    write_project(sample, {"conftest.py": "raise RuntimeError('boom in conftest')\n"})
    with pytest.raises(TestRunError) as info:
        run_smoke(SETTINGS, sample)
    assert info.value.exit_code == 1
    assert "could not import" in info.value.message
    assert "RuntimeError: boom in conftest" in info.value.message
    assert "\n" not in info.value.message and "traceback" in (info.value.hint or "")


def test_an_unregistered_marker_under_strict_markers_hints_at_registering(
        sample: Path) -> None:
    strict = TestSettings(python=PYTHON, smoke_marker="quick", pytest_args=("--strict-markers",))
    with pytest.raises(UsageError) as info:
        run_smoke(strict, sample)
    assert "quick" in info.value.message and "\n" not in info.value.message
    assert "register the marker" in (info.value.hint or "")


def test_a_marker_nobody_carries_is_named(sample: Path) -> None:
    with pytest.raises(UsageError, match="marker 'quick' selected no test") as info:
        run_smoke(TestSettings(python=PYTHON, smoke_marker="quick"), sample)
    assert "@pytest.mark.quick" in (info.value.hint or "")


def test_an_absolute_pattern_inside_the_project_works(sample: Path) -> None:
    pattern = f"{sample / 'tests' / 'test_api.py'}::test_health"
    result = run_smoke(SETTINGS, sample, patterns=[pattern])
    assert result.status == "passed" and result.tests == 1


@pytest.mark.parametrize("pattern", ["-x", "--co", " "])
def test_an_option_as_pattern_is_refused_before_running(sample: Path, pattern: str) -> None:
    with pytest.raises(UsageError, match="not a node id or path"):
        run_smoke(SETTINGS, sample, patterns=[pattern])
    assert not (sample / ".pitstop").exists()  # pytest never started


def test_a_collection_error_names_the_module_and_the_cause(sample: Path) -> None:
    write_project(sample, {"tests/test_imp.py": "import nonexistent_mod\n"})
    result = run_smoke(SETTINGS, sample, patterns=["tests/test_imp.py"])
    assert result.status == "failed"
    assert [c.nodeid for c in result.failures] == ["tests/test_imp.py"]
    assert "No module named 'nonexistent_mod'" in result.failures[0].message


def test_interpreters_that_cannot_run(tmp_path: Path, sample: Path) -> None:
    (tmp_path / "novenv").mkdir()
    with pytest.raises(DependencyError, match="is a directory but not a virtualenv"):
        run_smoke(TestSettings(python=tmp_path / "novenv"), sample)
    plain = tmp_path / "python"
    plain.write_text("#!/bin/sh\nexit 0\n")
    with pytest.raises(DependencyError, match="not executable"):
        run_smoke(TestSettings(python=plain), sample)
    plain.write_text("#!/bin/sh\nexit 3\n")
    plain.chmod(0o755)
    with pytest.raises(DependencyError, match=r"failed to start \(exit status 3\)"):
        run_smoke(TestSettings(python=plain), sample)


def test_no_tests_directory_is_exit_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VIRTUAL_ENV", str(PYTHON.parent.parent))
    assert main(["test", "smoke"]) == 3
    assert "marker 'smoke' selected no test" in capsys.readouterr().err


def test_a_hanging_test_is_stopped_at_the_budget(sample: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    write_project(sample, HANG)
    result = run_smoke(SETTINGS, sample, patterns=["tests/test_hang.py"], budget=6)
    # stopped inside the hanging sleep (line 13), not after it: the budget's interrupt
    # reached it (how long that takes is measured in benchmarks/stop_latency.py)
    assert result.status == "over-budget" and result.stopped
    assert [c.nodeid for c in result.cases] == ["tests/test_hang.py::test_quick"]
    # the test that blew the budget never finished, so no report lists it: name its place
    assert result.interrupted_at == "tests/test_hang.py:13"


def test_a_blown_budget_names_the_unfinished_test_in_the_cli_and_the_task(
        sample: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.engine import run
    from pitstop.registry import load_settings
    from pitstop.registry import tasks as builtin_tasks
    from pitstop.state.store import StateStore

    write_project(sample, HANG)
    monkeypatch.chdir(sample)
    monkeypatch.setenv("VIRTUAL_ENV", str(PYTHON.parent.parent))
    assert main(["test", "smoke", "--budget", "6s", "--pattern", "tests/test_hang.py"]) == 1
    err = capsys.readouterr().err
    assert ("pytest was stopped at the 6s budget at tests/test_hang.py:13, in a test that "
            "did not finish; slowest finished: tests/test_hang.py::test_quick") in err
    (sample / "pitstop.toml").write_text(
        f'[test]\npython = "{PYTHON}"\nbudget = "6s"\nsmoke_tests = ["tests/test_hang.py"]\n'
        '[workflows]\nci = ["smoke"]\n')
    settings = load_settings(sample, env={})
    result = run(settings, "ci", builtin_tasks())
    assert result.status == "failed"
    with StateStore.open(settings.state.url) as store:
        record = store.get_run(result.run_id)
    assert record is not None
    task = record.tasks[0]
    assert task.data["stopped"] is True
    assert task.data["interrupted_at"] == "tests/test_hang.py:13"
    assert task.data["slowest"][0]["test"] == "tests/test_hang.py::test_quick"


def test_sigint_stops_pytest_and_exits_130(sample: Path) -> None:
    write_project(sample, HANG)
    env = {**os.environ, "VIRTUAL_ENV": str(PYTHON.parent.parent)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pitstop", "test", "smoke", "--budget", "0",
         "--pattern", "tests/test_hang.py::test_hangs"],
        cwd=sample, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 30
    children: list[str] = []
    while time.monotonic() < deadline and not children:  # wait until pytest runs
        time.sleep(0.2)
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                  text=True, check=False).stdout.split()
    assert children, "pytest never started"
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err
    time.sleep(0.5)
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)


def test_smoke_json_reports_stopped(sample: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(sample)
    monkeypatch.setenv("VIRTUAL_ENV", str(PYTHON.parent.parent))
    assert main(["test", "smoke", "--json", "--pattern", "tests/test_api.py::test_health"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["stopped"] is False and data["over_budget"] is False


def test_a_bad_pytest_argument_names_the_argument(sample: Path) -> None:
    bogus = TestSettings(python=PYTHON, pytest_args=("--bogus-flag",))
    with pytest.raises(UsageError, match="unrecognized arguments: --bogus-flag") as info:
        run_smoke(bogus, sample)
    assert "pytest_args" in (info.value.hint or "")


def test_node_ids_are_relative_to_the_project_in_a_monorepo(tmp_path: Path) -> None:
    """pytest.ini one level up makes pytest's rootdir the parent: patterns relative to
    the project must still match, and node ids are shown relative to the project."""
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    smoke: fast checks\n")
    backend = write_project(tmp_path / "backend")
    (backend / "pyproject.toml").unlink()
    (backend / "conftest.py").write_text("")  # puts the project on sys.path (rootdir-based)
    result = run_smoke(SETTINGS, backend, patterns=["tests/test_api.py::test_health"])
    assert result.status == "passed"
    assert [c.nodeid for c in result.cases] == ["tests/test_api.py::test_health"]


def test_a_test_that_ignores_sigint_is_still_stopped_after_the_budget(
        sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "_GRACE", 1.0)  # seconds between SIGINT and SIGTERM
    write_project(sample, {"tests/test_stubborn.py": """
        import signal
        import time


        def test_stubborn():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            time.sleep(120)
            open("finished", "w").close()
    """})
    result = run_smoke(SETTINGS, sample, patterns=["tests/test_stubborn.py"], budget=2)
    assert not (sample / "finished").exists()  # killed in its sleep, never ran to the end
    assert result.status == "over-budget" and result.stopped
    assert result.interrupted_at is None  # killed: pytest could not say where it was
