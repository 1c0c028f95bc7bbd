"""Running pytest in the project's interpreter and turning its exit status and JUnit
report into a :class:`PytestRun`."""

from __future__ import annotations

import dataclasses
import logging
import re
import shlex
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from pitstop import proc
from pitstop.errors import PermissionDeniedError, PitstopError, TestRunError, UsageError
from pitstop.testing.junit import TestCase, parse_junit

log = logging.getLogger("pitstop.testing")

# pytest's own exit statuses
_OK, _FAILED, _INTERRUPTED, _INTERNAL, _USAGE, _NO_TESTS = 0, 1, 2, 3, 4, 5


@dataclasses.dataclass(frozen=True)
class PytestRun:
    """One finished pytest run."""

    command: tuple[str, ...]
    exit_code: int
    cases: tuple[TestCase, ...]
    wall_seconds: float
    output: str
    output_file: Path | None
    stopped: bool = False
    """pytest was interrupted because the run went over its budget."""
    interrupted_at: str | None = None
    """Where pytest was when the budget's interrupt reached it (``tests/test_x.py:12``),
    as pytest reports it; the test running there did not finish, so it is in no report."""

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.cases if c.outcome == outcome)

    @property
    def failures(self) -> tuple[TestCase, ...]:
        return tuple(c for c in self.cases if c.outcome in ("failed", "error"))

    def slowest(self, n: int) -> tuple[TestCase, ...]:
        ran = [c for c in self.cases if c.outcome != "skipped"]
        return tuple(sorted(ran, key=lambda c: c.duration, reverse=True)[:n])


def _run(command: Sequence[str], *, cwd: Path, timeout: float | None,
         cancel: threading.Event | None, what: str, stop_after: float | None = None
         ) -> tuple[int, str, bool]:
    """Run ``command`` with output to a temporary file; stop it on timeout or cancel.

    pytest runs in a process group of its own (:mod:`pitstop.proc`): a timeout, a cancel
    or Ctrl-C stops it together with every process its tests started.  Past
    ``stop_after`` seconds (the smoke budget) pytest alone gets a SIGINT, so it ends the
    way Ctrl-C ends it, still writing its reports; the third value says so.  Whatever
    the tests left running is killed when pytest ends.
    """
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as out:
        try:
            process = proc.start(command, cwd=cwd, env=None, stdout=out, stderr=proc.STDOUT)
        except proc.StartError as exc:
            raise TestRunError(f"{what}: cannot start {command[0]}: {exc.message}") from exc
        with process:
            outcome = process.wait(timeout=timeout, cancel=cancel, interrupt_after=stop_after,
                                   interrupt_grace=_GRACE)
            process.kill_leftovers()
        if outcome.cancelled:
            raise TestRunError(f"{what}: cancelled; pytest was stopped")
        if outcome.timed_out:
            raise TestRunError(
                f"{what}: pytest was still running after {timeout:g}s and was stopped "
                "(with every process its tests started)",
                hint="raise [test] timeout, or find the hanging test with "
                     "`pytest --durations=10`",
            )
        out.seek(0)
        return outcome.returncode, out.read(), outcome.interrupted


_GRACE = 10.0  # seconds pytest gets to finish its reports after the budget's SIGINT


_INTERRUPT = re.compile(r"^(?P<file>\S.*?):(?P<line>\d+): KeyboardInterrupt\s*$", re.MULTILINE)


def _interrupted_at(output: str, cwd: Path) -> str | None:
    """The ``file:line`` pytest names after ``KeyboardInterrupt`` (relative to ``cwd``
    when inside it), or ``None`` when it named none (pytest had to be killed)."""
    found = list(_INTERRUPT.finditer(output))
    if not found:
        return None
    name, line = found[-1]["file"], found[-1]["line"]
    path = Path(name)
    if path.is_absolute():
        for base in (cwd, cwd.resolve()):
            if path.is_relative_to(base):
                name = path.relative_to(base).as_posix()
                break
    return f"{name}:{line}"


