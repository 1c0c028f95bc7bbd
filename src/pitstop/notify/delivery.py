"""Sending one notification: attempts with exponential backoff, the outcome recorded.

A notification that cannot be sent is a warning and a ``failed`` row in the history —
never an exception into the run, never a change of its status or exit code."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping

from pitstop.errors import PitstopError
from pitstop.notify.message import Message
from pitstop.notify.senders import Answer, Target, sender
from pitstop.notify.settings import NotifySpec
from pitstop.redact import redact

log = logging.getLogger("pitstop.notify")


@dataclasses.dataclass(frozen=True)
class Delivery:
    """How one notification went."""

    notifier: str
    kind: str
    event: str
    sent: bool
    attempts: int
    response: str | None
    """What the receiver answered last (``HTTP 200: ok``, ``250 2.0.0 queued``)."""
    error: str | None = None
    """Why it was not sent."""
    answered: bool = True
    """Whether the receiver answered at all (``False``: it could not be reached)."""
    misconfigured: bool = False
    """Nothing was sent because the table cannot be used (a ``${VAR}`` not set)."""


def deliver(name: str, spec: NotifySpec, message: Message, environ: Mapping[str, str], *,
            sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """Send ``message`` to ``[notify.NAME]``, retrying what may succeed later."""
    target = Target(name, spec, environ)
    send = sender(spec.kind)
    answer = Answer(False, "not attempted")
    attempts = 0
    for attempt in range(1, spec.retries + 2):
        attempts = attempt
        try:
            answer = send(target, message)
        except PitstopError as exc:  # a ${VAR} that is not set: no retry helps
            return Delivery(name, spec.kind, message.event, False, attempt, None,
                            redact(exc.message), answered=False, misconfigured=True)
        if answer.ok or not answer.retry or attempt > spec.retries:
            break
        delay = spec.backoff * 2 ** (attempt - 1)
        log.info("notify %s: attempt %d failed (%s); retrying in %.1fs", name, attempt,
                 answer.response, delay)
        sleep(delay)
    if answer.ok:
        return Delivery(name, spec.kind, message.event, True, attempts, answer.response)
    return Delivery(name, spec.kind, message.event, False, attempts,
                    answer.response if answer.answered else None, answer.response,
                    answered=answer.answered)
