"""Schedules: ``[schedules.NAME]`` fired by a scheduler that claims each firing in the
state store, so several schedulers sharing it run every firing once.

Python API: :func:`list_schedules`, :func:`next_firings`, :func:`run_scheduler`, and
:class:`Scheduler` for a front that runs the scheduler in a thread of its own process
(``start()`` / ``stop()``, an injectable :class:`Clock`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.schedule.api import list_schedules, next_firings, run_scheduler
    from pitstop.schedule.clock import Clock, SimulatedClock, SystemClock
    from pitstop.schedule.cron import Cron
    from pitstop.schedule.scheduler import FiringEvent, Scheduler

__all__ = ["Clock", "Cron", "FiringEvent", "Scheduler", "SimulatedClock", "SystemClock",
           "list_schedules", "next_firings", "run_scheduler"]


def __getattr__(name: str) -> Any:
    if name in ("list_schedules", "next_firings", "run_scheduler"):
        from pitstop.schedule import api

        return getattr(api, name)
    if name in ("Clock", "SimulatedClock", "SystemClock"):
        from pitstop.schedule import clock

        return getattr(clock, name)
    if name == "Cron":
        from pitstop.schedule.cron import Cron

        return Cron
    if name in ("FiringEvent", "Scheduler"):
        from pitstop.schedule import scheduler

        return getattr(scheduler, name)
    raise AttributeError(f"module 'pitstop.schedule' has no attribute {name!r}")
