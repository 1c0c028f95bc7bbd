"""The ``schedule`` verbs: list the schedules, their next firings, and run the
scheduler (see :mod:`pitstop.schedule.scheduler`)."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import threading
from collections.abc import Callable, Mapping
from typing import Any

from pitstop.capability import Progress, Result, Task
from pitstop.config import Settings
from pitstop.errors import ConfigError
from pitstop.redact import MASK
from pitstop.schedule.clock import Clock, SystemClock
from pitstop.schedule.cron import Cron
from pitstop.schedule.scheduler import FiringEvent, Scheduler, load_schedules
from pitstop.schedule.settings import ScheduleSpec


@dataclasses.dataclass(frozen=True)
class Firing:
    """A firing as lists show it."""

    at: dt.datetime
    """When, in UTC."""
    local: str
    """When, in the schedule's time zone (ISO 8601 with its offset)."""


@dataclasses.dataclass(frozen=True)
class LastFiring:
    """The newest firing a scheduler handled, and how its run ended."""

    at: dt.datetime
    trigger: str
    status: str
    """``done``, ``running``, ``waiting``, ``skipped``, ``missed``, ``abandoned``, ``failed``."""
    run_id: str | None = None
    run_status: str | None = None
    note: str | None = None


@dataclasses.dataclass(frozen=True)
class ScheduleInfo(Result):
    """One schedule: what it runs when, its next firings and its last one."""

    name: str
    workflow: str
    cron: str
    timezone: str
    overlap: str
    catchup_seconds: float
    enabled: bool
    description: str
    params: Mapping[str, Any]
    next: tuple[Firing, ...]
    last: LastFiring | None = None


@dataclasses.dataclass(frozen=True)
class ScheduleList(Result):
    """``pitstop schedule list``."""

    schedules: tuple[ScheduleInfo, ...]
    now: dt.datetime


@dataclasses.dataclass(frozen=True)
class NextFirings(Result):
    """``pitstop schedule next NAME``."""

    schedule: str
    cron: str
    timezone: str
    enabled: bool
    firings: tuple[Firing, ...]


@dataclasses.dataclass(frozen=True)
class SchedulerReport(Result):
    """What one ``pitstop schedule run`` did before it stopped."""

    schedules: tuple[str, ...]
    started_at: dt.datetime
    stopped_at: dt.datetime
    counts: Mapping[str, int]
    """Firing events by action: ``started``, ``finished``, ``skipped``, ``missed`` …"""


def _firing(cron: Cron, when: dt.datetime) -> Firing:
    zone = cron.zone
    return Firing(when, when.astimezone(zone).isoformat() if zone else when.isoformat())


def _upcoming(cron: Cron, now: dt.datetime, count: int) -> tuple[Firing, ...]:
    found: list[Firing] = []
    for when in cron.iter_after(now):
        if len(found) >= count:
            break
        found.append(_firing(cron, when))
    return tuple(found)


def _shown_params(spec: ScheduleSpec) -> dict[str, Any]:
    """The parameters as written: a value taken from the environment stays ``${VAR}``."""
    return {key: MASK if isinstance(value, str) and "${" not in value and _looks_secret(key)
            else value for key, value in spec.params.items()}


def _looks_secret(key: str) -> bool:
    from pitstop.redact import is_secret_key

    return is_secret_key(key)


def list_schedules(settings: Settings, *, progress: Progress | None = None,
                   builtins: Mapping[str, Task] | None = None, count: int = 3,
                   clock: Clock | None = None) -> ScheduleList:
    """Every schedule with its next ``count`` firings and the last one handled.

    With ``builtins`` each schedule is also checked as its firings will run it (the
    workflow exists, the parameters fit): a problem is a ConfigError naming it."""
    from pitstop.schedule.firings import recent
    from pitstop.state.store import StateStore

    now = (clock or SystemClock()).now()
    tables = settings.tables(ScheduleSpec)
    if builtins is not None:
        load_schedules(settings, builtins, enabled_only=False)
    last: dict[str, LastFiring] = {}
    if tables:
        with StateStore.open(settings.state.url) as store:
            for name in tables:
                rows = recent(store, name, limit=1)
                if rows:
                    row = rows[0]
                    last[name] = LastFiring(row.when, row.trigger, row.status, row.run_id,
                                            row.run_status, row.note)
    infos = []
    for name, spec in tables.items():
        cron = spec.parsed()
        infos.append(ScheduleInfo(
            name=name, workflow=spec.workflow, cron=spec.cron, timezone=spec.timezone,
            overlap=spec.overlap, catchup_seconds=spec.catchup, enabled=spec.enabled,
            description=spec.description, params=_shown_params(spec),
            next=_upcoming(cron, now, count) if spec.enabled else (), last=last.get(name)))
    return ScheduleList(tuple(infos), now)


def next_firings(settings: Settings, *, progress: Progress | None = None, name: str,
                 count: int = 10, clock: Clock | None = None) -> NextFirings:
    """The next ``count`` firings of schedule ``name`` (DST changes applied)."""
    tables = settings.tables(ScheduleSpec)
    spec = tables.get(name)
    if spec is None:
        raise ConfigError(f"no schedule named '{name}'",
                          hint=f"this project has: {', '.join(tables)}" if tables
                          else "schedules are [schedules.NAME] tables in pitstop.toml")
    cron = spec.parsed()
    now = (clock or SystemClock()).now()
    return NextFirings(name, spec.cron, spec.timezone, spec.enabled,
                       _upcoming(cron, now, count))


def run_scheduler(settings: Settings, *, progress: Progress | None = None,
                  builtins: Mapping[str, Task], duration: float | None = None,
                  names: tuple[str, ...] = (), clock: Clock | None = None,
                  environ: Mapping[str, str] | None = None,
                  on_event: Callable[[FiringEvent], None] | None = None,
                  on_start: Callable[[Scheduler], None] | None = None,
                  stop: threading.Event | None = None) -> SchedulerReport:
    """Run the scheduler until ``stop`` is set (or :meth:`Scheduler.stop` is called;
    ``on_start`` hands the scheduler over) or for ``duration`` seconds."""
    counts: collections.Counter[str] = collections.Counter()

    def seen(event: FiringEvent) -> None:
        counts[event.action] += 1
        if on_event is not None:
            on_event(event)

    scheduler = Scheduler(settings, builtins, clock=clock, environ=environ, on_event=seen,
                          names=names, stop=stop)
    the_clock = scheduler.clock
    started = the_clock.now()
    if on_start is not None:
        on_start(scheduler)
    until = None if duration is None else started + dt.timedelta(seconds=duration)
    scheduler.run(until=until)
    return SchedulerReport(tuple(scheduler.schedules), started, the_clock.now(), dict(counts))
