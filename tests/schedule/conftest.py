"""Fixtures for the scheduler tests: project settings, a scheduler on a simulated
clock, and the firings and runs it recorded."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pitstop.config import Settings
from pitstop.registry import load_settings, tasks
from pitstop.schedule.clock import SimulatedClock
from pitstop.schedule.firings import Firing, recent
from pitstop.schedule.scheduler import FiringEvent, Scheduler
from pitstop.state.store import RunRecord, StateStore


def write_settings(project: Path, text: str, env: dict[str, str] | None = None) -> Settings:
    (project / "pitstop.toml").write_text(text, encoding="utf-8")
    return load_settings(project, env=env or {})


class Recorder:
    """Collects a scheduler's events; lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[FiringEvent] = []
        self._changed = threading.Condition()

    def __call__(self, event: FiringEvent) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def wait_for(self, action: str, count: int = 1, timeout: float = 60.0) -> list[FiringEvent]:
        with self._changed:
            ok = self._changed.wait_for(
                lambda: len(self.of(action)) >= count, timeout=timeout)
        assert ok, f"no {count} {action!r} events: {self.events}"
        return self.of(action)

    def of(self, action: str) -> list[FiringEvent]:
        return [e for e in self.events if e.action == action]


@pytest.fixture
def make_scheduler() -> Iterator[Callable[..., tuple[Scheduler, SimulatedClock, Recorder]]]:
    made: list[Scheduler] = []

    def make(settings: Settings, start: dt.datetime, **options: Any
             ) -> tuple[Scheduler, SimulatedClock, Recorder]:
        clock = options.pop("clock", None) or SimulatedClock(start)
        recorder = Recorder()
        scheduler = Scheduler(settings, tasks(), clock=clock, on_event=recorder,
                              environ={"PATH": "/usr/bin:/bin"}, **options)
        made.append(scheduler)
        return scheduler, clock, recorder

    yield make
    for scheduler in made:
        scheduler.stop(wait=False, cancel_runs=True)
        scheduler.wait_for_runs(30)
        scheduler.close()


def firings(settings: Settings, schedule: str, limit: int = 1000) -> list[Firing]:
    """Oldest first."""
    with StateStore.open(settings.state.url) as store:
        return list(reversed(recent(store, schedule, limit)))


def scheduled_runs(settings: Settings) -> list[RunRecord]:
    with StateStore.open(settings.state.url) as store:
        runs = store.list_runs(limit=10_000)
    return sorted((r for r in runs if r.trigger in ("schedule", "catchup")),
                  key=lambda r: r.params.get("fired_at", ""))


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)
