"""pytest runs in a process group of its own: stopping it stops what its tests started."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pitstop.errors import TestRunError
from pitstop.testing import TestSettings, smoke
from procutil import gone

from .conftest import PYTHON, write_project

SETTINGS = TestSettings(python=PYTHON)

# a test that starts a sleeping grandchild (its own child process, ignoring SIGTERM),
# writes its pid where the test can find it, then hangs
SPAWNS = """
    import os
    import subprocess
    import sys
    import time

    import pytest


    @pytest.mark.smoke
    def test_spawns_and_hangs():
        child = subprocess.Popen([sys.executable, "-c",
                                  "import signal, time; signal.signal(signal.SIGTERM, "
                                  "signal.SIG_IGN); time.sleep(300)"])
        with open(os.environ["PIDFILE"] + ".tmp", "w") as handle:
            handle.write(str(child.pid))
        os.replace(os.environ["PIDFILE"] + ".tmp", os.environ["PIDFILE"])
        time.sleep(300)
"""

LEAVES = """
    import os
    import subprocess
    import sys

    import pytest


    @pytest.mark.smoke
    def test_leaves_a_process_behind():
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
        with open(os.environ["PIDFILE"], "w") as handle:
            handle.write(str(child.pid))
"""


@pytest.fixture
def pidfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "grandchild.pid"
    monkeypatch.setenv("PIDFILE", str(path))  # pytest inherits it (and tells its test)
    return path


def test_timeout_kills_the_grandchildren_of_pytest(sample: Path, pidfile: Path) -> None:
    write_project(sample, {"tests/test_spawn.py": SPAWNS})
    with pytest.raises(TestRunError, match="still running after"):
        smoke(dataclasses.replace(SETTINGS, timeout=4.0), sample,
              patterns=["tests/test_spawn.py"])
    pid = int(pidfile.read_text())
    assert gone(pid), f"the test's child {pid} outlived pytest"


def test_processes_left_behind_by_a_test_are_killed(sample: Path, pidfile: Path) -> None:
    write_project(sample, {"tests/test_leave.py": LEAVES})
    result = smoke(SETTINGS, sample, patterns=["tests/test_leave.py"])
    assert result.status == "passed"
    pid = int(pidfile.read_text())
    assert gone(pid), f"the test's child {pid} outlived pytest"
