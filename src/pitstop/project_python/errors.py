"""What can go wrong when pitstop runs its helpers in the project's interpreter.

::

    InterpreterError (2)      the interpreter does not exist, cannot start or is too old
    ProjectImportError (3)    the interpreter cannot import a module that was asked for
    ProjectCodeError (1)      the project's own code raised (traceback tail attached)
    HelperTimeoutError (1)    the helper did not answer in time; its process group was killed

Every text these errors carry has passed the redactor (URL passwords and the secrets
given to the run masked).
"""

from __future__ import annotations

import textwrap

from pitstop.errors import ConfigError, DependencyError, PitstopError


class InterpreterError(DependencyError):
    """The project's interpreter does not exist, cannot be started or is too old (2)."""


class ProjectImportError(ConfigError):
    """The project's interpreter cannot import a module pitstop asked for, or one that
    module needs (3).  ``module`` is the one that is missing; ``interpreter`` the
    executable tried."""

    def __init__(self, message: str, *, module: str, interpreter: str,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.module = module
        self.interpreter = interpreter


class ProjectCodeError(PitstopError):
    """The project's code raised while pitstop's helper ran it (1).

    ``summary`` is one line (``file:line: Type: text``); ``tail`` is the end of the
    project's traceback; ``message`` is both, for people.  ``kind`` says which stage
    failed as the helper saw it: ``project`` (any exception), ``exit`` (the code called
    ``sys.exit``), ``connect`` (a database connection could not be opened), ``sql``
    (a statement failed), ``alembic`` (Alembic refused), ``usage`` (what was asked for
    does not fit, such as a models attribute that is not a MetaData).
    """

    def __init__(self, summary: str, *, kind: str = "project", type_name: str = "",
                 text: str = "", frame: str | None = None, tail: str = "",
                 code: str | None = None, hint: str | None = None) -> None:
        message = summary + ("\n" + textwrap.indent(tail, "  ") if tail else "")
        super().__init__(message, hint=hint)
        self.summary = summary
        self.kind = kind
        self.type_name = type_name
        self.text = text
        self.frame = frame
        self.tail = tail
        self.code = code


class HelperTimeoutError(PitstopError):
    """The helper did not answer within its time limit (1); it was stopped."""
