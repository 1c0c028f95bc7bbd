"""Runs and verb calls the web page starts, in background threads.

A request that starts something waits only until it has a run id (the run is
recorded), then answers — a redirect to the run's page, or ``202`` with the id — while
the work goes on.  Runbooks get their id from the engine's ``run-started`` event; verb
calls from :class:`CapturingRecorder`, which passes the id of the run the recorder
writes to whoever started the call.  A verb that is not recorded (yet) has no run:
the request then waits for its result.

:class:`Notifier` wakes the pages following a run (server-sent events) when it
writes output or ends; they also look every second, for runs of other processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pitstop.capability import invocation

if TYPE_CHECKING:
    from pitstop.capability import Invocation, Recorder, RunToken
    from pitstop.config import Settings
    from pitstop.serve.actor import Actor
    from pitstop.state.audit import AuditTrail

log = logging.getLogger("pitstop.serve")

_on_start: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar(
    "pitstop_serve_on_start", default=None)


class Notifier:
    """Wakes coroutines waiting on a run from any thread."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._pending: set[str] = set()
        self._lock = threading.Lock()

    def bind(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self._loop = loop

    def notify(self, run_id: str) -> None:
        """Wake whoever follows ``run_id`` (cheap to call per output line: wake-ups not
        yet delivered are merged)."""
        loop = self._loop
        with self._lock:
            if run_id not in self._waiters or run_id in self._pending:
                return
            self._pending.add(run_id)
        if loop is None or loop.is_closed():
            with self._lock:
                self._pending.discard(run_id)
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self._wake, run_id)

    def _wake(self, run_id: str) -> None:
        with self._lock:
            self._pending.discard(run_id)
            events = list(self._waiters.get(run_id, ()))
        for event in events:
            event.set()

    @contextlib.contextmanager
    def subscribe(self, run_id: str) -> Iterator[asyncio.Event]:
        event = asyncio.Event()
        with self._lock:
            self._waiters.setdefault(run_id, set()).add(event)
        try:
            yield event
        finally:
            with self._lock:
                waiters = self._waiters.get(run_id)
                if waiters is not None:
                    waiters.discard(event)
                    if not waiters:
                        del self._waiters[run_id]


class CapturingRecorder:
    """The serve process's recorder: the state recorder, telling whoever started a
    verb call the id of its run, and waking its followers when it ends."""

    def __init__(self, inner: Recorder, notifier: Notifier) -> None:
        self._inner = inner
        self._notifier = notifier

    def start(self, settings: Settings, capability: str, verb: str,
              options: Mapping[str, Any], invocation: Invocation) -> RunToken:
        token = self._inner.start(settings, capability, verb, options, invocation)
        report = _on_start.get()
        if report is not None and token.run_id is not None:
            report(token.run_id)
        return token

    def finish(self, token: Any, *, result: Any = None,
               error: BaseException | None = None) -> None:
        self._inner.finish(token, result=result, error=error)
        if token.run_id is not None:
            self._notifier.notify(token.run_id)


@dataclasses.dataclass
class Job:
    """One thing started from the web page."""

    action: str
    target: str
    user: str
    run_id: str | None = None
    result: Any = None
    error: BaseException | None = None
    started: threading.Event = dataclasses.field(default_factory=threading.Event)
    done: threading.Event = dataclasses.field(default_factory=threading.Event)

    @property
    def finished(self) -> bool:
        return self.done.is_set()


class Jobs:
    """Starts work in threads and keeps track of it until it ends."""

    def __init__(self, notifier: Notifier, trail: AuditTrail) -> None:
        self.notifier = notifier
        self._trail = trail
        self._jobs: dict[int, Job] = {}
        self._lock = threading.Lock()

    def start(self, action: str, target: str, actor: Actor,
              work: Callable[[Callable[[str], None]], Any],
              describe: Callable[[Any], str | None] | None = None) -> Job:
        """Run ``work(report_run_id)`` in a thread as ``actor``; return once the run id
        is known (or the work ended without one).  The audit trail gets a ``started``
        entry with the run id and a final ``success``/``failure`` entry (its detail
        from ``describe(result)``, or the error)."""
        from pitstop.serve.actor import acting, record

        assert actor.user is not None
        job = Job(action, target, actor.user)

        def report(run_id: str) -> None:
            if job.run_id is None:
                job.run_id = run_id
                record(self._trail, action, "started", target=target, run_id=run_id,
                       actor=actor)
                job.started.set()

        def body() -> None:
            token = _on_start.set(report)
            try:
                with acting(actor), invocation(trigger="web", user=actor.user):
                    job.result = work(report)
            except BaseException as exc:  # noqa: BLE001 - reported to the page and the trail
                job.error = exc
            finally:
                _on_start.reset(token)
                self._finished(job, actor, describe)

        thread = threading.Thread(target=body, name=f"pitstop-web-{action}", daemon=True)
        with self._lock:
            self._jobs[id(job)] = job
        thread.start()
        job.started.wait()
        return job

    def _finished(self, job: Job, actor: Actor,
                  describe: Callable[[Any], str | None] | None) -> None:
        from pitstop.errors import PitstopError
        from pitstop.serve.actor import record

        outcome = "failure" if job.error is not None or _failed(job.result) else "success"
        detail = None
        if job.error is None and describe is not None:
            with contextlib.suppress(Exception):
                detail = describe(job.result)
        if job.error is not None:
            detail = (job.error.message if isinstance(job.error, PitstopError)
                      else f"{type(job.error).__name__}: {job.error}")
        try:
            record(self._trail, job.action, outcome, target=job.target, run_id=job.run_id,
                   detail=detail, actor=actor)
        except Exception as exc:  # noqa: BLE001 - the work is done; say why the trail is not
            log.warning("audit trail not written for %s %s: %s", job.action, job.target, exc)
        with self._lock:
            self._jobs.pop(id(job), None)
        job.done.set()
        job.started.set()
        if job.run_id is not None:
            self.notifier.notify(job.run_id)

    def running(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def wait_all(self, timeout: float) -> bool:
        """Wait for every job to end (tests, shutdown); False when some still run."""
        return all(job.done.wait(timeout) for job in self.running())


def _failed(result: Any) -> bool:
    """Whether a result that was returned (not raised) tells of a failure."""
    if getattr(result, "ok", True) is False:  # backup verify: a failed check
        return True
    code = getattr(result, "exit_code", 0)
    return isinstance(code, int) and code not in (0, 10)
