"""The contract between the engine and the tasks it runs.

A built-in task is a plain function ``fn(ctx: TaskContext) -> TaskOutcome`` registered
in :mod:`pitstop.engine.registry`.  It may raise any
:class:`~pitstop.errors.PitstopError`; the engine records the error and uses the
error's exit code.  It never prints: it logs through ``ctx.log`` (which lands in the
task's log file and on the terminal with the task prefix).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pitstop.config import Settings

TaskStatus = Literal["success", "failed", "skipped", "timeout", "interrupted", "dry-run"]


@dataclasses.dataclass(frozen=True)
class TaskOutcome:
    """What a built-in task returns.

    ``exit_code`` follows pitstop's table (0 ok, 1 error, 2 dependency …); ``data``
    is stored on the run record (JSON-serialisable: ids, counts, versions).
    """

    status: TaskStatus = "success"
    exit_code: int = 0
    message: str = ""
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class TaskContext:
    """Everything a built-in task may use."""

    name: str
    settings: Settings
    run_id: str
    log: logging.LoggerAdapter[logging.Logger]
    dry_run: bool = False
    timeout: float | None = None
    cancel: threading.Event = dataclasses.field(default_factory=threading.Event)
    results: dict[str, TaskOutcome] = dataclasses.field(default_factory=dict)
    """Outcomes of the tasks that already finished in this run (read-only by convention)."""
    environ: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """The environment pitstop was started with (``VIRTUAL_ENV``, required variables…);
    built-in tasks read it from here, never from ``os.environ``."""
