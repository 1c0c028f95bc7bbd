"""``pitstop history``: every recorded run — workflows, tasks and each verb called from
any front — and ``show``, ``checks``, ``sweep``."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.errors import UsageError
from pitstop.output import echo, emit_json, table
from pitstop.state.store import HealthCheckRecord, RunRecord

STATUSES = ["running", "success", "failed", "dry-run", "interrupted", "abandoned"]
TRIGGERS = ["cli", "workflow", "web", "schedule", "catchup", "worker", "api"]


def _iso(value: Any) -> str | None:
    from pitstop.capability import jsonable

    result: str | None = jsonable(value)
    return result


def run_json(run: RunRecord) -> dict[str, Any]:
    return run.to_dict()


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}s"


def _open(app: AppContext) -> Any:
    from pitstop.state.store import StateStore

    return StateStore.open(app.settings().state.url)


@click.group(invoke_without_command=True)
@click.option("-n", "--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="Show at most N runs, newest first.")
@click.option("--status", type=click.Choice(STATUSES), default=None,
              help="Only runs that ended (or are) in this status.")
@click.option("--capability", default=None, metavar="NAME",
              help="Only calls of this capability's verbs (migrate, backup, checks …).")
@click.option("--trigger", type=click.Choice(TRIGGERS), default=None,
              help="Only runs started this way (cli, workflow, web, schedule …).")
@click.option("--target", default=None, metavar="NAME",
              help="Only runs of this workflow/task (or verb: 'migrate up').")
@json_option
@click.pass_context
def history(ctx: click.Context, limit: int, status: str | None, capability: str | None,
            trigger: str | None, target: str | None, as_json: bool) -> int:
    """Show recorded runs, newest first: workflows, tasks, and every command that
    changed or inspected something (`migrate up`, `backup create`, `check` …), whichever
    way it was started.  `pitstop history show RUN_ID` for one run.

    Listing only marks runs whose process died as abandoned; it never stops anything
    (`pitstop history sweep --kill` does).
    """
    if ctx.invoked_subcommand is not None:
        return 0
    app = ctx.ensure_object(AppContext)
    with _open(app) as store:
        store.sweep_abandoned()
        runs = store.list_runs(limit=limit, status=status, target=target,
                               capability=capability, trigger=trigger)
    if as_json:
        emit_json({"runs": [run_json(r) for r in runs]})
        return 0
    if not runs:
        echo("no runs recorded yet (start one with `pitstop run WORKFLOW`, or any command "
             "such as `pitstop migrate up`)")
        return 0
    table(["id", "what", "status", "exit", "started", "time", "via", "user"], [
        (r.id, r.target, r.status, "" if r.exit_code is None else r.exit_code,
         r.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), _seconds(r.duration_seconds),
         r.trigger, r.user or "")
        for r in runs
    ], keys=("id", "what"))
    return 0


def _worker(data: Any) -> str:
    worker = data.get("worker") if isinstance(data, dict) else None
    if not isinstance(worker, dict):
        return ""
    return f"{worker.get('name', '?')} (pid {worker.get('worker_pid', '?')})"


@history.command()
@click.argument("run_id")
@click.option("--tail", type=click.IntRange(min=0), default=20, show_default=True,
              help="Lines of each task's log to show.")
@json_option
@pass_app
def show(app: AppContext, run_id: str, tail: int, as_json: bool) -> int:
    """Show one run: what it was asked, what it did (tasks, attempts, exit codes, the
    result of a command) and the end of each task's log."""
    with _open(app) as store:
        run = store.get_run(run_id)
        children = store.list_runs(limit=100, parent_id=run.id) if run else []
        notices = _notifications(store, run.id) if run else []
    if run is None:
        raise UsageError(f"no run with id '{run_id}' (or the prefix is ambiguous)",
                         hint="`pitstop history` lists run ids")
    if as_json:
        emit_json({**run_json(run), "children": [run_json(c) for c in children],
                   "notifications": [n.to_dict() for n in notices]})
        return 0
    echo(f"run {run.id}  {run.kind} '{run.target}'  {run.status}"
         f"  exit {'' if run.exit_code is None else run.exit_code}")
    echo(f"started {run.started_at.astimezone():%Y-%m-%d %H:%M:%S} by {run.user or '?'} on "
         f"{run.host} (pid {run.pid}) via {run.trigger}; took {_seconds(run.duration_seconds)}")
    if run.parent_id:
        echo(f"part of run {run.parent_id}")
    if run.kind == "verb" and run.params:
        echo("options: " + ", ".join(f"{k}={v}" for k, v in sorted(run.params.items())))
    _show_origin(run)
    if run.error:
        echo(f"error: {run.error}")
    if run.result:
        _show_result(run.result)
    if children:
        echo("")
        table(["id", "what", "status", "exit", "time"],
              [(c.id, c.target, c.status, "" if c.exit_code is None else c.exit_code,
                _seconds(c.duration_seconds)) for c in children], title="commands it ran",
              keys=("id", "what"))
    if run.tasks:
        workers = [_worker(t.data) for t in run.tasks]  # runs on Celery workers say where
        table(["task", "attempt", "status", "time", "cmd exit", "exit", "error",
               *(["worker"] if any(workers) else [])], [
            (t.task, t.attempt, t.status, _seconds(t.duration_seconds),
             "" if t.command_exit_code is None else t.command_exit_code,
             "" if t.exit_code is None else t.exit_code, t.error or "",
             *([worker] if any(workers) else []))
            for t, worker in zip(run.tasks, workers, strict=True)
        ], keys=("task",))
    if notices:
        table(["notified", "kind", "event", "status", "attempts", "answer"], [
            (n.notifier, n.kind, n.event, n.status, n.attempts, n.response or n.error or "")
            for n in notices], title="notifications", keys=("notified",))
    if tail:
        _show_logs(run, tail)
    return 0


