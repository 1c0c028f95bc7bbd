"""The workflow engine: planner and DAG runner.

``run(settings, target, builtins, …)`` is the one entry point every front (CLI, web,
schedules) uses; it sweeps abandoned runs, plans (validating everything before anything
runs), runs, records and exports metrics.  The engine knows no capability: the front
hands it the built-in tasks (:func:`pitstop.registry.tasks`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pitstop.capability import Task
    from pitstop.config import Settings
    from pitstop.engine.planner import Plan
    from pitstop.engine.runner import Event, RunResult


def plan(settings: Settings, target: str, builtins: Mapping[str, Task]) -> Plan:
    """The validated plan for a workflow or task (raises ConfigError, runs nothing)."""
    from pitstop.engine.planner import plan as make_plan

    return make_plan(settings, target, builtins)


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
) -> RunResult:
    """Plan and run ``target`` (a workflow or a task), recording it in the state store."""
    from pitstop.engine.planner import plan as make_plan
    from pitstop.engine.runner import Runner
    from pitstop.state.recorder import LEFTOVER_WINDOW_SECONDS
    from pitstop.state.store import StateStore

    the_plan = make_plan(settings, target, builtins)
    with StateStore.open(settings.state.url) as store:
        store.sweep_abandoned()
        store.stop_leftovers(since=time.time() - LEFTOVER_WINDOW_SECONDS)
        runner = Runner(settings, the_plan, store, jobs=jobs, keep_going=keep_going,
                        trigger=trigger, user=user, environ=environ, on_event=on_event)
        return runner.run()


__all__ = ["plan", "run"]
