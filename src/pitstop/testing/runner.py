"""Running pytest in the project's interpreter and turning its exit status and JUnit
report into a :class:`PytestRun`."""

from __future__ import annotations

import dataclasses
import logging
import shlex
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from pitstop.errors import PermissionDeniedError, TestRunError, UsageError
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

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.cases if c.outcome == outcome)

    @property
    def failures(self) -> tuple[TestCase, ...]:
        return tuple(c for c in self.cases if c.outcome in ("failed", "error"))

    def slowest(self, n: int) -> tuple[TestCase, ...]:
        ran = [c for c in self.cases if c.outcome != "skipped"]
        return tuple(sorted(ran, key=lambda c: c.duration, reverse=True)[:n])


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _run(command: Sequence[str], *, cwd: Path, timeout: float | None,
         cancel: threading.Event | None, what: str) -> tuple[int, str]:
    """Run ``command`` with output to a temporary file; stop it on timeout or cancel."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as out:
        try:
            proc = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        except OSError as exc:
            raise TestRunError(f"{what}: cannot start {command[0]}: {exc}") from exc
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                try:
                    code = proc.wait(timeout=0.05)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if cancel is not None and cancel.is_set():
                    _stop(proc)
                    raise TestRunError(f"{what}: cancelled; pytest was stopped")
                if deadline is not None and time.monotonic() > deadline:
                    _stop(proc)
                    raise TestRunError(
                        f"{what}: pytest was still running after {timeout:g}s and was stopped",
                        hint="raise [test] timeout, or find the hanging test with "
                             "`pytest --durations=10`",
                    )
        except BaseException:
            _stop(proc)
            raise
        out.seek(0)
        return code, out.read()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_pytest(python: Path, args: Sequence[str], *, cwd: Path, timeout: float | None,
               output_file: Path | None, what: str,
               cancel: threading.Event | None = None) -> PytestRun:
    """Run ``python -m pytest ARGS`` in ``cwd`` with a JUnit report and parse it.

    Usage errors and "no tests collected" raise :class:`UsageError` (exit 3): a
    selection that selects nothing is never a green run.  Failing tests are data.
    """
    with tempfile.TemporaryDirectory(prefix="pitstop-pytest-") as tmp:
        junit = Path(tmp) / "junit.xml"
        command = (str(python), "-m", "pytest", f"--junitxml={junit}",
                   "-o", "junit_family=xunit1", "-o", "junit_duration_report=total", *args)
        log.info("%s: %s", what, shlex.join(c for c in command if not c.startswith("--junitxml")))
        start = time.monotonic()
        code, output = _run(command, cwd=cwd, timeout=timeout, cancel=cancel, what=what)
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
            errors = [ln for ln in output.splitlines() if ln.startswith("ERROR")]
            raise UsageError(f"{what}: pytest refused the selection: "
                             + ("; ".join(errors) or _tail(output, 5)),
                             hint="check the node ids / paths (they are relative to the "
                                  "project directory)")
        if code == _NO_TESTS:
            raise UsageError(f"{what}: the selection matched no test",
                             hint="mark tests or fix the node ids; an empty run is never green")
        cases: list[TestCase] = []
        if junit.is_file():
            cases, _ = parse_junit(junit)
        if code not in (_OK, _FAILED) and not any(c.outcome in ("failed", "error")
                                                   for c in cases):
            kind = {_INTERRUPTED: "was interrupted", _INTERNAL: "hit an internal error"}.get(
                code, f"exited with status {code}")
            raise TestRunError(f"{what}: pytest {kind}:\n{_tail(output)}",
                               hint=f"full output in {output_file}" if output_file else None)
    return PytestRun(command, code, tuple(cases), wall, output, output_file)
