"""Running one of pitstop's helpers in the project's interpreter and getting its answer.

The exchange::

    pitstop                                   project's interpreter (python -c BOOT FD)
      ── stdin: {"sources": […], "request": {…}} ──▶   reads it, runs the helper
      ◀── fd FD: {"frame": "hello", "version": …}      (before any helper code runs)
      ◀── fd FD: {"frame": "result", "ok": …}          (one line, then it exits)

The answer travels on its own pipe (``pass_fds``), so whatever the project's code
prints — on stdout or stderr — cannot corrupt it; that output is kept in a temporary
file, logged at DEBUG level, and its tail is quoted when the interpreter dies without
answering.  The helper runs in its own process group, which is killed on a timeout, on
Ctrl-C, and after it answered (so nothing the project's code started outlives it).

No "hello" means the interpreter could not start or run the bootstrap (exit 2); a
"hello" without a result means the project's code ended the process (exit 1).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from pitstop import proc
from pitstop.project_python.errors import (
    HelperTimeoutError,
    InterpreterError,
    ProjectCodeError,
    ProjectImportError,
)
from pitstop.project_python.locate import Interpreter
from pitstop.redact import MASK, redact

log = logging.getLogger("pitstop.project")

MIN_VERSION = (3, 8)
OUTPUT_TAIL_LINES = 15
OUTPUT_LINE_CHARS = 1000
DEBUG_LINES = 200
KILL_GRACE_SECONDS = 2.0
_HELPERS = Path(__file__).with_name("helpers")

BOOTSTRAP = (
    "import json, os, sys\n"
    "fd = int(sys.argv[1])\n"
    "os.write(fd, (json.dumps({'frame': 'hello', 'version': list(sys.version_info[:3]),"
    " 'executable': sys.executable}) + '\\n').encode('utf-8'))\n"
    "if sys.version_info < (3, 8):\n"
    "    sys.exit(3)\n"
    "message = json.loads(sys.stdin.buffer.read().decode('utf-8'))\n"
    "namespace = {'__name__': '__pitstop_helper__', '__builtins__': __builtins__}\n"
    "for name, source in message['sources']:\n"
    "    exec(compile(source, '<pitstop %s>' % name, 'exec'), namespace)\n"
    "namespace['serve'](message['request'], fd)\n"
)


def helper_source(name: str) -> str:
    """The source text of helper ``name`` (a file of :mod:`pitstop.project_python.helpers`)."""
    return (_HELPERS / f"{name}.py").read_text(encoding="utf-8")


class _Masker:
    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        text = redact(text)
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def _frames(buffer: bytearray) -> list[dict[str, Any]]:
    """Complete JSON lines taken off the front of ``buffer``."""
    found: list[dict[str, Any]] = []
    while b"\n" in buffer:
        line, _, rest = bytes(buffer).partition(b"\n")
        buffer[:] = rest
        try:
            frame = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue  # not ours: nothing else writes here, but never crash on it
        if isinstance(frame, dict):
            found.append(frame)
    return found


def _exchange(popen: subprocess.Popen[bytes], payload: bytes, read_fd: int,
              timeout: float | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Send the request; read frames until the result, EOF or the deadline.  Returns
    ``(hello, result)``."""
    assert popen.stdin is not None
    try:
        popen.stdin.write(payload)
    except OSError:
        pass  # it died before reading: the missing frames say so
    finally:
        try:
            popen.stdin.close()
        except OSError:
            pass
    deadline = None if timeout is None else time.monotonic() + timeout
    buffer = bytearray()
    hello = result = None
    while result is None:
        wait = 0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))
        ready, _, _ = select.select([read_fd], [], [], wait)
        if ready:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            buffer.extend(chunk)
            for frame in _frames(buffer):
                if frame.get("frame") == "hello":
                    hello = frame
                elif frame.get("frame") == "result":
                    result = frame
        elif deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError
    return hello, result


def _output(file: IO[bytes], mask: _Masker, keep: int) -> list[str]:
    """The last ``keep`` lines the helper's process printed, each cut to
    :data:`OUTPUT_LINE_CHARS`, masked."""
    size = file.seek(0, os.SEEK_END)
    file.seek(max(0, size - keep * OUTPUT_LINE_CHARS))
    lines = file.read().decode("utf-8", "replace").splitlines()[-keep:]
    return [mask(line[:OUTPUT_LINE_CHARS] + (" …" if len(line) > OUTPUT_LINE_CHARS else ""))
            for line in lines]


def run_helper(interpreter: Interpreter, helper: str, request: Mapping[str, Any], *,
               cwd: Path, timeout: float | None = None, env: Mapping[str, str] | None = None,
               secrets: Iterable[str] = (), what: str | None = None) -> Any:
    """Run helper ``helper`` (a file of :mod:`pitstop.project_python.helpers`) with
    ``request`` in ``interpreter`` (working directory ``cwd``) and return its answer.

    ``secrets`` (passwords the request carries) are masked in every error text, on top
    of the redactor's URL masking.  ``what`` names the job in messages ("alembic").
    Raises :class:`InterpreterError` (2), :class:`ProjectImportError` (3),
    :class:`ProjectCodeError` (1) or :class:`HelperTimeoutError` (1).
    """
    return run_source(interpreter, helper, helper_source(helper), request, cwd=cwd,
                      timeout=timeout, env=env, secrets=secrets, what=what)


