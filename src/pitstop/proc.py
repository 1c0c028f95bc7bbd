"""Running a subprocess: the one way pitstop starts a child, waits for it and stops it
together with everything it started.

Every child starts in a session (and process group) of its own, so a stop reaches its
children and grandchildren too, and a Ctrl-C at the terminal reaches pitstop alone, which
then stops the child deliberately:

- a **timeout** stops the group: SIGTERM, then SIGKILL after a grace period;
- a **cancel** (a :class:`threading.Event` another thread sets) sends the group SIGINT,
  as Ctrl-C would, and stops it the hard way if it is still there after the grace period;
- an **interrupt** (``interrupt_after`` seconds) sends the child alone a SIGINT and lets
  it finish its reports; if it ignores that, it is stopped after ``interrupt_grace``;
- any exception while waiting (``KeyboardInterrupt`` included) stops the group before it
  propagates, so nothing is left behind.

:func:`run` captures stdout and stderr into temporary files (a grandchild holding them
open can never hang the wait) and returns a :class:`Completed`; :func:`start` hands out a
:class:`Process` for callers that stream output or talk to the child over pipes (the
workflow engine's log files, the project interpreter's JSON exchange).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from pitstop.errors import DependencyError

GRACE_SECONDS = 3.0
"""How long a child gets between SIGTERM (or a cancel's SIGINT) and SIGKILL."""
POLL_SECONDS = 0.05

PIPE = subprocess.PIPE
DEVNULL = subprocess.DEVNULL
STDOUT = subprocess.STDOUT
_Stream = int | IO[Any] | None


class StartError(DependencyError):
    """The child could not be started. ``reason`` says why: ``"not-found"`` (no such
    program), ``"permission"`` (not executable), ``"cwd"`` (the working directory is
    missing or not a directory) or ``"os"`` (anything else)."""

    def __init__(self, message: str, *, reason: str, program: str,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason
        self.program = program


@dataclasses.dataclass(frozen=True)
class Outcome:
    """How a wait ended. ``returncode`` is negative when a signal ended the child."""

    returncode: int
    timed_out: bool = False
    cancelled: bool = False
    interrupted: bool = False
    """``interrupt_after`` passed and the child was sent SIGINT (it may have finished
    cleanly after that, or been stopped)."""


@dataclasses.dataclass(frozen=True)
class Completed(Outcome):
    """A finished :func:`run`: the outcome and what the child wrote."""

    argv: tuple[str, ...] = ()
    stdout: bytes = b""
    stderr: bytes = b""
    seconds: float = 0.0


def _start_error(exc: OSError, program: str, cwd: Path | None) -> StartError:
    if cwd is not None and not cwd.is_dir():
        what = "does not exist" if not cwd.exists() else "is not a directory"
        return StartError(f"working directory {cwd} {what}", reason="cwd", program=program)
    if isinstance(exc, FileNotFoundError):
        return StartError(f"command not found: {exc.filename or program}", reason="not-found",
                          program=program)
    if isinstance(exc, PermissionError):
        return StartError(f"cannot execute {exc.filename or program}: permission denied",
                          reason="permission", program=program)
    return StartError(f"cannot start {program}: {exc.strerror or exc}", reason="os",
                      program=program)


class Process:
    """A started child, the leader of its own process group."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self.popen = popen

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.returncode

    def poll(self) -> int | None:
        return self.popen.poll()

    def signal_group(self, sig: int) -> None:
        """Send ``sig`` to every process in the child's group (gone ones are fine)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)

    def interrupt(self) -> None:
        """SIGINT to the child alone (what a Ctrl-C would tell it, without its group)."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signal.SIGINT)

    def stop(self, grace: float = GRACE_SECONDS) -> int:
        """SIGTERM the group, SIGKILL it after ``grace`` seconds (what ignored SIGTERM,
        and whatever is left in the group after the leader died); reap the leader."""
        if self.popen.poll() is None:
            self.signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace)
        self.signal_group(signal.SIGKILL)
        return self.popen.wait()

    def kill_leftovers(self) -> None:
        """SIGKILL whatever the child left running in its group after it ended."""
        self.signal_group(signal.SIGKILL)

    def wait(self, *, timeout: float | None = None, cancel: threading.Event | None = None,
             interrupt_after: float | None = None, interrupt_grace: float = GRACE_SECONDS,
             grace: float = GRACE_SECONDS) -> Outcome:
        """Wait for the child, honouring ``timeout``, ``cancel`` and ``interrupt_after``
        (seconds from now).  Any exception while waiting stops the group first."""
        start = time.monotonic()
        deadline = None if timeout is None else start + timeout
        interrupt_at = None if interrupt_after is None else start + interrupt_after
        interrupted = False
        try:
            while True:
                try:
                    code = self.popen.wait(timeout=POLL_SECONDS)
                    return Outcome(code, interrupted=interrupted)
                except subprocess.TimeoutExpired:
                    pass
                now = time.monotonic()
                if cancel is not None and cancel.is_set():
                    self.signal_group(signal.SIGINT)
                    try:
                        self.popen.wait(timeout=grace)
                    except subprocess.TimeoutExpired:
                        pass
                    return Outcome(self.stop(grace), cancelled=True, interrupted=interrupted)
                if deadline is not None and now >= deadline:
                    return Outcome(self.stop(grace), timed_out=True, interrupted=interrupted)
                if interrupt_at is not None and now >= interrupt_at:
                    if interrupted:  # the interrupt was ignored: the hard way
                        return Outcome(self.stop(grace), interrupted=True)
                    interrupted = True
                    self.interrupt()
                    interrupt_at = now + interrupt_grace
        except BaseException:
            self.stop(grace)
            raise

    def __enter__(self) -> Process:
        return self

    def __exit__(self, *exc: object) -> None:
        """Leaving the block never leaves the child running: a child still running
        (an error, Ctrl-C, a consumer that stopped reading) is stopped."""
        if self.popen.poll() is None:
            self.stop()
        for stream in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def start(argv: Sequence[str] | str, *, cwd: Path | None, env: Mapping[str, str] | None,
          stdin: _Stream = DEVNULL, stdout: _Stream = PIPE, stderr: _Stream = PIPE,
          pass_fds: Sequence[int] = (), shell: bool = False) -> Process:
    """Start ``argv`` (a shell string when ``shell``) in a new session.

    ``env`` is the child's whole environment (``None`` inherits pitstop's; the library
    always passes one).  Raises :class:`StartError` (exit 2) when it cannot start.
    """
    args: str | list[str] = argv if isinstance(argv, str) else list(argv)
    program = argv if isinstance(argv, str) else (argv[0] if argv else "")
    try:
        popen = subprocess.Popen(
            args, shell=shell, cwd=cwd, env=None if env is None else dict(env), stdin=stdin,
            stdout=stdout, stderr=stderr, pass_fds=tuple(pass_fds), start_new_session=True)
    except OSError as exc:
        raise _start_error(exc, program, cwd) from exc
    return Process(popen)


@contextlib.contextmanager
def _spooled(data: bytes | None) -> Iterator[_Stream]:
    if data is None:
        yield DEVNULL
        return
    with tempfile.TemporaryFile() as file:
        file.write(data)
        file.seek(0)
        yield file


def run(argv: Sequence[str], *, cwd: Path | None, env: Mapping[str, str] | None,
        input: bytes | None = None, timeout: float | None = None,
        cancel: threading.Event | None = None, merge_stderr: bool = False,
        grace: float = GRACE_SECONDS, kill_leftovers: bool = True) -> Completed:
    """Run ``argv`` to the end and capture its output.

    ``input`` is fed on stdin (otherwise stdin is ``/dev/null``: a child never waits on
    pitstop's terminal).  With ``merge_stderr`` stderr goes into ``stdout``.  With
    ``kill_leftovers`` whatever the child left running in its group is killed once it
    ended.  A non-zero exit is data (``returncode``); not starting is :class:`StartError`.
    """
    started = time.monotonic()
    with _spooled(input) as feed, tempfile.TemporaryFile() as out, \
            tempfile.TemporaryFile() as err:
        with start(argv, cwd=cwd, env=env, stdin=feed, stdout=out,
                   stderr=STDOUT if merge_stderr else err) as process:
            outcome = process.wait(timeout=timeout, cancel=cancel, grace=grace)
            if kill_leftovers:
                process.kill_leftovers()
        out.seek(0)
        err.seek(0)
        return Completed(**dataclasses.asdict(outcome), argv=tuple(argv), stdout=out.read(),
                         stderr=err.read(), seconds=time.monotonic() - started)


def tail(text: str | bytes, lines: int = 1) -> str:
    """The last ``lines`` non-empty lines of a child's output (for error messages)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    kept = [ln.rstrip() for ln in text.strip().splitlines() if ln.strip()]
    return "\n".join(kept[-lines:])
