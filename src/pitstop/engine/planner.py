"""Planning: resolve a workflow or task name into a DAG of tasks, before anything runs.

A workflow is a list of steps run in order; a step that is a list runs its tasks in
parallel.  ``needs`` adds ordering edges on top, and pulls a needed task into the plan
when the workflow does not list it (as ``make`` does).  Unknown names, cycles and bad
task definitions are :class:`~pitstop.errors.ConfigError`\\ s raised here.

Given parameter values (``params``), the plan is *bound*: the values are checked
against what the target declares (:mod:`pitstop.engine.params`) and substituted into
each task's ``run`` and ``env``.  :func:`subset` narrows a plan to some of its tasks
(what a retry reruns).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from pitstop.capability import Task
from pitstop.config import Settings, TaskSpec
from pitstop.config_params import ParamSpec
from pitstop.engine.params import BoundParams, bind, substitute, used_names
from pitstop.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class TaskDef:
    """A task as it will run: a built-in (``builtin`` set) or a command (``run`` set)."""

    name: str
    spec: TaskSpec
    builtin: Task | None = None

    @property
    def kind(self) -> str:
        return "command" if self.spec.run is not None else "builtin"

    @property
    def needs(self) -> tuple[str, ...]:
        extra = self.builtin.needs if self.builtin and self.spec.run is None else ()
        return tuple(dict.fromkeys((*extra, *self.spec.needs)))

    @property
    def description(self) -> str:
        if self.spec.description:
            return self.spec.description
        if self.builtin and self.spec.run is None:
            return self.builtin.description
        run = self.spec.run
        return run if isinstance(run, str) else " ".join(run or ())

    @property
    def level(self) -> str:
        if self.builtin and self.spec.run is None and "level" not in _explicit(self.spec):
            return self.builtin.level
        return self.spec.level

    def command_text(self) -> str:
        run = self.spec.run
        if run is None:
            return f"(built-in) {self.name}"
        if isinstance(run, str):
            return run
        import shlex

        return shlex.join(run)


def _explicit(spec: TaskSpec) -> set[str]:
    default = TaskSpec()
    return {f.name for f in dataclasses.fields(spec)
            if getattr(spec, f.name) != getattr(default, f.name)}


@dataclasses.dataclass(frozen=True)
class Plan:
    """The tasks of one run and their dependencies, in a valid order."""

    target: str
    kind: str  # workflow | task
    tasks: Mapping[str, TaskDef]
    deps: Mapping[str, frozenset[str]]
    order: tuple[str, ...]
    declared: Mapping[str, ParamSpec] = dataclasses.field(default_factory=dict)
    """The parameters the target declares."""
    params: BoundParams | None = None
    """The checked values (``None``: not bound, placeholders left in the commands)."""

    def levels(self) -> list[list[str]]:
        """Groups of tasks that may run in parallel, in order."""
        level: dict[str, int] = {}
        for name in self.order:
            level[name] = 1 + max((level[d] for d in self.deps[name]), default=-1)
        groups: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
        for name in self.order:
            groups[level[name]].append(name)
        return groups

    def dependents(self, name: str) -> set[str]:
        """Every task that (transitively) depends on ``name``."""
        result: set[str] = set()
        frontier = [name]
        while frontier:
            current = frontier.pop()
            for other, deps in self.deps.items():
                if current in deps and other not in result:
                    result.add(other)
                    frontier.append(other)
        return result


def all_tasks(settings: Settings, builtins: Mapping[str, Task]) -> dict[str, TaskDef]:
    """Every task this project can run: the ``builtins`` (the front hands them over from
    :func:`pitstop.registry.tasks`), overridden or extended by [tasks.*]."""
    tasks = {name: TaskDef(name, TaskSpec(), b) for name, b in builtins.items()}
    for name, spec in settings.tasks.items():
        builtin = builtins.get(name)
        if spec.run is None and builtin is None:
            raise ConfigError(
                f"task '{name}' has no 'run' command and is not a built-in task",
                file=settings.config_file, key=f"tasks.{name}",
                hint="add run = \"...\" (a shell string or an argv list)",
            )
        tasks[name] = TaskDef(name, spec, builtin)
    return tasks


def _unknown(name: str, known: Mapping[str, object], file: Path | None, key: str) -> ConfigError:
    close = difflib.get_close_matches(name, list(known), n=1)
    suggestion = f" (did you mean '{close[0]}'?)" if close else ""
    return ConfigError(f"unknown task '{name}'{suggestion}", file=file, key=key,
                       hint="`pitstop tasks` lists the tasks and workflows you can use")


def plan(settings: Settings, target: str, builtins: Mapping[str, Task],
         params: Mapping[str, Any] | None = None) -> Plan:
    """Build the plan for workflow or task ``target``; validate everything first.

    With ``params`` (``{}`` for none given) the plan is bound: the values are checked
    and substituted; without, placeholders are only checked against the declarations
    (of a workflow; a task's are checked when it is run)."""
    tasks = all_tasks(settings, builtins)
    file = settings.config_file
    deps: dict[str, set[str]] = {}
    if target in settings.workflows:
        kind = "workflow"
        previous: tuple[str, ...] = ()
        seen: set[str] = set()
        for step in settings.workflows[target]:
            for name in step:
                if name not in tasks:
                    raise _unknown(name, tasks, file, f"workflows.{target}")
                if name in seen:
                    raise ConfigError(f"task '{name}' appears twice", file=file,
                                      key=f"workflows.{target}")
                seen.add(name)
                deps[name] = set(previous)
            previous = step
    elif target in tasks:
        kind = "task"
        deps[target] = set()
    else:
        known = {**tasks, **settings.workflows}
        close = difflib.get_close_matches(target, list(known), n=1)
        suggestion = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConfigError(f"no workflow or task named '{target}'{suggestion}",
                          hint="`pitstop tasks` lists the tasks and workflows you can use")

    # add `needs` edges, pulling needed tasks into the plan
    pending = list(deps)
    while pending:
        name = pending.pop()
        for need in tasks[name].needs:
            if need not in tasks:
                raise _unknown(need, tasks, file, f"tasks.{name}.needs")
            deps[name].add(need)
            if need not in deps:
                deps[need] = set()
                pending.append(need)

    order = _toposort(deps, file, target if kind == "workflow" else None)
    declared = (settings.workflow_params.get(target, {}) if kind == "workflow"
                else tasks[target].spec.params)
    if kind == "workflow" or params is not None:
        for name in order:
            _check_placeholders(tasks[name], declared, kind, target, file)
    bound = None if params is None else bind(declared, params, target=target, kind=kind)
    chosen = {n: tasks[n] if bound is None else _bound_task(tasks[n], bound) for n in order}
    return Plan(target=target, kind=kind, tasks=chosen,
                deps={n: frozenset(deps[n]) for n in order}, order=tuple(order),
                declared=declared, params=bound)


def _texts(spec: TaskSpec) -> list[tuple[str, str]]:
    """``(key, text)`` of everything in a task that may hold placeholders."""
    run = spec.run
    found = [("run", run)] if isinstance(run, str) else [("run", item) for item in run or ()]
    return found + [(f"env.{key}", value) for key, value in spec.env.items()]


def _check_placeholders(task: TaskDef, declared: Mapping[str, ParamSpec], kind: str,
                        target: str, file: Path | None) -> None:
    for key, text in _texts(task.spec):
        for name in used_names(text):
            if name not in declared:
                raise ConfigError(
                    f"uses {{{{ params.{name} }}}}, but {kind} '{target}' declares no "
                    f"parameter '{name}'", file=file, key=f"tasks.{task.name}.{key}",
                    hint=f"declare it as [{'workflows' if kind == 'workflow' else 'tasks'}"
                         f".{target}.params.{name}]")


def _bound_task(task: TaskDef, bound: BoundParams) -> TaskDef:
    spec = task.spec
    values = bound.values
    if isinstance(spec.run, str):
        run: str | tuple[str, ...] | None = substitute(spec.run, values, shell=True)
    elif spec.run is not None:
        run = tuple(substitute(item, values, shell=False) for item in spec.run)
    else:
        run = None
    env = {key: substitute(value, values, shell=False) for key, value in spec.env.items()}
    if run == spec.run and env == dict(spec.env):
        return task
    return dataclasses.replace(task, spec=dataclasses.replace(spec, run=run, env=env))


def subset(plan: Plan, names: Collection[str]) -> Plan:
    """``plan`` narrowed to ``names`` (in plan order), dependencies on the tasks left
    out dropped: they are taken as done."""
    keep = [name for name in plan.order if name in names]
    return dataclasses.replace(
        plan, tasks={n: plan.tasks[n] for n in keep},
        deps={n: frozenset(d for d in plan.deps[n] if d in names) for n in keep},
        order=tuple(keep))


def _toposort(deps: Mapping[str, set[str]], file: Path | None, workflow: str | None) -> list[str]:
    """Kahn's algorithm, stable in the order tasks were added; cycles are named."""
    remaining = {name: set(d) for name, d in deps.items()}
    order: list[str] = []
    while remaining:
        ready = [name for name, d in remaining.items() if not d]
        if not ready:
            cycle = _find_cycle(remaining)
            key = f"workflows.{workflow}" if workflow else f"tasks.{cycle[0]}.needs"
            raise ConfigError("dependency cycle: " + " -> ".join(cycle), file=file, key=key)
        for name in ready:
            order.append(name)
            del remaining[name]
        for d in remaining.values():
            d.difference_update(ready)
    return order


def _find_cycle(remaining: Mapping[str, set[str]]) -> list[str]:
    start = next(iter(remaining))
    path = [start]
    current = start
    while True:
        current = sorted(remaining[current])[0]
        if current in path:
            return [*path[path.index(current):], current]
        path.append(current)
