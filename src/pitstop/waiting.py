"""The one wait-for-service helper: try, pause, try again, until the service answers,
time runs out, or an error says waiting will not help.

Every capability that waits (``pitstop wait``, ``migrate up --wait``, the
``wait-database`` task …) calls :func:`wait_until` with its own *attempt*: a function
that tries once within the seconds it is given and returns what answered.  Each
attempt runs under a hard deadline (:func:`call_with_deadline`), so a service that
accepts a connection and never speaks cannot stall the wait past its timeout.

This module knows no service and reads no configuration; it imports nothing heavy.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_ATTEMPT_SECONDS = 5.0
"""The longest a single attempt may take, however long the whole wait is."""

GRACE_SECONDS = 0.25
"""Extra time an attempt gets past its own budget to report its own, more precise error."""


def call_with_deadline(func: Callable[[], T], timeout: float) -> T:
    """Run ``func`` in a daemon thread; return its value, re-raise its exception, or
    raise :class:`TimeoutError` when it has not finished within ``timeout`` seconds
    (the thread is then abandoned: its own socket timeouts end it later)."""
    box: dict[str, object] = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, daemon=True, name="pitstop-deadline").start()
    if not done.wait(timeout):
        raise TimeoutError
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


@dataclasses.dataclass(frozen=True)
class Waited(Generic[T]):
    """How a wait ended."""

    ready: bool
    value: T | None
    """What the successful attempt returned."""
    seconds: float
    attempts: int
    error: BaseException | None = None
    """The error that ended the wait at once (``gave_up``), else the last attempt's."""
    gave_up: bool = False
    """An error waiting cannot fix ended the wait before its timeout."""


def wait_until(attempt: Callable[[float], T], *, timeout: float, interval: float,
               retry: Callable[[BaseException], bool] = lambda exc: True,
               cancel: threading.Event | None = None,
               on_retry: Callable[[int, BaseException], None] | None = None,
               max_attempt: float = MAX_ATTEMPT_SECONDS) -> Waited[T]:
    """Call ``attempt(seconds)`` every ``interval`` seconds until it returns, or
    ``timeout`` seconds have passed, or ``cancel`` is set.

    An attempt that raises an ``Exception`` for which ``retry`` is false ends the wait
    at once (``gave_up``); one that outlives its budget counts as a
    :class:`TimeoutError`.  ``on_retry(attempts, error)`` is told after each failed
    attempt that does not end the wait by itself.  Never raises for what an attempt raised: the
    caller decides whether not being ready is an error."""
    if timeout <= 0 or interval <= 0:
        raise ValueError("timeout and interval must be above zero")
    stop = cancel if cancel is not None else threading.Event()
    started = time.monotonic()
    deadline = started + timeout
    attempts = 0
    last: BaseException | None = None
    while True:
        attempts += 1
        budget = max(0.1, round(min(max_attempt, deadline - time.monotonic()), 1))
        try:
            value = call_with_deadline(functools.partial(attempt, budget),
                                       budget + GRACE_SECONDS)
            return Waited(True, value, time.monotonic() - started, attempts)
        except TimeoutError as exc:
            last = exc
        except Exception as exc:  # noqa: BLE001 - the caller's retry() decides
            if not retry(exc):
                return Waited(False, None, time.monotonic() - started, attempts, exc,
                              gave_up=True)
            last = exc
        if on_retry is not None:
            on_retry(attempts, last)
        pause = min(interval, deadline - time.monotonic())
        if pause <= 0 or stop.wait(pause):
            break
    return Waited(False, None, time.monotonic() - started, attempts, last)
