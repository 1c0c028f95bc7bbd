"""Retrying a recorded run: the same workflow with the same parameters, rerunning only
what did not succeed (and what depends on it) or one task and everything after it.

The new run is planned from the current configuration; the tasks it does not rerun are
taken as done (their dependants start at once), and the run records ``retry_of`` (the
original's id), how it was asked for, and the tasks it reused.  Secret parameters were
never stored, so a retry needs them given again (unless they have a default).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pitstop.capability import Task
from pitstop.config import Settings
from pitstop.engine.params import declarations
from pitstop.engine.planner import Plan, plan, subset
from pitstop.errors import ConfigError, UsageError
from pitstop.redact import MASK
from pitstop.state.store import RunRecord, StateStore, TaskRunRecord

DONE = ("success", "allowed-failure")


def load_run(settings: Settings, run_id: str) -> RunRecord:
    """The recorded run ``run_id`` (an unambiguous prefix is enough)."""
    with StateStore.open(settings.state.url) as store:
        store.sweep_abandoned()
        run = store.get_run(run_id)
    if run is None:
        raise UsageError(f"no run with id '{run_id}' (or the prefix is ambiguous)",
                         hint="`pitstop history` lists run ids")
    return run


def retry_plan(settings: Settings, run_id: str, builtins: Mapping[str, Task], *,
               from_task: str | None = None, params: Mapping[str, Any] | None = None
               ) -> tuple[Plan, dict[str, Any]]:
    """The plan of a retry of ``run_id`` and what to record about its origin."""
    original = load_run(settings, run_id)
    if original.kind not in ("workflow", "task"):
        raise UsageError(f"run {original.id} is a call of `{original.target}`, not a workflow "
                         "or task run; run the command again instead")
    if original.status == "running":
        raise UsageError(f"run {original.id} is still running; retry it once it has finished")
    full = plan(settings, original.target, builtins, _params(settings, original, params or {}))
    if from_task is not None:
        if from_task not in full.tasks:
            raise UsageError(f"task '{from_task}' is not part of {full.kind} '{full.target}'",
                             hint="its tasks: " + ", ".join(full.order))
        rerun = {from_task} | full.dependents(from_task)
        how = f"from {from_task}"
    else:
        final = _final_attempts(original.tasks)
        failed = {name for name in full.order
                  if name not in final or final[name].status not in DONE}
        if not failed:
            raise UsageError(f"run {original.id} has no task that did not succeed",
                             hint="to rerun tasks that succeeded, retry from one of them")
        rerun = set(failed)
        for name in failed:
            rerun |= full.dependents(name)
        how = "failed"
    origin = {"retry_of": original.id, "retry": how,
              "reused": [name for name in full.order if name not in rerun]}
    return subset(full, rerun), origin


def _final_attempts(tasks: tuple[TaskRunRecord, ...]) -> dict[str, TaskRunRecord]:
    final: dict[str, TaskRunRecord] = {}
    for record in tasks:
        final[record.task] = record  # attempts are in order: the last one wins
    return final


def _params(settings: Settings, original: RunRecord, given: Mapping[str, Any]
            ) -> dict[str, Any]:
    """The original's parameters (those still declared), secrets given again, then
    what was given now."""
    declared = declarations(settings, original.target)
    stored = original.params.get("params") or {}
    values: dict[str, Any] = {}
    for name, value in stored.items():
        spec = declared.get(name)
        if spec is None:
            continue  # no longer declared: the configuration changed
        if spec.secret or value == MASK:
            if name not in given and spec.default is None:
                raise ConfigError(f"parameter '{name}' is secret and was never stored: give "
                                  "it again to retry this run")
            continue
        values[name] = value
    return {**values, **given}
