"""`run_smoke()` running a real sample project through pytest."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from pitstop.errors import DependencyError, TestRunError, UsageError
from pitstop.suite import TestSettings, run_smoke
from pitstop.suite.junit import parse_junit
from pitstop.suite.smoke_run import matches

from .conftest import PYTHON, write_project

SETTINGS = TestSettings(python=PYTHON, slow_test=0.3)


def test_marker_selects_the_smoke_tests(sample: Path) -> None:
    result = run_smoke(SETTINGS, sample)
    assert result.status == "passed"
    assert (result.tests, result.passed, result.skipped, result.failed) == (5, 4, 1, 0)
    ids = {c.nodeid for c in result.cases}
    assert "tests/test_api.py::test_unselected" not in ids
    assert "tests/test_api.py::TestOrders::test_create[2]" in ids
    assert result.slowest[0].nodeid == "tests/test_api.py::test_slow_endpoint"
    assert result.slowest[0].duration >= 0.4
    assert [c.nodeid for c in result.slow] == ["tests/test_api.py::test_slow_endpoint"]
    assert result.selection == "marker 'smoke'"
    assert result.output_file is not None and Path(result.output_file).is_file()
    assert result.output_file.startswith(str(sample / ".pitstop" / "reports"))


def test_budget_blown_is_a_result(sample: Path) -> None:
    result = run_smoke(SETTINGS, sample, budget=0.05)
    assert result.status == "over-budget" and result.over_budget
    assert result.failed == 0


def test_failing_pattern(sample: Path) -> None:
    result = run_smoke(SETTINGS, sample, patterns=["tests/test_broken.py"])
    assert result.status == "failed" and result.failed == 1 and result.passed == 1
    (failure,) = result.failures
    assert failure.nodeid == "tests/test_broken.py::test_fails"
    assert "zero is not positive" in failure.message


def test_patterns_from_config(sample: Path) -> None:
    configured = dataclasses.replace(SETTINGS, smoke_tests=(
        "tests/test_broken.py::test_positive", "tests/test_api.py::test_health"))
    result = run_smoke(configured, sample, budget=0)  # 0: no budget
    assert result.status == "passed" and result.tests == 2
    assert result.budget is None and not result.over_budget


@pytest.mark.parametrize("patterns", [
    ["tests/test_api.py::test_health", "tests/test_api.py::no_such_test"],
    ["tests/missing_file.py"],
    ["tests/empty"],
    ["tests/test_api.py::test_health", "tests/empty"],
])
def test_patterns_that_select_nothing_are_usage_errors(sample: Path,
                                                       patterns: list[str]) -> None:
    with pytest.raises(UsageError) as info:
        run_smoke(SETTINGS, sample, patterns=patterns)
    assert info.value.exit_code == 3


def test_marker_that_selects_nothing(sample: Path) -> None:
    with pytest.raises(UsageError, match=r"marker 'nothing_marked' selected no test"):
        run_smoke(dataclasses.replace(SETTINGS, smoke_marker="nothing_marked"), sample)


def test_collection_error_is_a_failure(sample: Path) -> None:
    write_project(sample, {"tests/test_syntax.py": "def broken(:\n"})
    result = run_smoke(SETTINGS, sample, patterns=["tests/test_syntax.py"])
    assert result.status == "failed" and result.errors == 1


def test_timeout_stops_pytest(sample: Path) -> None:
    write_project(sample, {"tests/test_hang.py": "import time\n\ndef test_hang():\n"
                                                 "    time.sleep(30)\n"})
    with pytest.raises(TestRunError, match=r"still running after 1\.5s"):
        run_smoke(dataclasses.replace(SETTINGS, timeout=1.5), sample,
              patterns=["tests/test_hang.py"])


def test_interpreter_discovery(sample: Path, tmp_path: Path) -> None:
    bare = TestSettings()
    # nothing configured, no VIRTUAL_ENV, no .venv: pitstop's own interpreter, and it says so
    fallback = run_smoke(bare, sample, patterns=["tests/test_api.py::test_health"])
    assert fallback.status == "passed" and fallback.python == sys.executable
    assert fallback.python_reason.startswith("pitstop's own interpreter: no [project] python")
    with pytest.raises(DependencyError, match="does not exist"):
        run_smoke(TestSettings(python=tmp_path / "nope" / "python"), sample)
    # VIRTUAL_ENV, passed in by the CLI
    venv = PYTHON.parent.parent
    assert run_smoke(bare, sample, virtual_env=venv, patterns=["tests/test_api.py::test_health"]
                 ).status == "passed"
    # a virtualenv directory in [test] python
    assert run_smoke(TestSettings(python=venv), sample,
                 patterns=["tests/test_api.py::test_health"]).tests == 1


def test_the_projects_own_venv_is_found(sample: Path, tmp_path: Path) -> None:
    venv = PYTHON.parent.parent
    if not (venv / "pyvenv.cfg").is_file():
        pytest.skip("the test interpreter is not in a virtualenv")
    (sample / ".venv").symlink_to(venv, target_is_directory=True)
    own = sample / ".venv" / "bin" / "python"
    node = ["tests/test_api.py::test_health"]
    result = run_smoke(TestSettings(), sample, patterns=node)
    assert result.status == "passed" and result.python == str(own)
    # a VIRTUAL_ENV without an interpreter (deleted since activation) falls back to .venv
    assert run_smoke(TestSettings(), sample, patterns=node,
                 virtual_env=tmp_path / "gone").python == str(own)
    # an active VIRTUAL_ENV wins over .venv, [test] python over both
    other = tmp_path / "other-venv"
    other.symlink_to(venv, target_is_directory=True)
    assert run_smoke(TestSettings(), sample, patterns=node, virtual_env=other).python == str(
        other / "bin" / "python")
    assert run_smoke(TestSettings(python=venv), sample, patterns=node,
                 virtual_env=other).python == str(venv / "bin" / "python")


def test_missing_pytest_says_how_to_fix_it(sample: Path, tmp_path: Path) -> None:
    venv = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    with pytest.raises(DependencyError, match="pytest not installed") as info:
        run_smoke(TestSettings(python=venv), sample)
    assert info.value.exit_code == 2
    assert "-m pip install pytest" in (info.value.hint or "")


@pytest.mark.parametrize(("pattern", "nodeid", "expected"), [
    ("tests/test_a.py", "tests/test_a.py::test_x", True),
    ("tests/", "tests/test_a.py::test_x", True),
    ("./tests/test_a.py::test_x", "tests/test_a.py::test_x[1]", True),
    ("tests/test_a.py::T", "tests/test_a.py::T::test_x", True),
    ("tests/test_a.py::test_x", "tests/test_a.py::test_xy", False),
    ("tests/test_a", "tests/test_a.py::test_x", False),
])
def test_pattern_matching(pattern: str, nodeid: str, expected: bool) -> None:
    assert matches(pattern, nodeid) is expected


def test_junit_node_ids(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(
        '<?xml version="1.0"?><testsuites><testsuite name="pytest" time="1.5">'
        '<testcase classname="tests.sub.test_m.TestA" name="test_b[x-1]" file="tests/sub/test_m.py"'
        ' time="0.25"><failure message="boom">trace</failure></testcase>'
        '<testcase classname="tests.test_n" name="test_c" file="tests/test_n.py" time="0.1">'
        '<skipped message="later"/></testcase>'
        '<testcase classname="" name="tests.test_bad" time="0"><error message="collection'
        ' failure"/></testcase></testsuite></testsuites>')
    cases, total = parse_junit(report)
    assert total == 1.5
    assert [(c.nodeid, c.outcome) for c in cases] == [
        ("tests/sub/test_m.py::TestA::test_b[x-1]", "failed"),
        ("tests/test_n.py::test_c", "skipped"),
        ("tests.test_bad", "error"),
    ]
    report.write_text("<not xml")
    with pytest.raises(TestRunError, match="JUnit"):
        parse_junit(report)


def test_cancel_stops_pytest(sample: Path) -> None:
    import threading

    write_project(sample, {"tests/test_hang.py": "import time\n\ndef test_hang():\n"
                                                 "    time.sleep(30)\n"})
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()
    with pytest.raises(TestRunError, match="cancelled"):  # not a 30 s test run
        run_smoke(SETTINGS, sample, patterns=["tests/test_hang.py"], cancel=cancel)
