"""Running one command task attempt as a subprocess in its own process group.

Output (stdout and stderr merged) is written to the task's log file and handed line
by line to ``on_line``.  A timeout or a cancel kills the whole process group: SIGTERM,
then SIGKILL after a grace period.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from pitstop.redact import redact

KILL_GRACE_SECONDS = 3.0
EXIT_NOT_FOUND = 127


@dataclasses.dataclass(frozen=True)
class ProcessResult:
    returncode: int | None  # None when it never started
    timed_out: bool = False
    cancelled: bool = False
    not_found: bool = False
    error: str | None = None


def _killpg(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def terminate_group(proc: subprocess.Popen[bytes], grace: float = KILL_GRACE_SECONDS) -> None:
    """SIGTERM the process group, SIGKILL it if still alive after ``grace`` seconds."""
    _killpg(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    _killpg(proc, signal.SIGKILL)  # also reaps grandchildren that ignored SIGTERM


def run_command(
    run: str | tuple[str, ...],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log_file: IO[bytes],
    on_line: Callable[[str], None],
    timeout: float | None,
    cancel: threading.Event,
) -> ProcessResult:
    """Run ``run`` (shell string or argv) and wait for it, honouring timeout and cancel."""
    shell = isinstance(run, str)
    args: str | list[str] = run if isinstance(run, str) else list(run)
    try:
        proc = subprocess.Popen(
            args, shell=shell, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )
    except FileNotFoundError as exc:
        what = exc.filename or (run if isinstance(run, str) else run[0])
        if not cwd.is_dir():
            return ProcessResult(None, error=f"working directory {cwd} does not exist")
        return ProcessResult(None, not_found=True, error=f"command not found: {what}")
    except PermissionError as exc:
        return ProcessResult(None, not_found=True,
                             error=f"cannot execute {exc.filename or args}: permission denied")
    except NotADirectoryError:
        return ProcessResult(None, error=f"working directory {cwd} is not a directory")

    def pump() -> None:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            line = redact(raw.decode("utf-8", "replace").rstrip("\r\n"))
            log_file.write(line.encode("utf-8") + b"\n")
            log_file.flush()
            on_line(line)
        proc.stdout.close()

    reader = threading.Thread(target=pump, name="pitstop-output", daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout if timeout else None
    timed_out = cancelled = False
    while True:
        try:
            proc.wait(timeout=0.05)
            break
        except subprocess.TimeoutExpired:
            pass
        if cancel.is_set():
            cancelled = True
            _killpg(proc, signal.SIGINT)
            try:
                proc.wait(timeout=KILL_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                terminate_group(proc)
            break
        if deadline is not None and time.monotonic() >= deadline:
            timed_out = True
            terminate_group(proc)
            break
    proc.wait()
    if timed_out or cancelled:
        _killpg(proc, signal.SIGKILL)  # leftovers in the group keep the pipe open
    reader.join(timeout=5)
    code = proc.returncode
    not_found = shell and code == EXIT_NOT_FOUND
    return ProcessResult(code, timed_out=timed_out, cancelled=cancelled, not_found=not_found,
                         error="command not found (exit 127)" if not_found else None)
