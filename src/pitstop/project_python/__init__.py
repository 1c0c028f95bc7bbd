"""The project's own interpreter: finding it, and running pitstop's helper code in it.

pitstop is usually installed once (pipx, its own virtualenv) while the project's code
lives in the project's virtualenv.  Whatever imports the project's code — Alembic's
``env.py`` and revisions, the SQLAlchemy models of the schema check, the test suite —
runs there, in a subprocess speaking JSON over a pipe, never in pitstop's process and
without pitstop being installed there::

    from pitstop.project_python import interpreter_for, run_helper
    python = interpreter_for(settings)          # [project] python > $VIRTUAL_ENV > .venv > own
    answer = run_helper(python, "interpreter_info", {"modules": ["sqlmodel"]},
                        cwd=settings.project_dir)

Errors: :class:`InterpreterError` (2: missing, cannot start, too old),
:class:`ProjectImportError` (3: a module cannot be imported, naming it and the
interpreter), :class:`ProjectCodeError` (1: the project's code raised, with its
traceback tail), :class:`HelperTimeoutError` (1).
"""

from __future__ import annotations

from pitstop.project_python.errors import (
    HelperTimeoutError,
    InterpreterError,
    ProjectCodeError,
    ProjectImportError,
)
from pitstop.project_python.info import InterpreterInfo, inspect_interpreter
from pitstop.project_python.locate import Interpreter, find_interpreter, interpreter_for
from pitstop.project_python.run import error_from, run_helper, run_source

__all__ = [
    "HelperTimeoutError",
    "Interpreter",
    "InterpreterError",
    "InterpreterInfo",
    "ProjectCodeError",
    "ProjectImportError",
    "error_from",
    "find_interpreter",
    "inspect_interpreter",
    "interpreter_for",
    "run_helper",
    "run_source",
]
