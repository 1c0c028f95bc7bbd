"""The scheduler's clock, injectable: the system's, or a simulated one that jumps to
whatever moment the scheduler waits for (a day of firings in a second, DST included)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Protocol

MAX_SLEEP_SECONDS = 30.0
"""The system clock re-reads the time at least this often while it waits, so a
wall-clock jump (NTP, a suspended machine) is noticed."""


class Clock(Protocol):
    """What the scheduler needs from a clock."""

    def now(self) -> dt.datetime:
        """The current time, aware, in UTC."""
        ...

    def sleep_until(self, when: dt.datetime, stop: threading.Event) -> None:
        """Return at ``when``, or as soon as ``stop`` is set (possibly earlier: the
        caller looks at :meth:`now` again)."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def sleep_until(self, when: dt.datetime, stop: threading.Event) -> None:
        seconds = (when - self.now()).total_seconds()
        if seconds > 0:
            stop.wait(min(seconds, MAX_SLEEP_SECONDS))


class SimulatedClock:
    """A clock that stands still until the scheduler waits, then jumps to the moment
    it waits for (or :meth:`advance` moves it).  For tests and dry simulations."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start.astimezone(dt.UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def sleep_until(self, when: dt.datetime, stop: threading.Event) -> None:
        if not stop.is_set():
            self.advance(to=when)

    def advance(self, seconds: float = 0.0, *, to: dt.datetime | None = None) -> dt.datetime:
        """Move the clock forward by ``seconds`` or to ``to`` (never backwards)."""
        with self._lock:
            target = to.astimezone(dt.UTC) if to is not None \
                else self._now + dt.timedelta(seconds=seconds)
            self._now = max(self._now, target)
            return self._now
