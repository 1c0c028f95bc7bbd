"""Finding the project's own Python and checking it has what a run needs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from pitstop.errors import DependencyError

_BIN = "Scripts" if sys.platform == "win32" else "bin"
_EXE = "python.exe" if sys.platform == "win32" else "python"

# What to tell people when a module is missing from the project's environment.
_PACKAGES = {"pytest": "pytest", "pytest_cov": "pytest-cov", "coverage": "coverage"}


def _in_venv(directory: Path) -> Path:
    return directory / _BIN / _EXE


def find_python(configured: Path | None, project_dir: Path, virtual_env: Path | None) -> Path:
    """The interpreter to run tests with: ``[test] python`` (a file or a virtualenv
    directory), else ``virtual_env`` (the CLI passes ``$VIRTUAL_ENV``), else the
    project's ``.venv``.  Raises :class:`DependencyError` (exit 2) when none exists."""
    tried: list[str] = []
    if configured is not None:
        candidate = _in_venv(configured) if configured.is_dir() else configured
        hint = "point --python / [test] python at the project's interpreter or virtualenv"
        if candidate.is_file():
            if not os.access(candidate, os.X_OK):
                raise DependencyError(f"--python / [test] python: {candidate} is not executable",
                                      hint=hint)
            return candidate
        if configured.is_dir():
            raise DependencyError(
                f"--python / [test] python: {configured} is a directory but not a virtualenv "
                f"(no {_BIN}/{_EXE} in it)", hint=hint)
        raise DependencyError(f"--python / [test] python: {candidate} does not exist", hint=hint)
    candidates = []
    if virtual_env is not None:
        candidates.append((_in_venv(virtual_env), "VIRTUAL_ENV"))
    candidates.append((_in_venv(project_dir / ".venv"), ".venv"))
    for candidate, source in candidates:
        if candidate.is_file():
            return candidate
        tried.append(f"{candidate} ({source})")
    raise DependencyError(
        "no Python interpreter found for the project; tried " + ", ".join(tried),
        hint=f"create one with `python -m venv {project_dir / '.venv'}` and install the "
             "project and pytest into it, or set [test] python",
    )


def require_modules(python: Path, modules: Sequence[str]) -> None:
    """Raise :class:`DependencyError` naming the modules ``python`` cannot import."""
    probe = (
        "import importlib.util, sys\n"
        "print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))\n"
    )
    try:
        completed = subprocess.run([str(python), "-c", probe, *modules], capture_output=True,
                                   text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DependencyError(f"{python} could not be started: {exc}",
                              hint="check [test] python or recreate the virtualenv") from exc
    if completed.returncode != 0:
        said = completed.stderr.strip().splitlines()
        raise DependencyError(
            f"{python} failed to start (exit status {completed.returncode})"
            + (f": {said[-1][-300:]}" if said else ""),
            hint="check [test] python or recreate the virtualenv",
        )
    missing = completed.stdout.split()
    if missing:
        packages = " ".join(_PACKAGES.get(m, m) for m in missing)
        raise DependencyError(
            f"{', '.join(missing)} not installed in {python}",
            hint=f"install it: {python} -m pip install {packages}",
        )
