"""``pitstop history`` and ``pitstop history show RUN_ID``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.errors import UsageError
from pitstop.output import echo, emit_json, table
from pitstop.state.store import RunRecord, TaskRunRecord

STATUSES = ["running", "success", "failed", "interrupted", "abandoned"]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _tasks_json(tasks: tuple[TaskRunRecord, ...]) -> list[dict[str, Any]]:
    final: dict[str, TaskRunRecord] = {}
    for record in tasks:
        final[record.task] = record  # the last attempt wins
    return [
        {"name": r.task, "status": r.status, "exit_code": r.exit_code,
         "command_exit_code": r.command_exit_code, "attempts": r.attempt,
         "started_at": _iso(r.started_at), "finished_at": _iso(r.finished_at),
         "duration_seconds": r.duration_seconds, "log": r.log_path, "error": r.error,
         "data": r.data}
        for r in final.values()
    ]


def run_json(run: RunRecord) -> dict[str, Any]:
    return {
        "id": run.id, "target": run.target, "kind": run.kind, "status": run.status,
        "exit_code": run.exit_code, "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at), "duration_seconds": run.duration_seconds,
        "trigger": run.trigger, "user": run.user, "host": run.host, "pid": run.pid,
        "error": run.error, "tasks": _tasks_json(run.tasks),
    }


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}s"


@click.group(invoke_without_command=True)
@click.option("-n", "--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="Show at most N runs, newest first.")
@click.option("--status", type=click.Choice(STATUSES), default=None,
              help="Only runs that ended with this status.")
@click.option("--target", default=None, metavar="NAME", help="Only runs of this workflow/task.")
@json_option
@click.pass_context
def history(ctx: click.Context, limit: int, status: str | None, target: str | None,
            as_json: bool) -> int:
    """Show recorded runs, newest first.  `pitstop history show RUN_ID` for one run."""
    if ctx.invoked_subcommand is not None:
        return 0
    from pitstop.state.store import StateStore

    app = ctx.ensure_object(AppContext)
    settings = app.settings()
    with StateStore.open(settings.state.url) as store:
        store.sweep_abandoned()
        runs = store.list_runs(limit=limit, status=status, target=target)
    if as_json:
        emit_json({"runs": [run_json(r) for r in runs]})
        return 0
    if not runs:
        echo("no runs recorded yet (start one with `pitstop run WORKFLOW`)")
        return 0
    table(["id", "target", "status", "exit", "started", "time", "tasks"], [
        (r.id, r.target, r.status, "" if r.exit_code is None else r.exit_code,
         r.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), _seconds(r.duration_seconds),
         len({t.task for t in r.tasks}))
        for r in runs
    ])
    return 0


@history.command()
@click.argument("run_id")
@click.option("--tail", type=click.IntRange(min=0), default=20, show_default=True,
              help="Lines of each task's log to show.")
@json_option
@pass_app
def show(app: AppContext, run_id: str, tail: int, as_json: bool) -> int:
    """Show one run: its tasks, attempts, durations, exit codes and the end of each log."""
    from pitstop.state.store import StateStore

    settings = app.settings()
    with StateStore.open(settings.state.url) as store:
        run = store.get_run(run_id)
    if run is None:
        raise UsageError(f"no run with id '{run_id}' (or the prefix is ambiguous)",
                         hint="`pitstop history` lists run ids")
    if as_json:
        emit_json(run_json(run))
        return 0
    echo(f"run {run.id}  {run.kind} '{run.target}'  {run.status}"
         f"  exit {'' if run.exit_code is None else run.exit_code}")
    echo(f"started {run.started_at.astimezone():%Y-%m-%d %H:%M:%S} by {run.user or '?'} on "
         f"{run.host} (pid {run.pid}) via {run.trigger}; took {_seconds(run.duration_seconds)}")
    if run.error:
        echo(f"error: {run.error}")
    table(["task", "attempt", "status", "time", "cmd exit", "exit", "error"], [
        (t.task, t.attempt, t.status, _seconds(t.duration_seconds),
         "" if t.command_exit_code is None else t.command_exit_code,
         "" if t.exit_code is None else t.exit_code, t.error or "")
        for t in run.tasks
    ])
    if tail:
        for t in run.tasks:
            if not t.log_path:
                continue
            path = Path(t.log_path)
            try:
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            echo(f"\n--- {t.task} (attempt {t.attempt}) {path} ---")
            for line in lines[-tail:]:
                echo(line)
    return 0
