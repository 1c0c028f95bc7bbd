"""Running one command task attempt as a subprocess in its own process group.

Output (stdout and stderr merged) is written to the task's log file and handed line
by line to ``on_line``.  A timeout or a cancel kills the whole process group: SIGTERM,
then SIGKILL after a grace period.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from pitstop import proc
from pitstop.redact import redact

KILL_GRACE_SECONDS = proc.GRACE_SECONDS
EXIT_NOT_FOUND = 127


@dataclasses.dataclass(frozen=True)
class ProcessResult:
    returncode: int | None  # None when it never started
    timed_out: bool = False
    cancelled: bool = False
    not_found: bool = False
    error: str | None = None


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
    try:
        process = proc.start(run, cwd=cwd, env=env, stdout=proc.PIPE, stderr=proc.STDOUT,
                             shell=shell)
    except proc.StartError as exc:
        return ProcessResult(None, not_found=exc.reason in ("not-found", "permission"),
                             error=exc.message)

    def pump() -> None:
        stdout = process.popen.stdout
        assert stdout is not None
        for raw in iter(stdout.readline, b""):
            line = redact(raw.decode("utf-8", "replace").rstrip("\r\n"))
            log_file.write(line.encode("utf-8") + b"\n")
            log_file.flush()
            on_line(line)
        stdout.close()

    reader = threading.Thread(target=pump, name="pitstop-output", daemon=True)
    reader.start()
    outcome = process.wait(timeout=timeout, cancel=cancel, grace=KILL_GRACE_SECONDS)
    if outcome.timed_out or outcome.cancelled:
        process.kill_leftovers()  # leftovers in the group keep the pipe open
    reader.join(timeout=5)
    code = outcome.returncode
    not_found = shell and code == EXIT_NOT_FOUND
    return ProcessResult(code, timed_out=outcome.timed_out, cancelled=outcome.cancelled,
                         not_found=not_found,
                         error="command not found (exit 127)" if not_found else None)
