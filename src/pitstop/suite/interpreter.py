"""Finding the project's own Python for a test run and checking it has what the run needs.

The interpreter is the project's (:mod:`pitstop.project_python`), with ``[test] python``
(or the ``python`` option of the verbs) as a more specific override: that option /
``[test] python`` >
``[project] python`` > ``$VIRTUAL_ENV`` > ``.venv``/``venv`` in the project directory >
pitstop's own interpreter.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from pitstop.errors import DependencyError
from pitstop.project_python import Interpreter, find_interpreter, inspect_interpreter

log = logging.getLogger("pitstop.test")

# What to tell people when a module is missing from the project's environment.
_PACKAGES = {"pytest": "pytest", "pytest_cov": "pytest-cov", "coverage": "coverage"}


def find_python(configured: Path | None, project_dir: Path, virtual_env: Path | None, *,
                project_python: Path | None = None, configured_key: str | None = None
                ) -> Interpreter:
    """The interpreter to run tests with: ``configured`` (the ``python`` option or
    ``[test] python``, named ``configured_key`` in errors: a file or a virtualenv
    directory), else ``project_python`` (``[project]
    python``), else ``virtual_env`` (the front passes ``$VIRTUAL_ENV``), else the
    project's ``.venv`` or ``venv``, else pitstop's own.  Something named that does not
    work raises :class:`~pitstop.project_python.InterpreterError` (exit 2)."""
    if configured is not None:
        found = find_interpreter(project_dir, configured=configured,
                                 configured_key=configured_key or "[test] python")
    else:
        found = find_interpreter(project_dir, configured=project_python,
                                 virtual_env=virtual_env)
    log.info("interpreter: %s", found.label)
    return found


def require_modules(python: Interpreter, modules: Sequence[str], *, cwd: Path) -> None:
    """Raise :class:`DependencyError` (exit 2) naming the modules ``python`` cannot
    import, and how to install them."""
    info = inspect_interpreter(python, cwd=cwd, modules=modules)
    if info.missing:
        packages = " ".join(_PACKAGES.get(m, m) for m in info.missing)
        hint = f"install it: {python.path} -m pip install {packages}"
        if python.is_pitstops_own:
            hint += ("; or create the project's virtualenv (.venv) or set [project] python: "
                     "pitstop found none and used its own interpreter")
        raise DependencyError(f"{', '.join(info.missing)} not installed in {python.label}",
                              hint=hint)
