"""Running dump and restore tools as subprocesses, streaming their output without
holding it in memory, with a timeout, and with clear errors when the binary is
missing or exits non-zero."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, BinaryIO

from pitstop import proc as procs_
from pitstop.backup.compress import CHUNK, Sink
from pitstop.capability import Progress
from pitstop.errors import BackupError, DependencyError
from pitstop.redact import redact

_STDERR_TAIL = 2000


def find_binary(name: str, package: str) -> str:
    """The full path of ``name``; :class:`DependencyError` naming the Debian package."""
    path = shutil.which(name)
    if path is None:
        raise DependencyError(
            f"{name} was not found on PATH",
            hint=f"install the Debian package {package} (apt-get install {package}) "
                 "or set its path in [backup]",
        )
    return path


def tool_version(binary: str) -> str | None:
    try:
        done = procs_.run([binary, "--version"], cwd=None, env=None, timeout=10)
    except procs_.StartError:
        return None
    out = done.stdout.decode("utf-8", "replace").strip()
    return out.splitlines()[0] if out else None


@contextlib.contextmanager
def secret_file(text: str | None) -> Iterator[str | None]:
    """A file only this user can read, holding ``text`` (a password file for a client
    tool), removed on exit; ``None`` when there is no secret.  Passwords never go on a
    command line or into the environment."""
    if text is None:
        yield None
        return
    directory = tempfile.mkdtemp(prefix="pitstop-")
    path = os.path.join(directory, "client.cnf")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)


class _Killer:
    """Kills ``procs`` after ``timeout`` seconds; remembers that it did."""

    def __init__(self, procs: Sequence[procs_.Process], timeout: float | None) -> None:
        self.procs = list(procs)
        self.fired = False
        self._timer = threading.Timer(timeout, self._fire) if timeout else None
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        for proc in self.procs:
            kill_group(proc)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


def kill_group(proc: procs_.Process) -> None:
    """SIGKILL the tool and anything it started (it runs in its own session)."""
    proc.signal_group(signal.SIGKILL)


def _start(argv: Sequence[str], env: Mapping[str, str] | None, *, stdin: procs_._Stream,
           stdout: procs_._Stream, stderr: procs_._Stream) -> procs_.Process:
    """Start one tool in its own session (a StartError, exit 2, names it when it
    cannot start)."""
    return procs_.start(list(argv), cwd=None, env=env, stdin=stdin, stdout=stdout,
                        stderr=stderr)


def _stderr_text(handle: BinaryIO) -> str:
    handle.seek(0)
    text = handle.read().decode("utf-8", "replace").strip()
    return redact(text[-_STDERR_TAIL:])


def _check(proc: subprocess.Popen[bytes], killer: _Killer, name: str, err: str,
           timeout: float | None) -> None:
    if killer.fired:
        raise BackupError(f"{name} did not finish within {timeout:g}s and was stopped",
                          hint="raise [backup] timeout")
    if proc.returncode != 0:
        how = (f"was killed by signal {-proc.returncode}" if proc.returncode < 0
               else f"exited with code {proc.returncode}")
        raise BackupError(f"{name} {how}" + (f": {err}" if err else ""))


def stream_out(argv: Sequence[str], env: Mapping[str, str] | None, out: Sink,
               progress: Progress | None, timeout: float | None) -> str:
    """Run ``argv``, copy its stdout into ``out``; return its stderr text."""
    name = os.path.basename(argv[0])
    with tempfile.TemporaryFile() as err_file:
        tool = _start(argv, env, stdin=procs_.DEVNULL, stdout=procs_.PIPE, stderr=err_file)
        proc = tool.popen
        killer = _Killer([tool], timeout)
        done = 0
        try:
            assert proc.stdout is not None
            while chunk := proc.stdout.read(CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, None)
            proc.wait()
        finally:
            killer.cancel()
            if proc.poll() is None:
                kill_group(tool)
                proc.wait()
            for stream in (proc.stdout, proc.stdin):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        err = _stderr_text(err_file)
        _check(proc, killer, name, err, timeout)
        return err


def _feed(stdin: IO[bytes], source: BinaryIO, progress: Progress | None) -> None:
    """Copy ``source`` into a tool's ``stdin`` and close it; a tool that stops reading
    ends the copy quietly (its exit code and stderr say why)."""
    done = 0
    try:
        while chunk := source.read(CHUNK):
            stdin.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, None)
        stdin.close()
    except BrokenPipeError:
        with contextlib.suppress(OSError):
            stdin.close()


def _broken_pipe(proc: subprocess.Popen[bytes], err: str) -> bool:
    """The tool failed because the next one in the pipeline stopped reading."""
    return proc.returncode == -signal.SIGPIPE or "broken pipe" in err.lower()


def stream_pipeline(argvs: Sequence[Sequence[str]], source: BinaryIO,
                    progress: Progress | None, timeout: float | None) -> None:
    """Run ``argvs`` as a pipeline — each tool's stdout goes straight (an OS pipe) into
    the next one's stdin — feeding ``source`` to the first; the last one's output is
    discarded.  Every tool runs in its own session, and all are killed on a timeout
    or an interruption.  When several fail, the error names the one that failed first
    in its own right (not a producer whose reader had already gone)."""
    with contextlib.ExitStack() as stack:
        errs = [stack.enter_context(tempfile.TemporaryFile()) for _ in argvs]
        tools: list[procs_.Process] = []
        try:
            upstream: BinaryIO | None = None
            for index, argv in enumerate(argvs):
                last = index == len(argvs) - 1
                tool = _start(argv, None, stdin=procs_.PIPE if upstream is None else upstream,
                              stdout=procs_.DEVNULL if last else procs_.PIPE,
                              stderr=errs[index])
                if upstream is not None:
                    upstream.close()  # the next tool holds it now
                upstream = tool.popen.stdout  # type: ignore[assignment]
                tools.append(tool)
        except DependencyError:
            for started in tools:
                started.stop(grace=0)
            raise
        procs = [tool.popen for tool in tools]
        killer = _Killer(tools, timeout)
        try:
            assert procs[0].stdin is not None
            _feed(procs[0].stdin, source, progress)
            for proc in procs:
                proc.wait()
        finally:
            killer.cancel()
            for tool, proc in zip(tools, procs, strict=True):
                if proc.poll() is None:
                    kill_group(tool)
                    proc.wait()
                for stream in (proc.stdout, proc.stdin):
                    if stream is not None:
                        with contextlib.suppress(OSError):
                            stream.close()
        names = [os.path.basename(argv[0]) for argv in argvs]
        if killer.fired:
            raise BackupError(f"{' | '.join(names)} did not finish within {timeout:g}s and "
                              "was stopped", hint="raise [backup] timeout")
        failed = [(proc, name, _stderr_text(err))
                  for proc, name, err in zip(procs, names, errs, strict=True)
                  if proc.returncode != 0]
        if not failed:
            return
        own = [f for f in failed if not _broken_pipe(f[0], f[2])]
        proc, name, err = own[0] if own else failed[-1]
        _check(proc, killer, name, err, timeout)


def stream_in(argv: Sequence[str], env: Mapping[str, str] | None, source: BinaryIO,
              progress: Progress | None, timeout: float | None) -> str:
    """Run ``argv`` feeding ``source`` to its stdin; return its stderr text."""
    name = os.path.basename(argv[0])
    with tempfile.TemporaryFile() as err_file:
        tool = _start(argv, env, stdin=procs_.PIPE, stdout=procs_.DEVNULL, stderr=err_file)
        proc = tool.popen
        killer = _Killer([tool], timeout)
        done = 0
        try:
            assert proc.stdin is not None
            try:
                while chunk := source.read(CHUNK):
                    proc.stdin.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, None)
                proc.stdin.close()
            except BrokenPipeError:
                # the tool stopped reading; its exit code and stderr say why
                with contextlib.suppress(OSError):
                    proc.stdin.close()
            proc.wait()
        finally:
            killer.cancel()
            if proc.poll() is None:
                kill_group(tool)
                proc.wait()
            for stream in (proc.stdout, proc.stdin):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        err = _stderr_text(err_file)
        _check(proc, killer, name, err, timeout)
        return err
