"""The scheduler: fires each ``[schedules.NAME]`` at its times, once, however many
schedulers share the state store.

One :class:`Scheduler` runs in the foreground (``pitstop schedule run``) or in a thread
of another process (``pitstop serve``: :meth:`Scheduler.start` / :meth:`Scheduler.stop`).
Each pass (:meth:`Scheduler.tick`) looks at the time on its :class:`Clock` and, for
each schedule:

1. takes over firings whose scheduler died before starting them, and closes those it
   died running (``abandoned``: a firing never runs twice; ``pitstop history retry``
   reruns it);
2. starts a firing waiting for its predecessor (overlap ``latest``) once that ended;
3. claims each firing that came due since the last pass (a lease row; a firing
   another scheduler claimed is left to it), applies the overlap policy and starts the
   run in a thread: ``engine.run`` with trigger ``schedule`` and the schedule's name
   and firing time recorded on the run;
4. firings that were due while no scheduler ran are *missed*: the latest of those
   within ``catchup`` runs once (trigger ``catchup``), the others are not run.

Leases are renewed by a heartbeat thread; a lease not renewed for ``lease_timeout``
seconds (or whose process is gone, on the same host) is free to take over.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pitstop.capability import Task
from pitstop.config import Settings
from pitstop.errors import ConfigError, PitstopError
from pitstop.schedule.clock import Clock, SystemClock
from pitstop.schedule.cron import Cron
from pitstop.schedule.firings import Firings, Owner, epoch, from_epoch
from pitstop.schedule.settings import ScheduleSpec
from pitstop.state.store import StateStore

log = logging.getLogger("pitstop.schedule")

HEARTBEAT_SECONDS = 10.0
LEASE_TIMEOUT_SECONDS = 60.0
LATE_SECONDS = 60.0
"""A firing noticed later than this after its time was missed (the scheduler was
down, suspended or blocked), and follows the catch-up rule."""
POLL_SECONDS = 1.0
"""How often a scheduler with firings waiting (overlap ``latest``) looks again."""
STOP_GRACE_SECONDS = 30.0

Action = Literal["started", "finished", "skipped", "waiting", "missed", "abandoned", "failed"]


@dataclasses.dataclass(frozen=True)
class FiringEvent:
    """Something that happened to a firing (for the front to log or show)."""

    schedule: str
    fire_at: dt.datetime
    trigger: str
    action: Action
    run_id: str | None = None
    status: str | None = None
    """The run's status, when it finished."""
    note: str | None = None


@dataclasses.dataclass(frozen=True)
class Entry:
    """A schedule ready to fire: its table, parsed expression and parameter values."""

    name: str
    spec: ScheduleSpec
    cron: Cron
    params: Mapping[str, str]


def load_schedules(settings: Settings, builtins: Mapping[str, Task], *,
                   names: tuple[str, ...] = (), enabled_only: bool = True) -> dict[str, Entry]:
    """The project's schedules, each checked the way its firings will run it: the
    workflow exists and takes the parameters (``${VAR}`` resolved from the
    environment).  Raises :class:`ConfigError` (exit 3) naming the schedule."""
    from pitstop.config_env import expand_env
    from pitstop.engine.planner import plan

    tables = settings.tables(ScheduleSpec)
    for name in names:
        if name not in tables:
            raise ConfigError(f"no schedule named '{name}'",
                              hint="schedules are [schedules.NAME] tables in pitstop.toml; "
                                   + (f"this project has: {', '.join(tables)}" if tables
                                      else "this project has none"))
    entries: dict[str, Entry] = {}
    for name, spec in tables.items():
        if (names and name not in names) or (enabled_only and not spec.enabled):
            continue
        params: dict[str, Any] = {}
        for key, value in spec.params.items():
            if isinstance(value, str):
                try:
                    value = expand_env(value, settings.environ)
                except KeyError as exc:
                    raise ConfigError(f"uses ${{{exc.args[0]}}}, which is not set",
                                      file=settings.config_file,
                                      key=f"schedules.{name}.params.{key}") from None
            params[key] = value
        try:
            bound = plan(settings, spec.workflow, builtins, params).params
        except ConfigError as exc:
            where = "params" if spec.params and "parameter" in exc.message else "workflow"
            raise ConfigError(f"schedule '{name}': {exc.message}", hint=exc.hint,
                              file=settings.config_file,
                              key=f"schedules.{name}.{where}") from None
        entries[name] = Entry(name, spec, spec.parsed(), dict(bound.values if bound else {}))
    return entries


