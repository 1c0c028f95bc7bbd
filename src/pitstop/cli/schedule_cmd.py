"""``pitstop schedule list|next|run``: cron schedules and the scheduler."""

from __future__ import annotations

import os
import signal
from types import FrameType
from typing import Any

import click

from pitstop.cli.common import DURATION, AppContext, json_option, pass_app
from pitstop.output import echo, emit_json, info, table


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def schedule() -> None:
    """Cron schedules ([schedules.NAME] in pitstop.toml) and the scheduler that fires
    them; see docs/schedule.md."""


def _when(local: str) -> str:
    return local.replace("T", " ")


def _short(firings: Any) -> str:
    """``12-07 02:30, 12-08 02:30`` (seconds shown when a firing has them)."""
    import datetime as dt

    times = [dt.datetime.fromisoformat(f.local) for f in firings]
    with_seconds = any(t.second for t in times)
    return ", ".join(t.strftime("%m-%d %H:%M:%S" if with_seconds else "%m-%d %H:%M")
                     for t in times)


def _duration(seconds: float) -> str:
    if not seconds:
        return "off"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count:g}{unit}")
    return "".join(parts) or f"{seconds:g}s"


def _last(last: Any) -> str:
    if last is None:
        return ""
    text = f"{_when(last.at.astimezone().isoformat(timespec='seconds'))} {last.status}"
    if last.run_status:
        text += f" → {last.run_status}"
    return text + (f" ({last.run_id})" if last.run_id else "")


@schedule.command("list")
@click.option("-n", "--count", type=click.IntRange(min=1), default=3, show_default=True,
              help="Next firings to show per schedule.")
@json_option
@pass_app
def list_(app: AppContext, count: int, as_json: bool) -> int:
    """Every schedule: what it runs, when (its next firings, in its time zone), its
    overlap and catch-up policies, and the last firing with its run's status.

    Each schedule is checked as its firings will run it (the workflow exists, its
    parameters fit): a problem is exit 3 naming the schedule.
    """
    from pitstop import registry
    from pitstop.schedule.api import list_schedules

    result = list_schedules(app.settings(), builtins=registry.tasks(), count=count)
    if as_json:
        emit_json(result.to_dict())
        return 0
    if not result.schedules:
        echo("no schedules: add a [schedules.NAME] table to pitstop.toml (docs/schedule.md)")
        return 0
    table(["schedule", "runs", "cron", "time zone", "overlap", "catch-up",
           "next (local time)", "last"], [
        (s.name, s.workflow, s.cron, s.timezone, s.overlap, _duration(s.catchup_seconds),
         _short(s.next) if s.enabled else "disabled", _last(s.last))
        for s in result.schedules], keys=("schedule", "cron"))
    return 0


@schedule.command("next")
@click.argument("name")
@click.option("-n", "--count", type=click.IntRange(min=1, max=10_000), default=10,
              show_default=True, help="How many firings to show.")
@json_option
@pass_app
def next_(app: AppContext, name: str, count: int, as_json: bool) -> int:
    """The next firings of schedule NAME, in its time zone and in UTC (daylight-saving
    changes applied as the scheduler applies them)."""
    from pitstop.schedule.api import next_firings

    result = next_firings(app.settings(), name=name, count=count)
    if as_json:
        emit_json(result.to_dict())
        return 0
    if not result.enabled:
        info(f"schedule '{name}' is disabled (enabled = false): these are the times it "
             "would fire")
    table([f"{result.timezone}", "UTC"],
          [(_when(f.local), f.at.strftime("%Y-%m-%d %H:%M:%S")) for f in result.firings],
          title=f"{name}: {result.cron}")
    return 0


@schedule.command("run")
@click.option("--for", "duration", type=DURATION, default=None, metavar="DURATION",
              help="Stop after this long (30s, 2m, 1h) [default: until SIGTERM or Ctrl-C].")
@click.option("--only", "names", metavar="NAME", multiple=True,
              help="Fire only this schedule (repeat for several) [default: all enabled].")
@json_option
@pass_app
def run(app: AppContext, duration: float | None, names: tuple[str, ...], as_json: bool) -> int:
    """Run the scheduler in the foreground: what a container or a systemd service runs.

    Each firing is claimed in the state store first, so several schedulers sharing a
    PostgreSQL state store run every firing once; each run is recorded with trigger
    `schedule` (or `catchup`), the schedule's name and the firing time.  Firings missed
    while no scheduler ran are run once when within the schedule's `catchup` window.

    SIGTERM or Ctrl-C stops it cleanly: no new firing starts, runs in flight get 30s
    to finish and are then interrupted (a second signal interrupts them at once).
    Exit status: 0 stopped cleanly · 3 bad schedules or configuration · 4 state store
    unreachable.
    """
    from pitstop import registry
    from pitstop.schedule.api import run_scheduler
    from pitstop.schedule.scheduler import FiringEvent, Scheduler

    settings = app.settings()
    holder: dict[str, Scheduler] = {}
    signals = {"count": 0}

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        signals["count"] += 1
        scheduler = holder.get("scheduler")
        if scheduler is not None:
            scheduler.stop(wait=False, cancel_runs=signals["count"] > 1)

    def on_event(event: FiringEvent) -> None:
        info(_event_line(event))

    def on_start(scheduler: Scheduler) -> None:
        holder["scheduler"] = scheduler
        names_ = ", ".join(scheduler.schedules) or "none enabled"
        info(f"scheduler {scheduler.owner.id} firing: {names_}")

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        report = run_scheduler(settings, builtins=registry.tasks(), duration=duration,
                               names=names, environ=os.environ, on_event=on_event,
                               on_start=on_start)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if as_json:
        emit_json(report.to_dict())
    else:
        counts = ", ".join(f"{n} {action}" for action, n in sorted(report.counts.items()))
        info(f"scheduler stopped ({counts or 'nothing fired'})")
    return 0


def _event_line(event: Any) -> str:
    when = event.fire_at.isoformat().replace("+00:00", "Z")
    text = f"[{event.schedule}] firing {when}"
    if event.trigger == "catchup":
        text += " (catch-up)"
    text += f": {event.action}"
    if event.run_id:
        text += f" run {event.run_id}"
    if event.status:
        text += f" {event.status}"
    if event.note:
        text += f" — {event.note}"
    return text
