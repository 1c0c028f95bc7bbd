"""One exception hierarchy; each class carries the exit code the CLI maps it to.

::

    PitstopError (1)                 every error pitstop raises on purpose
    ├── ConfigError (3)              bad pitstop.toml / pyproject / env value / flags
    │   └── UsageError (3)           bad command-line use the parser could not catch
    │       └── OptionError (3)      a verb's option value cannot be used (names the option)
    ├── DependencyError (2)          a binary, driver or package is missing, or a needed task failed
    ├── ConnectError (4)             a server could not be reached, or a lock was not granted in time
    ├── PermissionDeniedError (5)    the server or the file system refused
    ├── TaskFailedError (1)          a task or workflow ended in failure
    ├── MigrationError (1)           see ``pitstop.migrate``
    ├── BackupError (1)              see ``pitstop.backup``
    ├── CheckError (1)               see ``pitstop.checks``
    ├── ScanError (1)                see ``pitstop.scan``
    ├── ReleaseError (1)             see ``pitstop.release``
    └── TestRunError (1)             see ``pitstop.suite``

Expected outcomes — findings, failing checks, pending migrations, a dry run — are
*results*, not exceptions; the CLI decides their exit code.
Third-party errors are translated where they enter pitstop, with ``raise … from``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_DEPENDENCY = 2
EXIT_CONFIG = 3
EXIT_CONNECTION = 4
EXIT_PERMISSION = 5
EXIT_DRY_RUN = 10
EXIT_INTERRUPTED = 130


class PitstopError(Exception):
    """Root of every error pitstop raises on purpose.

    ``message`` is for people and must say what went wrong and, where known, the
    file/key/host involved; ``hint`` says what to do about it.
    """

    exit_code: int = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None,
                 options: tuple[str, ...] = ()) -> None:
        self.options = options
        self._templates = (message, hint)
        if options:  # the message and hint name options as ``{name}``
            spelled = {name: name for name in options}
            message = message.format_map(spelled)
            hint = None if hint is None else hint.format_map(spelled)
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    def respell(self, spell: Callable[[str], str]) -> None:
        """Show each option the error names as ``spell(name)`` (the CLI: ``--to``).

        The library names options as its verbs take them, never as one front spells
        them; an error raised with ``options=("to",)`` has ``{to}`` in its message or
        hint, read as ``to`` until a front respells it (in place)."""
        if not self.options:
            return
        spelled = {name: spell(name) for name in self.options}
        message, hint = self._templates
        self.message = message.format_map(spelled)
        self.args = (self.message,)
        if hint is not None:
            extra = self.hint[len(hint.format_map({n: n for n in self.options})):] \
                if self.hint else ""  # what was appended later (a backup's way back)
            self.hint = hint.format_map(spelled) + extra


def literal(text: str) -> str:
    """``text`` as it reads in a message or hint raised with ``options`` (its braces
    kept as they are)."""
    return text.replace("{", "{{").replace("}", "}}")


class ConfigError(PitstopError):
    """A configuration file, environment value or option is wrong."""

    exit_code = EXIT_CONFIG

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        key: str | None = None,
        hint: str | None = None,
        options: tuple[str, ...] = (),
    ) -> None:
        where = ""
        if file is not None and key:
            where = f"{file}: [{key}] "
        elif file is not None:
            where = f"{file}: "
        elif key:
            where = f"{key}: "
        if options:  # the message is a template: the file and key are read as written
            where = where.replace("{", "{{").replace("}", "}}")
        super().__init__(f"{where}{message}", hint=hint, options=options)
        self.file = file
        self.key = key


class UsageError(ConfigError):
    """The command line asks for something that cannot be done as asked."""


class OptionError(UsageError):
    """A verb's option has a value that cannot be used; ``options`` names it (and the
    message reads ``{name}`` where it names it: see :meth:`PitstopError.respell`)."""

    def __init__(self, message: str, *, options: tuple[str, ...], hint: str | None = None
                 ) -> None:
        super().__init__(message, hint=hint, options=options)


class DependencyError(PitstopError):
    """A required binary, driver or package is missing, or a needed step failed."""

    exit_code = EXIT_DEPENDENCY


class ConnectError(PitstopError):
    """A server could not be reached in time (or a lock could not be taken in time)."""

    exit_code = EXIT_CONNECTION


class PermissionDeniedError(PitstopError):
    """A server or the file system refused the operation."""

    exit_code = EXIT_PERMISSION


class TaskFailedError(PitstopError):
    """A task or workflow ended in failure."""


class MigrationError(PitstopError):
    """A migration could not be planned or applied."""


class BackupError(PitstopError):
    """A backup, restore or snapshot operation failed."""


class CheckError(PitstopError):
    """A health check could not be run as configured."""


class ScanError(PitstopError):
    """A scan could not be run."""


class ReleaseError(PitstopError):
    """A release step could not be done."""


class TestRunError(PitstopError):
    """A test run could not be started or evaluated."""

    __test__ = False  # not a pytest test class
