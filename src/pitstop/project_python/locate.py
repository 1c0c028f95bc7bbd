"""Finding the project's interpreter, and saying which one was picked and why.

Precedence, first match wins:

1. ``[project] python`` (or a capability's own key such as ``[test] python``): an
   interpreter file or a virtualenv directory;
2. ``$VIRTUAL_ENV`` (handed in by the front: the library never reads the environment);
3. ``.venv``, then ``venv``, in the project directory (``python -m venv .venv``,
   ``uv venv``, Poetry's and PDM's in-project environments);
4. pitstop's own interpreter (``sys.executable``): pitstop installed with the project.

Something named explicitly that does not work (a configured path that does not exist,
a ``.venv`` whose interpreter link is broken) is an :class:`InterpreterError` (exit 2)
rather than a silent fall-through: running the project's code in another interpreter
than the one it was meant for gives confusing errors later.  A ``$VIRTUAL_ENV`` naming a
directory that no longer exists (a stale shell) is skipped, and the result says so.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pitstop.project_python.errors import InterpreterError

if TYPE_CHECKING:
    from pitstop.config import Settings

Source = Literal["config", "virtual_env", "project_venv", "pitstop"]

_WINDOWS = sys.platform == "win32"
_BIN = "Scripts" if _WINDOWS else "bin"
_NAMES = ("python.exe",) if _WINDOWS else ("python", "python3")
PROJECT_VENVS = (".venv", "venv")


@dataclasses.dataclass(frozen=True)
class Interpreter:
    """The interpreter the project's code runs in."""

    path: Path
    """The executable, as found (not resolved: a virtualenv's ``bin/python`` is a link
    whose location is what makes it that virtualenv's)."""
    source: Source
    reason: str
    """Why this one, in words: ``.venv in /srv/app``, ``$VIRTUAL_ENV``, …"""
    skipped: tuple[str, ...] = ()
    """Candidates passed over on the way, each with why."""

    @property
    def label(self) -> str:
        """``/srv/app/.venv/bin/python (.venv in /srv/app)``: for messages."""
        return f"{self.path} ({self.reason})"

    @property
    def is_pitstops_own(self) -> bool:
        return self.source == "pitstop"

    @property
    def venv_dir(self) -> Path | None:
        """The virtualenv directory the executable lives in, if it is one."""
        parent = self.path.parent
        if parent.name == _BIN and (parent.parent / "pyvenv.cfg").is_file():
            return parent.parent
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "source": self.source, "reason": self.reason,
                "skipped": list(self.skipped)}


def _in_venv(directory: Path) -> Path | None:
    """The interpreter inside virtualenv ``directory`` (``bin/python``, else
    ``bin/python3``), or ``None``."""
    for name in _NAMES:
        candidate = directory / _BIN / name
        if candidate.is_file():
            return candidate
    return None


def _broken(directory: Path) -> str | None:
    """Why ``directory``'s interpreter cannot run, when it looks like a virtualenv."""
    for name in _NAMES:
        candidate = directory / _BIN / name
        if candidate.is_symlink() and not candidate.exists():
            return (f"{candidate} is a broken link to {os.readlink(candidate)} "
                    "(was the Python it was made from removed or upgraded?)")
    if (directory / "pyvenv.cfg").is_file():
        return f"{directory} has a pyvenv.cfg but no {_BIN}/{_NAMES[0]}"
    return None


def _executable(path: Path, what: str) -> Path:
    if not os.access(path, os.X_OK):
        raise InterpreterError(f"{what}: {path} is not executable",
                               hint="point it at a Python interpreter or a virtualenv directory")
    return path


def _configured(path: Path, key: str) -> Path:
    hint = (f"set {key} to the project's interpreter (.venv/bin/python) or its virtualenv "
            "directory (.venv), or remove it to let pitstop look for .venv")
    if path.is_dir():
        found = _in_venv(path)
        if found is not None:
            return _executable(found, key)
        why = _broken(path) or f"{path} is a directory but not a virtualenv (no {_BIN}/python in it)"
        raise InterpreterError(f"{key}: {why}", hint=hint)
    if path.is_file():
        return _executable(path, key)
    if path.is_symlink():
        raise InterpreterError(f"{key}: {path} is a broken link to {os.readlink(path)}", hint=hint)
    raise InterpreterError(f"{key}: {path} does not exist", hint=hint)


def find_interpreter(project_dir: Path, *, configured: Path | None = None,
                     configured_key: str = "[project] python",
                     virtual_env: Path | None = None) -> Interpreter:
    """The project's interpreter (see the module docstring for the precedence).

    ``configured`` is the value of ``configured_key`` (absolute, or relative to
    ``project_dir``); ``virtual_env`` is ``$VIRTUAL_ENV`` as the front received it.
    Raises :class:`InterpreterError` (exit 2) for something named that does not work.
    """
    if configured is not None:
        path = configured if configured.is_absolute() else project_dir / configured
        return Interpreter(_configured(path, configured_key), "config", configured_key)
    skipped: list[str] = []
    if virtual_env is not None:
        found = _in_venv(virtual_env)
        if found is not None:
            return Interpreter(found, "virtual_env", f"$VIRTUAL_ENV {virtual_env}")
        if virtual_env.is_dir():
            why = _broken(virtual_env) or f"no {_BIN}/python in it"
            raise InterpreterError(
                f"$VIRTUAL_ENV {virtual_env}: {why}",
                hint="activate a working virtualenv, or unset VIRTUAL_ENV to use the project's "
                     ".venv, or set [project] python")
        skipped.append(f"$VIRTUAL_ENV {virtual_env} does not exist")
    for name in PROJECT_VENVS:
        directory = project_dir / name
        found = _in_venv(directory)
        if found is not None:
            return Interpreter(found, "project_venv", f"{name} in {project_dir}", tuple(skipped))
        broken = _broken(directory) if directory.is_dir() else None
        if broken is not None:
            raise InterpreterError(f"the project's virtualenv {directory} is broken: {broken}",
                                   hint=f"recreate it (python -m venv --clear {directory}, or "
                                        "uv venv) and reinstall the project into it")
    tried = "no [project] python, " + ("$VIRTUAL_ENV gone" if skipped else "$VIRTUAL_ENV unset") \
        + f", no .venv or venv in {project_dir}"
    return Interpreter(Path(sys.executable), "pitstop", f"pitstop's own interpreter: {tried}",
                       tuple(skipped))


def _virtual_env(settings: Settings) -> Path | None:
    value = settings.environ.get("VIRTUAL_ENV")
    return Path(value) if value else None


def interpreter_for(settings: Settings, *, virtual_env: Path | None = None,
                    configured: Path | None = None,
                    configured_key: str | None = None) -> Interpreter:
    """:func:`find_interpreter` from ``settings``: ``[project] python`` (unless a more
    specific ``configured`` value is given, named ``configured_key``), and
    ``virtual_env``, else the ``$VIRTUAL_ENV`` the settings were loaded with."""
    if configured is None:
        configured = settings.project.python
        configured_key = "[project] python"
    return find_interpreter(settings.project_dir, configured=configured,
                            configured_key=configured_key or "[project] python",
                            virtual_env=virtual_env or _virtual_env(settings))
