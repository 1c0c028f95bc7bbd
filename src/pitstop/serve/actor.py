"""Who is acting, for the audit trail: the web page sets it per request; on the
command line it is the login running pitstop, on this machine."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pitstop.state.audit import AuditTrail

LOCAL_ROLE = "local"
"""The role recorded for changes made on the command line (whoever can write the state
store can do everything)."""


@dataclasses.dataclass(frozen=True)
class Actor:
    user: str | None
    role: str | None
    address: str | None = None
    user_agent: str | None = None


_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("pitstop_actor",
                                                                     default=None)


@contextlib.contextmanager
def acting(actor: Actor) -> Iterator[Actor]:
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def current_actor() -> Actor:
    actor = _actor.get()
    if actor is not None:
        return actor
    from pitstop.capability import current_invocation

    invocation = current_invocation()
    return Actor(invocation.user, LOCAL_ROLE, f"local ({invocation.trigger})")


def record(trail: AuditTrail, action: str, outcome: str, *, target: str | None = None,
           detail: str | None = None, run_id: str | None = None,
           actor: Actor | None = None) -> None:
    """Append an audit entry for the current actor."""
    who = actor or current_actor()
    trail.append(action, outcome, user=who.user, role=who.role, address=who.address,
                 user_agent=who.user_agent, target=target, detail=detail, run_id=run_id)