def _notifications(store: Any, run_id: str) -> list[Any]:
    from pitstop.notify.records import for_run

    return for_run(store, run_id)


def _show_origin(run: RunRecord) -> None:
    """Parameters, the schedule that fired it, the run it retried."""
    if run.kind == "verb":
        return
    params = run.params.get("params") or {}
    if params:
        echo("params: " + ", ".join(f"{k}={v}" for k, v in params.items()))
    if run.params.get("schedule"):
        echo(f"fired by schedule '{run.params['schedule']}' for {run.params.get('fired_at')}")
    if run.params.get("retry_of"):
        reused = run.params.get("reused") or []
        echo(f"retry of run {run.params['retry_of']} ({run.params.get('retry')})"
             + (f"; reused: {', '.join(reused)}" if reused else ""))


def _show_result(result: dict[str, Any]) -> None:
    import json

    echo("result:")
    for key, value in result.items():
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        echo(f"  {key}: {text if len(text) <= 200 else text[:197] + '...'}")


def _show_logs(run: RunRecord, tail: int) -> None:
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


@history.command("checks")
@click.argument("name", required=False)
@click.option("-n", "--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="Results per check to consider (the trend), or to list for NAME.")
@json_option
@pass_app
def checks(app: AppContext, name: str | None, limit: int, as_json: bool) -> int:
    """Health checks over time: each check's latest result and its trend (statuses and
    latency of the last N results), or the last N results of check NAME."""
    with _open(app) as store:
        found = store.health_check_history(name, per_check=limit)
    if name is not None and name not in found:
        raise UsageError(f"no results recorded for check '{name}'",
                         hint="`pitstop history checks` lists the checks with results")
    if as_json:
        emit_json({"checks": {check: _trend(records) for check, records in found.items()}})
        return 0
    if not found:
        echo("no health checks recorded yet (run `pitstop check`)")
        return 0
    if name is not None:
        table(["checked", "status", "latency", "message"], [
            (r.checked_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), r.status,
             _ms(r.latency_seconds), r.message) for r in found[name]], title=name)
        return 0
    rows = []
    for check, records in found.items():
        trend = _trend(records)
        rows.append((check, records[0].status, _ms(records[0].latency_seconds),
                     trend["sparkline"], _ms(trend["latency_median_seconds"]),
                     f"{trend['pass_rate']:.0%}",
                     records[0].checked_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")))
    table(["check", "latest", "latency", f"last {limit} (old→new)", "median", "passed",
           "checked"], rows, keys=("check",))
    return 0


_MARKS = {"pass": "✓", "warn": "!", "fail": "✗"}


def _trend(records: list[HealthCheckRecord]) -> dict[str, Any]:
    latencies = [r.latency_seconds for r in records if r.latency_seconds is not None]
    oldest_first = list(reversed(records))
    return {
        "latest": {"status": records[0].status, "latency_seconds": records[0].latency_seconds,
                   "message": records[0].message, "checked_at": _iso(records[0].checked_at),
                   "run_id": records[0].run_id},
        "results": len(records),
        "pass_rate": sum(r.status == "pass" for r in records) / len(records),
        "latency_median_seconds": statistics.median(latencies) if latencies else None,
        "latency_max_seconds": max(latencies) if latencies else None,
        "statuses": [r.status for r in oldest_first],
        "sparkline": "".join(_MARKS.get(r.status, "?") for r in oldest_first),
    }


def _ms(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds * 1000:.0f} ms"


@history.command()
@click.option("--kill", is_flag=True,
              help="Also stop (SIGKILL) the processes that abandoned runs left behind.")
@json_option
@pass_app
def sweep(app: AppContext, kill: bool, as_json: bool) -> int:
    """Mark runs whose pitstop process died as abandoned; with --kill, also stop the
    task processes they left running on this host."""
    with _open(app) as store:
        gone = store.sweep_abandoned()
        killed = store.stop_leftovers(since=0.0) if kill else []
    if as_json:
        emit_json({"abandoned": gone, "killed_pids": killed})
        return 0
    echo(f"{len(gone)} run(s) marked abandoned" + (f": {', '.join(gone)}" if gone else ""))
    if kill:
        echo(f"{len(killed)} leftover process group(s) stopped"
             + (f": pids {', '.join(map(str, killed))}" if killed else ""))
    return 0


@history.command()
@click.argument("run_id")
@click.option("--failed", is_flag=True,
              help="Rerun the tasks that did not succeed and what depends on them (the "
                   "default).")
@click.option("--from", "from_task", metavar="TASK", default=None,
              help="Rerun TASK and everything after it.")
@click.option("-p", "--param", "params", metavar="NAME=VALUE", multiple=True,
              help="Change a parameter, or give a secret one again (repeat for several).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Run at most N tasks at once [default: number of CPUs].")
@click.option("-k", "--keep-going", is_flag=True,
              help="After a failure, still run the tasks that do not depend on it.")
@json_option
@pass_app
def retry(app: AppContext, run_id: str, failed: bool, from_task: str | None,
          params: tuple[str, ...], jobs: int | None, keep_going: bool, as_json: bool) -> int:
    """Run a recorded workflow or task again with the same parameters, rerunning only
    what did not succeed (--failed, the default) or TASK and everything after it
    (--from TASK).  The tasks not rerun are taken as done; the new run records which
    run it retries.  Secret parameters were never stored: give them again with --param.

    Exit status: that of the new run (0, 1, 2, 130 as for `pitstop run`); 3 when the
    run cannot be retried (unknown id, a command's run, nothing failed, bad --param).
    """
    import os
    import signal

    from pitstop import engine, registry
    from pitstop.cli.render_run import RunDisplay, result_json, summary_table
    from pitstop.cli.run_cmd import _sigterm_as_interrupt
    from pitstop.engine.params import parse_assignments

    if failed and from_task:
        raise UsageError("--failed and --from cannot be combined",
                         hint="--failed reruns what did not succeed; --from TASK reruns "
                              "TASK and everything after it")
    given = parse_assignments(params)
    settings = app.settings()
    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        with RunDisplay(quiet=as_json, log_format=settings.log_format) as display:
            result = engine.retry(settings, run_id, registry.tasks(), from_task=from_task,
                                  params=given, jobs=jobs, keep_going=keep_going,
                                  environ=os.environ, on_event=display.handle)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if as_json:
        emit_json(result_json(result))
    else:
        summary_table(result)
    return result.exit_code
