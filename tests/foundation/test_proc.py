"""pitstop.proc: real children, real process groups, real signals."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import pytest

from pitstop import proc
from procutil import gone

PY = sys.executable

# a child that starts a grandchild ignoring SIGTERM, writes its pid, then waits forever
SPAWNER = (
    "import os, subprocess, sys, time\n"
    "g = subprocess.Popen([sys.executable, '-c', 'import signal, time; "
    "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)'])\n"
    "open(sys.argv[1] + '.tmp', 'w').write(str(g.pid))\n"
    "os.replace(sys.argv[1] + '.tmp', sys.argv[1])\n"
    "time.sleep(300)\n"
)


def _wait_for(path: Path) -> int:
    event = threading.Event()
    for _ in range(400):  # the child writes it once it started its own child
        if path.exists():
            return int(path.read_text())
        event.wait(0.05)
    raise AssertionError(f"{path} never appeared")


def test_run_captures_output_exit_status_and_input(tmp_path: Path) -> None:
    done = proc.run([PY, "-c", "import sys; d = sys.stdin.read(); print(d.upper()); "
                               "print('oops', file=sys.stderr); sys.exit(3)"],
                    cwd=tmp_path, env={"PATH": os.defpath}, input=b"hello")
    assert (done.returncode, done.stdout, done.stderr) == (3, b"HELLO\n", b"oops\n")
    assert not done.timed_out and done.argv[0] == PY


def test_stdin_is_dev_null_without_input(tmp_path: Path) -> None:
    done = proc.run([PY, "-c", "import sys; print(repr(sys.stdin.read()))"], cwd=tmp_path,
                    env={})
    assert done.stdout == b"''\n"


def test_the_environment_is_exactly_the_one_given(tmp_path: Path) -> None:
    done = proc.run([PY, "-c", "import os; print(sorted(k for k in os.environ "
                               "if k != 'LC_CTYPE'))"], cwd=tmp_path, env={"ONLY": "1"})
    assert done.stdout.strip() == b"['ONLY']"


def test_timeout_kills_children_and_grandchildren(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    done = proc.run([PY, "-c", SPAWNER, str(pidfile)], cwd=tmp_path, env={}, timeout=3,
                    grace=0.5)
    assert done.timed_out and done.returncode == -signal.SIGTERM
    assert gone(int(pidfile.read_text()))


def test_cancel_interrupts_the_group_then_stops_it(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    cancel = threading.Event()
    with proc.start([PY, "-c", SPAWNER, str(pidfile)], cwd=tmp_path, env={},
                    stdout=proc.DEVNULL, stderr=proc.DEVNULL) as process:
        grandchild = _wait_for(pidfile)
        cancel.set()
        outcome = process.wait(cancel=cancel, grace=0.5)
    assert outcome.cancelled and outcome.returncode == -signal.SIGINT
    assert gone(grandchild)  # it ignored SIGTERM: SIGKILL after the grace


def test_interrupt_lets_the_child_finish_cleanly(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    script = ("import sys, time\nopen(sys.argv[1], 'w').close()\ntry:\n    time.sleep(60)\n"
              "except KeyboardInterrupt:\n    print('reports written')\n    sys.exit(2)\n")
    with proc.start([PY, "-c", script, str(ready)], cwd=tmp_path, env={},
                    stdout=proc.PIPE) as process:
        while not ready.exists():
            threading.Event().wait(0.05)
        outcome = process.wait(interrupt_after=0, interrupt_grace=30)
        assert process.popen.stdout is not None
        assert process.popen.stdout.read() == b"reports written\n"
    assert outcome.interrupted and outcome.returncode == 2 and not outcome.timed_out


def test_an_ignored_interrupt_ends_in_a_stop(tmp_path: Path) -> None:
    script = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(60)"
    with proc.start([PY, "-c", script], cwd=tmp_path, env={}) as process:
        outcome = process.wait(interrupt_after=0.5, interrupt_grace=0.5, grace=0.5)
    assert outcome.interrupted and outcome.returncode == -signal.SIGTERM


def test_leftovers_are_killed_when_the_child_ends(tmp_path: Path) -> None:
    pidfile = tmp_path / "leftover.pid"
    script = ("import subprocess, sys\n"
              "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
              "open(sys.argv[1], 'w').write(str(g.pid))\n")
    done = proc.run([PY, "-c", script, str(pidfile)], cwd=tmp_path, env={})
    assert done.returncode == 0
    assert gone(int(pidfile.read_text()))


def test_an_exception_while_waiting_stops_the_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    process = proc.start([PY, "-c", SPAWNER, str(pidfile)], cwd=tmp_path, env={},
                         stdout=proc.DEVNULL, stderr=proc.DEVNULL)
    grandchild = _wait_for(pidfile)

    class Boom(Exception):
        pass

    def boom(*_: object) -> None:
        raise Boom

    previous = signal.signal(signal.SIGALRM, boom)
    signal.setitimer(signal.ITIMER_REAL, 0.2)  # an exception arrives mid-wait, as Ctrl-C does
    try:
        with pytest.raises(Boom):
            process.wait(grace=0.5)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert process.returncode is not None
    assert gone(grandchild)


@pytest.mark.parametrize(("argv", "reason", "words"), [
    (["pitstop-no-such-program"], "not-found", "command not found: pitstop-no-such-program"),
    (["./not-executable"], "permission", "permission denied"),
])
def test_start_errors_say_why(tmp_path: Path, argv: list[str], reason: str,
                              words: str) -> None:
    (tmp_path / "not-executable").write_text("#!/bin/sh\n")
    with pytest.raises(proc.StartError, match=words) as info:
        proc.run(argv, cwd=tmp_path, env={"PATH": str(tmp_path)})
    assert info.value.reason == reason and info.value.exit_code == 2


def test_a_missing_working_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(proc.StartError, match=r"working directory .*gone does not exist") as info:
        proc.run([PY, "-c", "pass"], cwd=tmp_path / "gone", env={})
    assert info.value.reason == "cwd"


def test_tail() -> None:
    assert proc.tail(b"one\n\ntwo\n  \n") == "two"
    assert proc.tail("a\nb\nc", 2) == "b\nc"