class Scheduler:
    """Fires the project's schedules.  Thread-safe; one per process is enough."""

    def __init__(self, settings: Settings, builtins: Mapping[str, Task], *,
                 clock: Clock | None = None, environ: Mapping[str, str] | None = None,
                 on_event: Callable[[FiringEvent], None] | None = None,
                 names: tuple[str, ...] = (), heartbeat: float = HEARTBEAT_SECONDS,
                 lease_timeout: float = LEASE_TIMEOUT_SECONDS, late: float = LATE_SECONDS,
                 stop_grace: float = STOP_GRACE_SECONDS,
                 stop: threading.Event | None = None) -> None:
        self.settings = settings
        self.builtins = builtins
        self.clock: Clock = clock or SystemClock()
        self.environ = dict(environ if environ is not None else settings.environ)
        self.schedules = load_schedules(settings, builtins, names=names)
        self.heartbeat_seconds = heartbeat
        self.lease_timeout = lease_timeout
        self.late = late
        self.stop_grace = stop_grace
        self.owner = Owner.me()
        self._on_event = on_event or (lambda _e: None)
        self._store: StateStore | None = None
        self._firings: Firings | None = None
        self._horizon: dict[str, dt.datetime] = {}
        self._runs: dict[tuple[str, int], tuple[threading.Thread, threading.Event]] = {}
        self._lock = threading.RLock()
        self._stop = stop if stop is not None else threading.Event()
        self._thread: threading.Thread | None = None

    # -- life cycle --------------------------------------------------------------------
    @property
    def firings(self) -> Firings:
        with self._lock:
            if self._firings is None:
                from pitstop.state.recorder import LEFTOVER_WINDOW_SECONDS

                self._store = StateStore.connect(self.settings.state.url)
                self._store.sweep_abandoned()  # runs of a scheduler killed mid-run
                self._store.stop_leftovers(since=time.time() - LEFTOVER_WINDOW_SECONDS)
                self._firings = Firings(self._store, self.owner, self.lease_timeout)
            return self._firings

    def run(self, *, until: dt.datetime | None = None) -> None:
        """Fire schedules until :meth:`stop` (or the clock reaches ``until``), then wait
        for the runs in flight (``stop_grace`` seconds, then interrupt them)."""
        _ = self.firings  # a state store that cannot be opened fails here, not later
        beat = threading.Thread(target=self._beat, name="pitstop-schedule-heartbeat",
                                daemon=True)
        beat.start()
        try:
            while not self._stop.is_set():
                self.tick()
                now = self.clock.now()
                if until is not None and now >= until:
                    break
                wake = self.next_wakeup(now)
                if until is not None:
                    wake = min(wake, until)
                self.clock.sleep_until(wake, self._stop)
        finally:
            self._shutdown()

    def start(self) -> None:
        """Run :meth:`run` in a background thread (for a front such as the web server)."""
        _ = self.firings
        self._thread = threading.Thread(target=self.run, name="pitstop-scheduler", daemon=True)
        self._thread.start()

    def stop(self, *, wait: bool = True, cancel_runs: bool = False) -> None:
        """Stop firing; with ``cancel_runs`` interrupt the runs in flight now instead of
        after ``stop_grace``.  ``wait``: return once the scheduler has stopped."""
        self._stop.set()
        if cancel_runs:
            self._cancel_runs()
        if wait and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def wait_for_runs(self, timeout: float | None = None) -> bool:
        """Wait until no run started by this scheduler is in flight."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                threads = [thread for thread, _ in self._runs.values()]
            if not threads:
                return True
            for thread in threads:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                thread.join(left)
            if deadline is not None and time.monotonic() >= deadline:
                with self._lock:
                    return not self._runs

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
            self._store = self._firings = None

    def _shutdown(self) -> None:
        if not self.wait_for_runs(self.stop_grace):
            log.warning("stopping: interrupting %d run(s) still going", len(self._runs))
            self._cancel_runs()
            self.wait_for_runs(30.0)
        try:
            self.firings.heartbeat(expire=True)  # what we hold but never started: others may
        except Exception as exc:  # noqa: BLE001 - the store may be gone; leases expire anyway
            log.warning("could not release the schedule leases: %s", exc)
        self.close()

    def _cancel_runs(self) -> None:
        with self._lock:
            for _thread, cancel in self._runs.values():
                cancel.set()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_seconds):
            try:
                self.firings.heartbeat()
            except Exception as exc:  # noqa: BLE001 - a missed beat is not fatal
                log.warning("schedule lease heartbeat failed: %s", exc)

    # -- one pass ----------------------------------------------------------------------
    def tick(self) -> None:
        """Handle everything due at the clock's current time."""
        now = self.clock.now()
        self._sweep(now)
        for entry in self.schedules.values():
            self._promote_waiting(entry)
            self._fire_due(entry, now)

    def next_wakeup(self, now: dt.datetime) -> dt.datetime:
        """When the next pass is needed: the next firing, sooner while firings wait."""
        candidates = [now + dt.timedelta(seconds=self.lease_timeout)]
        for entry in self.schedules.values():
            following = entry.cron.next_after(self._horizon.get(entry.name, now))
            if following is not None:
                candidates.append(following)
        with self._lock:
            if self._runs or self._waiting:
                candidates.append(now + dt.timedelta(seconds=POLL_SECONDS))
        return max(now, min(candidates))

    @property
    def _waiting(self) -> bool:
        return any(self.firings.mine(name, "waiting") for name in self.schedules)

    def _emit(self, entry: Entry | str, fire_at: int, trigger: str, action: Action,
              **details: Any) -> None:
        name = entry if isinstance(entry, str) else entry.name
        try:
            self._on_event(FiringEvent(name, from_epoch(fire_at), trigger, action, **details))
        except Exception as exc:  # noqa: BLE001 - a display never stops the scheduler
            log.warning("schedule event handler failed: %s", exc)

    def _fire_due(self, entry: Entry, now: dt.datetime) -> None:
        horizon = self._horizon.get(entry.name)
        if horizon is None:  # the last firing any scheduler handled, or from now on
            last = self.firings.last_fire_at(entry.name)
            horizon = now if last is None else from_epoch(last)
        self._horizon[entry.name] = max(horizon, now)
        late_before = now - dt.timedelta(seconds=self.late)
        earliest = now - dt.timedelta(seconds=max(entry.spec.catchup, self.late) + 1)
        start, older = horizon, False
        if horizon < earliest:  # only the firings that can still matter are looked at
            first = entry.cron.next_after(horizon)
            older = first is not None and first <= earliest
            start = earliest
        due = list(entry.cron.between(start, now, limit=100_000))
        late = [when for when in due if when < late_before]
        if late or older:
            self._missed(entry, now, late, older)
        for when in due:
            if when >= late_before:
                self._fire(entry, epoch(when), "schedule")

    def _missed(self, entry: Entry, now: dt.datetime, late: list[dt.datetime],
                older: bool) -> None:
        window_start = now - dt.timedelta(seconds=entry.spec.catchup)
        in_window = [when for when in late if entry.spec.catchup and when >= window_start]
        more = " and earlier" if older or len(in_window) < len(late) else ""
        if in_window:
            note = (f"catch-up for {len(in_window)} firing(s) missed while no scheduler ran, "
                    f"since {in_window[0].isoformat()}{more}")
            log.info("schedule %s: %s", entry.name, note)
            self._fire(entry, epoch(in_window[-1]), "catchup", note=note)
            return
        latest = late[-1] if late else entry.cron.last_before(now - dt.timedelta(
            seconds=max(entry.spec.catchup, self.late)))
        if latest is None:
            return
        count = f"{len(late)} firing(s){more}" if late else "firings"
        note = (f"missed while no scheduler ran ({count}); "
                + ("outside the catch-up window" if entry.spec.catchup else "catchup is off"))
        if self.firings.claim(entry.name, epoch(latest), "schedule", status="missed",
                              note=note):
            log.warning("schedule %s: %s", entry.name, note)
            self._emit(entry, epoch(latest), "schedule", "missed", note=note)

    def _fire(self, entry: Entry, fire_at: int, trigger: str, note: str | None = None) -> None:
        if not self.firings.claim(entry.name, fire_at, trigger, note=note):
            return  # another scheduler has it (or had it)
        self._after_claim(entry, fire_at, trigger)

    def _after_claim(self, entry: Entry, fire_at: int, trigger: str) -> None:
        """Apply the overlap policy to a firing we hold as ``claimed``."""
        policy = entry.spec.overlap
        if policy == "latest":
            self.firings.supersede(entry.name, fire_at, fire_at)
        busy = [f for f in self.firings.active(entry.name, before=fire_at + 1)
                if f.fire_at != fire_at]
        if busy and policy == "skip":
            previous = busy[-1]
            note = (f"the run of the firing at {previous.when.isoformat()} "
                    f"({previous.run_id or 'starting'}) was still going (overlap = skip)")
            self.firings.move(entry.name, fire_at, "skipped", expect=("claimed",), note=note)
            self._emit(entry, fire_at, trigger, "skipped", note=note)
            return
        if busy and policy == "latest":
            self.firings.move(entry.name, fire_at, "waiting", expect=("claimed",))
            self._emit(entry, fire_at, trigger, "waiting",
                       note="waits for the run of the firing at "
                            f"{busy[-1].when.isoformat()} (overlap = latest)")
            return
        self._start(entry, fire_at, trigger, expect=("claimed",))

    def _promote_waiting(self, entry: Entry) -> None:
        if entry.spec.overlap != "latest":
            return
        for firing in self.firings.mine(entry.name, "waiting"):
            busy = [f for f in self.firings.active(entry.name, before=firing.fire_at)]
            newer = self.firings.active(entry.name, statuses=("waiting",))
            if any(f.fire_at > firing.fire_at for f in newer):
                self.firings.move(entry.name, firing.fire_at, "skipped", expect=("waiting",),
                                  note="superseded by a later firing (overlap = latest)")
                continue
            if not busy:
                self._start(entry, firing.fire_at, firing.trigger, expect=("waiting",))

    def _sweep(self, now: dt.datetime) -> None:
        """Firings of schedulers that died: take over those never started (when recent
        enough to still matter), close those that were running."""
        for firing in self.firings.stale():
            entry = self.schedules.get(firing.schedule)
            if firing.status == "running" or entry is None:
                note = ("the scheduler running it died; its run is abandoned (rerun it with "
                        "`pitstop history retry`)" if firing.status == "running"
                        else "the scheduler holding it died before starting it")
                if self.firings.end_dead(firing, "abandoned", note):
                    log.warning("schedule %s: firing at %s abandoned: %s", firing.schedule,
                                firing.when.isoformat(), note)
                    self._emit(firing.schedule, firing.fire_at, firing.trigger, "abandoned",
                               run_id=firing.run_id, note=note)
                continue
            keep = max(entry.spec.catchup, 3 * self.lease_timeout, self.late)
            if firing.when < now - dt.timedelta(seconds=keep):
                self.firings.end_dead(firing, "abandoned", "the scheduler holding it died "
                                      "before starting it, too long ago to run it now")
                continue
            if not self.firings.take_over(firing):
                continue
            log.info("schedule %s: took over the firing at %s from %s, which died",
                     firing.schedule, firing.when.isoformat(), firing.owner)
            if firing.status == "claimed":
                self._after_claim(entry, firing.fire_at, firing.trigger)

    # -- running -----------------------------------------------------------------------
    def _start(self, entry: Entry, fire_at: int, trigger: str, *, expect: tuple[str, ...]) -> None:
        if not self.firings.move(entry.name, fire_at, "running", expect=expect):
            return  # the lease was lost (another scheduler took it over)
        cancel = threading.Event()
        thread = threading.Thread(target=self._execute, args=(entry, fire_at, trigger, cancel),
                                  name=f"pitstop-schedule-{entry.name}", daemon=True)
        with self._lock:
            self._runs[(entry.name, fire_at)] = (thread, cancel)
        thread.start()

    def _execute(self, entry: Entry, fire_at: int, trigger: str,
                 cancel: threading.Event) -> None:
        from pitstop import engine

        def on_event(event: Any) -> None:
            if event.kind == "run-started" and event.run_id:
                self.firings.move(entry.name, fire_at, "running", expect=("running",),
                                  run_id=event.run_id)
                self._emit(entry, fire_at, trigger, "started", run_id=event.run_id)

        try:
            result = engine.run(
                self.settings, entry.spec.workflow, self.builtins, trigger=trigger,
                environ=self.environ, on_event=on_event, params=entry.params, cancel=cancel,
                origin={"schedule": entry.name, "fired_at": from_epoch(fire_at).isoformat()})
        except Exception as exc:  # noqa: BLE001 - one firing never stops the scheduler
            message = exc.message if isinstance(exc, PitstopError) \
                else f"unexpected {type(exc).__name__}: {exc}"
            log.error("schedule %s: the firing at %s could not run: %s", entry.name,
                      from_epoch(fire_at).isoformat(), message)
            self.firings.move(entry.name, fire_at, "failed", expect=("running",), note=message)
            self._emit(entry, fire_at, trigger, "failed", note=message)
        else:
            self.firings.move(entry.name, fire_at, "done", expect=("running",),
                              run_id=result.run_id)
            self._emit(entry, fire_at, trigger, "finished", run_id=result.run_id,
                       status=result.status)
        finally:
            with self._lock:
                self._runs.pop((entry.name, fire_at), None)
