"""``pitstop run`` and ``pitstop tasks``."""

from __future__ import annotations

import os
import signal
from types import FrameType

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.errors import EXIT_DRY_RUN
from pitstop.output import echo, emit_json, info, table


def _sigterm_as_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@click.command()
@click.argument("target", metavar="WORKFLOW|TASK")
@click.option("--dry-run", is_flag=True, default=None,
              help="Print the plan (order, parallel groups, commands), run nothing, exit 10 "
                   "[env DRY_RUN; config dry_run].")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Run at most N tasks at once [default: number of CPUs].")
@click.option("-k", "--keep-going", is_flag=True,
              help="After a failure, still run the tasks that do not depend on it.")
@click.option("--database", metavar="URL", default=None,
              help="Database URL for built-in tasks [env DATABASE_URL].")
@click.option("-p", "--param", "params", metavar="NAME=VALUE", multiple=True,
              help="A parameter the workflow declares (repeat for several).")
@json_option
@pass_app
def run(app: AppContext, target: str, dry_run: bool | None, jobs: int | None,
        keep_going: bool, database: str | None, params: tuple[str, ...], as_json: bool) -> int:
    """Run a workflow or a single task.

    A workflow is a list of steps from [workflows] in pitstop.toml; a step that is a
    list runs its tasks in parallel, and each task's `needs` adds ordering on top.
    Every run is recorded (see `pitstop history`); each task's output is saved under
    .pitstop/logs/ and streamed here with a [task] prefix.

    Parameters the workflow declares are given with --param NAME=VALUE; an unknown,
    invalid or missing one is exit 3.  `pitstop tasks` lists what each declares.

    With --dry-run (or DRY_RUN=1, or dry_run = true in the config) nothing runs:
    the plan is printed and the exit status is 10.

    Exit status: 0 all tasks succeeded · 1 a task failed or timed out · 2 a command
    was not found · 3 bad configuration or parameters · 10 dry run · 130 interrupted.
    """
    from pitstop import engine, registry
    from pitstop.engine.params import parse_assignments

    given = parse_assignments(params)
    settings = app.settings(database_url=database, dry_run=dry_run)
    builtins = registry.tasks()
    plan = engine.plan(settings, target, builtins, given)
    if settings.dry_run:  # the flag, DRY_RUN or the file: never run anything
        return _print_plan(plan, as_json)
    from pitstop.cli.render_run import RunDisplay, result_json, summary_table

    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        with RunDisplay(quiet=as_json, log_format=settings.log_format) as display:
            result = engine.execute(settings, plan, jobs=jobs, keep_going=keep_going,
                                    environ=os.environ, on_event=display.handle)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if as_json:
        emit_json(result_json(result))
    else:
        summary_table(result)
        for warning in result.warnings:
            info(f"warning: {warning}")
    return result.exit_code


def _print_plan(plan: object, as_json: bool) -> int:
    from pitstop.engine.planner import Plan

    assert isinstance(plan, Plan)
    groups = plan.levels()
    if as_json:
        emit_json({
            "target": plan.target, "kind": plan.kind, "dry_run": True,
            "params": plan.params.stored() if plan.params else {},
            "steps": [[{"name": n, "kind": plan.tasks[n].kind,
                        "command": plan.tasks[n].command_text(),
                        "needs": sorted(plan.deps[n]),
                        "timeout": plan.tasks[n].spec.timeout,
                        "retries": plan.tasks[n].spec.retries} for n in group]
                      for group in groups],
        })
    else:
        echo(f"plan for {plan.kind} '{plan.target}' (dry run, nothing is executed):")
        if plan.params and plan.params.values:
            echo("  params: " + ", ".join(f"{k}={v}" for k, v in plan.params.stored().items()))
        for i, group in enumerate(groups, 1):
            parallel = " (parallel)" if len(group) > 1 else ""
            echo(f"  step {i}{parallel}:")
            for name in group:
                task = plan.tasks[name]
                needs = f"  needs: {', '.join(sorted(plan.deps[name]))}" if plan.deps[name] else ""
                echo(f"    {name}: {task.command_text()}{needs}")
    return EXIT_DRY_RUN


@click.command()
@json_option
@pass_app
def tasks(app: AppContext, as_json: bool) -> int:
    """List the tasks (built-in and from [tasks]) and workflows of this project."""
    from pitstop.engine import parameters
    from pitstop.engine.planner import all_tasks
    from pitstop.registry import tasks as builtin_tasks

    settings = app.settings()
    defined = all_tasks(settings, builtin_tasks())
    if as_json:
        emit_json({
            "tasks": [{"name": t.name, "kind": t.kind, "level": t.level,
                       "needs": list(t.needs), "description": t.description,
                       "params": [p.to_dict() for p in parameters(settings, t.name)]}
                      for t in defined.values()],
            "workflows": {name: [list(step) for step in steps]
                          for name, steps in settings.workflows.items()},
            "workflow_details": {
                name: {"description": settings.workflow_descriptions.get(name, ""),
                       "params": [p.to_dict() for p in parameters(settings, name)]}
                for name in settings.workflows},
        })
        return 0
    table(["task", "kind", "level", "needs", "description"],
          [(t.name, t.kind, t.level, ", ".join(t.needs), t.description)
           for t in defined.values()], title="tasks")
    if settings.workflows:
        echo("")
        table(["workflow", "steps", "params"],
              [(name, " → ".join(step[0] if len(step) == 1 else "[" + ", ".join(step) + "]"
                                 for step in steps), _params_text(settings, name))
               for name, steps in settings.workflows.items()], title="workflows")
    return 0


def _params_text(settings: object, target: str) -> str:
    from pitstop.config import Settings
    from pitstop.engine import parameters

    assert isinstance(settings, Settings)
    parts = []
    for p in parameters(settings, target):
        text = p.name
        if p.choices:
            text += "=" + "|".join(p.choices)
        elif p.default is not None:
            text += f"={p.default}"
        parts.append(text if p.required else f"[{text}]")
    return " ".join(parts)