def _reason(output: str) -> str:
    """The line of pytest's output that says what went wrong (one line, shortened)."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    errors = [ln[1:].strip() for ln in lines if ln.startswith("E ")]
    argparse = [ln for ln in lines if ": error: " in ln and not ln.startswith("ERROR")]
    if argparse:  # pytest's option parser: "python -m pytest: error: unrecognized …"
        text = argparse[-1].partition(": error: ")[2]
    elif errors:
        text = errors[-1]
    else:
        marked = [ln for ln in lines if ln.startswith("ERROR")]
        text = "; ".join(marked[:3]) if marked else (lines[-1] if lines else "no output")
    return text if len(text) <= 400 else text[:399] + "…"


_MARKER_WORDS = ("marker", "'-m'")


def _usage_error(what: str, output: str, python: Path, cwd: Path,
                 output_file: Path | None) -> PitstopError:
    """pytest's exit status 4: a conftest that cannot be imported (a broken suite, exit
    1), or arguments pytest refused (exit 3)."""
    where = f"; full output in {output_file}" if output_file else ""
    if "while loading conftest" in output:
        conftest = re.search(r"while loading conftest '([^']+)'", output)
        name = conftest.group(1) if conftest else "a conftest.py"
        return TestRunError(
            f"{what}: pytest could not import {name}: {_reason(output)}",
            hint=f"run `{python} -m pytest` in {cwd} to see the traceback{where}",
        )
    reason = _reason(output)
    if "unrecognized arguments" in reason or reason.startswith("argument "):
        hint = "fix [test] pytest_args (or the project's addopts)"
    elif any(word in reason for word in _MARKER_WORDS):
        hint = ("register the marker in pytest's configuration (markers = [\"smoke: ...\"] "
                "under [tool.pytest.ini_options]) or fix [test] smoke_marker")
    else:
        hint = "check the node ids / paths (they are relative to the project directory)"
    return UsageError(f"{what}: pytest refused the arguments: {reason}", hint=hint)


def _relative_to_project(cases: list[TestCase], project_dir: Path) -> list[TestCase]:
    """Node ids relative to the project directory.  pytest makes them relative to its
    rootdir, which is a parent directory when the pytest configuration lives there (a
    monorepo with ``pytest.ini`` at the top): ``backend/tests/test_x.py`` becomes
    ``tests/test_x.py`` for a project in ``backend/``."""
    files = [c.nodeid.partition("::")[0] for c in cases if c.nodeid]
    if not files or (project_dir / files[0]).exists():
        return cases
    for ancestor in project_dir.parents:
        prefix = project_dir.relative_to(ancestor).as_posix() + "/"
        if files[0].startswith(prefix) and (ancestor / files[0]).exists():
            return [dataclasses.replace(c, nodeid=c.nodeid.removeprefix(prefix)) for c in cases]
    return cases


def run_pytest(python: Path, args: Sequence[str], *, cwd: Path, timeout: float | None,
               output_file: Path | None, what: str,
               cancel: threading.Event | None = None, selection: str = "the selection",
               empty_hint: str | None = None, stop_after: float | None = None) -> PytestRun:
    """Run ``python -m pytest ARGS`` in ``cwd`` with a JUnit report and parse it.

    Refused arguments and "no tests collected" raise :class:`UsageError` (exit 3): a
    selection that selects nothing is never a green run.  A conftest that cannot be
    imported or a pytest crash raise :class:`TestRunError` (exit 1).  Failing tests are
    data.
    """
    with tempfile.TemporaryDirectory(prefix="pitstop-pytest-") as tmp:
        junit = Path(tmp) / "junit.xml"
        command = (str(python), "-m", "pytest", f"--junitxml={junit}",
                   "-o", "junit_family=xunit1", "-o", "junit_duration_report=total", *args)
        log.info("%s: %s", what, shlex.join(c for c in command if not c.startswith("--junitxml")))
        start = time.monotonic()
        code, output, stopped = _run(command, cwd=cwd, timeout=timeout, cancel=cancel,
                                     what=what, stop_after=stop_after)
        wall = time.monotonic() - start
        if output_file is not None:
            try:
                output_file.parent.mkdir(parents=True, exist_ok=True)
                output_file.write_text(output, encoding="utf-8")
            except PermissionError as exc:
                raise PermissionDeniedError(f"{output_file}: cannot write: {exc}") from exc
            except OSError:
                output_file = None
        if code == _USAGE:
            raise _usage_error(what, output, python, cwd, output_file)
        if code == _NO_TESTS:
            raise UsageError(f"{what}: {selection} selected no test",
                             hint=empty_hint or "fix the selection; an empty run is never green")
        cases: list[TestCase] = []
        if junit.is_file():
            cases, _ = parse_junit(junit)
            cases = _relative_to_project(cases, cwd)
        if code not in (_OK, _FAILED) and not stopped and not any(
                c.outcome in ("failed", "error") for c in cases):
            kind = {_INTERRUPTED: "was interrupted", _INTERNAL: "hit an internal error"}.get(
                code, f"exited with status {code}")
            raise TestRunError(f"{what}: pytest {kind}: {_reason(output)}",
                               hint=f"full output in {output_file}" if output_file else None)
    return PytestRun(command, code, tuple(cases), wall, output, output_file, stopped,
                     _interrupted_at(output, cwd) if stopped else None)
