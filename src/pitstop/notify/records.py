"""Notifications in the state store (``pitstop_notifications``): one row per
notification, sent or not, with what the receiver answered."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from typing import Any

from pitstop.redact import redact
from pitstop.state import tables
from pitstop.state.store import StateStore


@dataclasses.dataclass(frozen=True)
class NotificationRecord:
    notifier: str
    kind: str
    event: str
    status: str
    """``sent`` or ``failed``."""
    attempts: int
    response: str | None
    error: str | None
    created_at: dt.datetime
    run_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        from pitstop.capability import jsonable

        return {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}


def record(store: StateStore, *, run_id: str | None, notifier: str, kind: str, event: str,
           status: str, attempts: int, response: str | None, error: str | None,
           started: float) -> None:
    with store.engine.begin() as conn:
        conn.execute(tables.notifications.insert().values(
            run_id=run_id, notifier=notifier, kind=kind, event=event, status=status,
            attempts=attempts, response=redact(response) if response else None,
            error=redact(error) if error else None, created_at=started,
            finished_at=time.time()))


def for_run(store: StateStore, run_id: str) -> list[NotificationRecord]:
    """The notifications about run ``run_id``, oldest first."""
    n = tables.notifications
    with store.engine.connect() as conn:
        rows = conn.execute(n.select().where(n.c.run_id == run_id).order_by(n.c.id)).mappings()
        return [NotificationRecord(
            notifier=r["notifier"], kind=r["kind"], event=r["event"], status=r["status"],
            attempts=r["attempts"], response=r["response"], error=r["error"],
            created_at=dt.datetime.fromtimestamp(r["created_at"], dt.UTC), run_id=r["run_id"])
            for r in rows]
