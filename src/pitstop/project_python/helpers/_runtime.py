"""pitstop's helper runtime, run inside the project's interpreter (Python 3.8+, standard
library only).  See ``__init__.py`` of this folder.

The answer is one JSON line on the file descriptor pitstop passed (never stdout, which
belongs to the project's code): ``{"frame": "result", "ok": true, "value": …}`` or
``{"frame": "result", "ok": false, "error": {"kind": …, …}}``.  Then the process ends at
once, so a thread the project's code started cannot keep it alive.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import sysconfig
import traceback
from typing import Any

TAIL_FRAMES = 4
_LIBRARY_DIRS = tuple(
    os.path.normcase(os.path.realpath(p)) + os.sep
    for p in {sysconfig.get_paths().get("stdlib"), sysconfig.get_paths().get("platstdlib")}
    if p
)


class Failure(Exception):
    """An expected failure, sent back as data: ``kind`` and fields for pitstop."""

    def __init__(self, kind: str, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.payload = dict(fields, kind=kind, message=message)


def is_project_frame(filename: str) -> bool:
    """Whether ``filename`` is the project's own code: not pitstop's helper, not the
    standard library, not an installed package."""
    if filename.startswith("<"):
        return False
    name = os.path.normcase(os.path.realpath(filename))
    if "site-packages" in name or "dist-packages" in name:
        return False
    return not name.startswith(_LIBRARY_DIRS)


def _frames(exc: BaseException) -> list[traceback.FrameSummary]:
    return [f for f in traceback.extract_tb(exc.__traceback__)
            if not f.filename.startswith("<pitstop")]


def user_frame(exc: BaseException) -> str | None:
    """``file:line`` of the project's code nearest to where ``exc`` was raised."""
    if isinstance(exc, SyntaxError) and exc.filename and is_project_frame(exc.filename):
        return f"{exc.filename}:{exc.lineno}"
    for frame in reversed(_frames(exc)):
        if is_project_frame(frame.filename):
            return f"{frame.filename}:{frame.lineno}"
    return None


def tail(exc: BaseException) -> str:
    """The end of ``exc``'s traceback: the last frames in the project's code (else the
    last frames of all), then the exception itself."""
    frames = _frames(exc)
    own = [f for f in frames if is_project_frame(f.filename)]
    chosen = (own or frames)[-TAIL_FRAMES:]
    lines = traceback.format_list(chosen) + traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip()


def first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else ""


def _installed(module: str) -> bool:
    return _found(module.partition(".")[0])


def _found(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing_module(exc: BaseException, wanted: str | None = None) -> dict[str, Any] | None:
    """The ``import`` failure ``exc`` stands for, or ``None`` when it is the project's
    own bug: a module that is not installed at all (``sqlmodel`` in the wrong
    interpreter), or the very module that was asked for (or a parent package of it)."""
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    missing = exc.name
    asked = wanted is not None and (missing == wanted or wanted.startswith(missing + "."))
    if not asked and _installed(missing):
        return None  # a module inside an installed package is missing: the code's bug
    return {"kind": "import", "message": str(exc), "module": missing, "wanted": wanted,
            "frame": user_frame(exc), "tail": tail(exc), "type": type(exc).__name__}


def import_module(name: str) -> Any:
    """Import ``name``; a module that cannot be found becomes an ``import`` failure."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        found = missing_module(exc, name)
        if found is not None:
            raise Failure(**found) from exc
        raise


def describe(exc: BaseException) -> dict[str, Any]:
    """``exc`` as data for pitstop."""
    classify = globals().get("classify")
    if classify is not None:
        known = classify(exc)
        if known is not None:
            return dict({"type": type(exc).__name__, "frame": user_frame(exc),
                         "tail": tail(exc)}, **known)
    found = missing_module(exc)
    if found is not None:
        return found
    kind = "exit" if isinstance(exc, SystemExit) else "project"
    text = str(exc.code) if isinstance(exc, SystemExit) else first_line(exc)
    return {"kind": kind, "type": type(exc).__name__, "message": text,
            "frame": user_frame(exc), "tail": tail(exc)}


_DRIVERS = {
    "postgresql": (("psycopg", "psycopg"), ("psycopg2", "psycopg2"), ("pg8000", "pg8000")),
    "mysql": (("pymysql", "pymysql"), ("MySQLdb", "mysqldb"),
              ("mysql.connector", "mysqlconnector")),
}


def sqlalchemy_url(url: str, dialect: str) -> Any:
    """``url`` as a SQLAlchemy URL with a driver this interpreter has: the one the URL
    names, else the first installed of the usual ones for the dialect."""
    from sqlalchemy.engine import make_url

    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    elif url.startswith("mariadb://"):
        url = "mysql://" + url[len("mariadb://"):]
    parsed = make_url(url)
    if dialect == "sqlite" or "+" in parsed.drivername:
        return parsed
    tried = []
    for module, driver in _DRIVERS.get(dialect, ()):
        tried.append(module)
        if _found(module):
            return parsed.set(drivername=f"{parsed.drivername}+{driver}")
    raise Failure("driver", f"no {dialect} driver is installed", dialect=dialect,
                  tried=tried)


def render_url(url: Any) -> str:
    render = getattr(url, "render_as_string", None)
    return render(hide_password=False) if render is not None else str(url)


def serve(request: dict[str, Any], fd: int) -> None:
    """Run the helper's ``main(request)`` and send the one answer frame on ``fd``."""
    out = os.fdopen(fd, "w", encoding="utf-8")
    try:
        os.set_inheritable(fd, False)  # the project's subprocesses must not hold it open
    except OSError:
        pass
    for path in reversed(request.get("sys_path") or []):
        if path not in sys.path:
            sys.path.insert(0, path)
    try:
        frame = {"frame": "result", "ok": True, "value": globals()["main"](request)}
    except Failure as failure:
        frame = {"frame": "result", "ok": False, "error": failure.payload}
    except BaseException as exc:  # noqa: BLE001 - SystemExit and all: reported, never lost
        frame = {"frame": "result", "ok": False, "error": describe(exc)}
    text = json.dumps(frame, default=str)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    out.write(text + "\n")
    out.flush()
    os._exit(0)