def run_source(interpreter: Interpreter, name: str, source: str, request: Mapping[str, Any],
               *, cwd: Path, timeout: float | None = None,
               env: Mapping[str, str] | None = None, secrets: Iterable[str] = (),
               what: str | None = None) -> Any:
    """:func:`run_helper` for helper code given as text (``main(request)`` and
    optionally ``classify(exc)``, run after the runtime in one namespace)."""
    helper = name
    mask = _Masker(secrets)
    what = what or f"pitstop's {helper} helper"
    sources = [["runtime", helper_source("_runtime")], [helper, source]]
    payload = json.dumps({"sources": sources, "request": dict(request)}).encode("utf-8")
    if not cwd.is_dir():
        raise InterpreterError(f"{what}: working directory {cwd} does not exist")
    read_fd, write_fd = os.pipe()
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        try:
            try:
                process = proc.start(
                    [str(interpreter.path), "-c", BOOTSTRAP, str(write_fd)], cwd=cwd,
                    env=env, stdin=proc.PIPE, stdout=output, stderr=proc.STDOUT,
                    pass_fds=(write_fd,))
            except proc.StartError as exc:
                raise InterpreterError(
                    f"cannot start {interpreter.label}: "
                    f"{exc.__cause__.strerror if isinstance(exc.__cause__, OSError) else exc}",
                    hint="check [project] python, or recreate the virtualenv") from exc
            finally:
                os.close(write_fd)
            try:
                hello, result = _exchange(process.popen, payload, read_fd, timeout)
            except TimeoutError:
                process.stop(KILL_GRACE_SECONDS)
                raise HelperTimeoutError(
                    f"{what}: {interpreter.path} did not answer within {timeout:g} s; it was "
                    "stopped", hint="the project's code may be waiting on a server; raise the "
                                    "timeout if it is merely slow") from None
            except BaseException:  # Ctrl-C included: never leave the helper behind
                process.stop(KILL_GRACE_SECONDS)
                raise
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=5)
            process.stop(0)  # whatever the project's code started in the group
        finally:
            os.close(read_fd)
        debug = log.isEnabledFor(logging.DEBUG)
        lines = _output(output, mask, DEBUG_LINES if debug else OUTPUT_TAIL_LINES)
    if debug:
        log.debug("%s: %s answered in %.3f s", what, interpreter.path,
                  time.perf_counter() - started)
        for line in lines:
            log.debug("[%s] %s", helper, line)
    return _answer(interpreter, what, hello, result, process.popen.returncode or 0, lines,
                   mask)


def _answer(interpreter: Interpreter, what: str, hello: dict[str, Any] | None,
            result: dict[str, Any] | None, returncode: int, lines: list[str],
            mask: _Masker) -> Any:
    said = "\n".join(lines[-OUTPUT_TAIL_LINES:])
    if hello is None:
        raise InterpreterError(
            f"{interpreter.label} failed to start (exit status {returncode})"
            + (f":\n{said}" if said else ""),
            hint="check [project] python, or recreate the virtualenv")
    version = tuple(hello.get("version") or ())
    if version < MIN_VERSION:
        found = ".".join(str(v) for v in version)
        raise InterpreterError(
            f"{interpreter.label} is Python {found}; pitstop's helpers need Python "
            f"{'.'.join(map(str, MIN_VERSION))} or later",
            hint="point [project] python at a newer interpreter")
    if result is None:
        how = (f"was killed by signal {-returncode}" if returncode < 0
               else f"ended with exit status {returncode}")
        raise ProjectCodeError(
            f"{what}: {interpreter.path} {how} before answering (did the project's code "
            "call os._exit or crash the interpreter?)", tail=said)
    if result.get("ok"):
        return result.get("value")
    raise error_from(interpreter, what, result.get("error") or {}, mask)


def error_from(interpreter: Interpreter, what: str, error: Mapping[str, Any],
               mask: _Masker | None = None) -> Exception:
    """The pitstop error for a helper's ``error`` payload (texts masked)."""
    mask = mask or _Masker(())
    kind = str(error.get("kind") or "project")
    text = mask(str(error.get("message") or ""))
    frame = mask(str(error["frame"])) if error.get("frame") else None
    tail = mask(str(error.get("tail") or ""))
    if kind == "import":
        module = str(error.get("module") or "?")
        wanted = error.get("wanted")
        asked = bool(wanted) and (wanted == module or str(wanted).startswith(module + "."))
        needed = (f" (needed by {wanted})" if wanted and not asked
                  else f" (imported at {frame})" if frame else "")
        return ProjectImportError(
            f"{module} cannot be imported by {interpreter.label}{needed}",
            module=module, interpreter=str(interpreter.path), hint=_import_hint(interpreter,
                                                                                 module))
    if kind == "driver":
        tried = ", ".join(error.get("tried") or [])
        return InterpreterError(
            f"{what}: {interpreter.label} has no {error.get('dialect')} driver (tried {tried})",
            hint=f"install one into the project's environment: {interpreter.path} -m pip "
                 f"install {(error.get('tried') or ['?'])[0]}")
    type_name = str(error.get("type") or "")
    where = f"{frame}: " if frame else ""
    label = f"{type_name}: {text}" if type_name and kind in ("project", "exit") else text
    return ProjectCodeError(f"{what}: {where}{label}", kind=kind, type_name=type_name,
                            text=text, frame=frame, tail=tail,
                            code=str(error["code"]) if error.get("code") else None)


def _import_hint(interpreter: Interpreter, module: str) -> str:
    top = module.partition(".")[0]
    if interpreter.is_pitstops_own:
        return ("pitstop found no project virtualenv and used its own interpreter: set "
                "[project] python to the project's interpreter or virtualenv (or create .venv "
                "in the project directory)")
    return (f"install {top} into that environment ({interpreter.path} -m pip install …), "
            f"make sure {top} is importable from the project directory, or point "
            "[project] python at the interpreter that has it")
