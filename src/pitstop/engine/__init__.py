"""The workflow engine: planner and DAG runner.

``run(settings, target, builtins, …)`` is the one entry point every front (CLI, web,
schedules) uses; it sweeps abandoned runs, plans (validating everything before anything
runs), runs, records and exports metrics.  The engine knows no capability: the front
hands it the built-in tasks (:func:`pitstop.registry.tasks`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.capability import Task
    from pitstop.config import Settings
    from pitstop.engine.params import Parameter
    from pitstop.engine.planner import Plan
    from pitstop.engine.runner import Event, RunResult


def plan(settings: Settings, target: str, builtins: Mapping[str, Task],
         params: Mapping[str, Any] | None = None) -> Plan:
    """The validated plan for a workflow or task (raises ConfigError, runs nothing);
    bound to ``params`` when given."""
    from pitstop.engine.planner import plan as make_plan

    return make_plan(settings, target, builtins, params)


def parameters(settings: Settings, target: str) -> tuple[Parameter, ...]:
    """What workflow or task ``target`` declares, for a front to build a form from."""
    from pitstop.engine.params import parameters as declared

    return declared(settings, target)


def run(
    settings: Settings,
    target: str,
    builtins: Mapping[str, Task],
    *,
    jobs: int | None = None,
    keep_going: bool = False,
    trigger: str = "cli",
    user: str | None = None,
    environ: Mapping[str, str] | None = None,
    on_event: Callable[[Event], None] | None = None,
    params: Mapping[str, Any] | None = None,
    origin: Mapping[str, Any] | None = None,
    cancel: threading.Event | None = None,
) -> RunResult:
    """Plan and run ``target`` (a workflow or a task), recording it in the state store.

    ``params`` are the parameter values given (checked against the declarations:
    exit 3 when unknown, invalid or missing); ``origin`` is stored with the run
    (``schedule``, ``fired_at`` …); setting ``cancel`` interrupts the run."""
    from pitstop.engine.planner import plan as make_plan

    return execute(settings, make_plan(settings, target, builtins, params or {}), jobs=jobs,
                   keep_going=keep_going, trigger=trigger, user=user, environ=environ,
                   on_event=on_event, origin=origin, cancel=cancel)


def execute(settings: Settings, the_plan: Plan, **options: Any) -> RunResult:
    """Run a (bound) plan, recording it: :func:`run` once planned; :func:`retry` for
    the part of a plan it reruns.  ``options`` are :class:`~pitstop.engine.runner.Runner`'s."""
    from pitstop.engine.runner import Runner
    from pitstop.state.recorder import LEFTOVER_WINDOW_SECONDS
    from pitstop.state.store import StateStore

    with StateStore.open(settings.state.url) as store:
        store.sweep_abandoned()
        store.stop_leftovers(since=time.time() - LEFTOVER_WINDOW_SECONDS)
        return Runner(settings, the_plan, store, **options).run()


def retry(settings: Settings, run_id: str, builtins: Mapping[str, Task], *,
          from_task: str | None = None, params: Mapping[str, Any] | None = None,
          **options: Any) -> RunResult:
    """A new run of run ``run_id``'s workflow with its parameters, rerunning only its
    failed tasks (and what depends on them), or ``from_task`` and everything after it;
    linked to the original (``retry_of``).  See :mod:`pitstop.engine.rerun`."""
    from pitstop.engine.rerun import retry_plan

    the_plan, origin = retry_plan(settings, run_id, builtins, from_task=from_task,
                                  params=params)
    return execute(settings, the_plan, origin=origin, **options)


__all__ = ["execute", "parameters", "plan", "retry", "run"]
