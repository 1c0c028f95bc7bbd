"""Where a task attempt runs: the executor seam of the DAG runner.

The runner (:mod:`pitstop.engine.runner`) keeps the DAG, the retries, the timeouts'
bookkeeping, ``--keep-going``, Ctrl-C and the records; for each attempt it asks its
executor to run it.  Two executors exist:

- the **local** one (the default): :meth:`Executor.attempt` returns ``None`` and the
  runner runs the attempt in this process, as it always has (a subprocess for a command
  task, a thread for a built-in one);
- the **Celery** one (``[engine] executor = "celery"``, :mod:`pitstop.workers`): the
  attempt is sent to a ``pitstop worker`` through the broker, its output streamed back
  line by line; it returns the attempt's :class:`~pitstop.engine.runner.TaskResult`.

The engine never imports a capability: the ``[engine]`` section is declared by the
capability that provides other executors, and the settings hand it over
(:func:`executor_for` calls the section's ``make_executor``).  With no such section, or
``executor = "local"``, nothing else is imported.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pitstop.config import Settings
    from pitstop.engine.planner import TaskDef
    from pitstop.engine.runner import TaskResult


@dataclasses.dataclass(frozen=True)
class AttemptRequest:
    """One attempt of one task of a run, as the runner hands it to its executor."""

    run_id: str
    target: str
    """The workflow or task the run is of (a worker plans it again from its settings)."""
    task: TaskDef
    attempt: int
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """The run's parameter values (secrets included: never log them)."""
    user: str | None = None
    outcomes: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    """What the built-in tasks that finished earlier in the run returned (status,
    exit_code, message, data), for a built-in task that reads them."""


class Executor(Protocol):
    """Runs task attempts for a :class:`~pitstop.engine.runner.Runner`."""

    name: str
    default_jobs: int | None
    """How many tasks a run keeps in flight when ``--jobs`` is not given (``None``: the
    number of CPUs, as locally)."""

    def open(self) -> None:
        """Before the run is recorded: check what the executor needs is there (a broker
        that is down raises a :class:`~pitstop.errors.ConnectError`, exit 4)."""

    def close(self) -> None:
        """After the run: release connections."""

    def attempt(self, request: AttemptRequest, emit: Callable[[str], None],
                cancel: threading.Event) -> TaskResult | None:
        """Run one attempt and return how it ended, handing each output line to
        ``emit`` (which writes the task's log); ``None``: run it in this process.

        When ``cancel`` is set (Ctrl-C), stop the attempt and return it as
        ``interrupted``."""


class LocalExecutor:
    """The default: every attempt runs in this process (the runner's own code)."""

    name = "local"
    default_jobs: int | None = None

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def attempt(self, request: AttemptRequest, emit: Callable[[str], None],
                cancel: threading.Event) -> TaskResult | None:
        return None


LOCAL = LocalExecutor()


def executor_for(settings: Settings) -> Executor:
    """The executor the settings ask for: ``[engine] executor``, local by default.

    The ``[engine]`` table belongs to the capability that provides the other executors
    (``pitstop.workers``); its settings class makes the executor, so the engine names
    no capability and imports nothing more for a local run."""
    if "engine" not in settings.sections:
        return LOCAL
    section = settings.section_named("engine")
    make: Callable[[Settings], Executor | None] | None = getattr(section, "make_executor",
                                                                 None)
    executor = make(settings) if make is not None else None
    return executor if executor is not None else LOCAL


__all__ = ["LOCAL", "AttemptRequest", "Executor", "LocalExecutor", "executor_for"]
