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
        out = subprocess.run([binary, "--version"], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip().splitlines()[0] if out.strip() else None


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

    def __init__(self, procs: Sequence[subprocess.Popen[bytes]], timeout: float | None) -> None:
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


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the tool and anything it started (it runs in its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(OSError):
            proc.kill()


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
        try:
            proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=err_file,
                                    stdin=subprocess.DEVNULL,
                                    env=None if env is None else dict(env),
                                    start_new_session=True)
        except OSError as exc:
            raise DependencyError(f"cannot start {argv[0]}: {exc}") from exc
        killer = _Killer([proc], timeout)
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
                kill_group(proc)
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
        procs: list[subprocess.Popen[bytes]] = []
        try:
            upstream: BinaryIO | None = None
            for index, argv in enumerate(argvs):
                last = index == len(argvs) - 1
                proc = subprocess.Popen(
                    list(argv), stdin=subprocess.PIPE if upstream is None else upstream,
                    stdout=subprocess.DEVNULL if last else subprocess.PIPE,
                    stderr=errs[index], start_new_session=True)
                if upstream is not None:
                    upstream.close()  # the next tool holds it now
                upstream = proc.stdout  # type: ignore[assignment]
                procs.append(proc)
        except OSError as exc:
            for started in procs:
                kill_group(started)
                started.wait()
            raise DependencyError(f"cannot start {argv[0]}: {exc}") from exc
        killer = _Killer(procs, timeout)
        try:
            assert procs[0].stdin is not None
            _feed(procs[0].stdin, source, progress)
            for proc in procs:
                proc.wait()
        finally:
            killer.cancel()
            for proc in procs:
                if proc.poll() is None:
                    kill_group(proc)
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
        try:
            proc = subprocess.Popen(list(argv), stdin=subprocess.PIPE, stderr=err_file,
                                    stdout=subprocess.DEVNULL,
                                    env=None if env is None else dict(env),
                                    start_new_session=True)
        except OSError as exc:
            raise DependencyError(f"cannot start {argv[0]}: {exc}") from exc
        killer = _Killer([proc], timeout)
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
                kill_group(proc)
                proc.wait()
            for stream in (proc.stdout, proc.stdin):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        err = _stderr_text(err_file)
        _check(proc, killer, name, err, timeout)
        return err
