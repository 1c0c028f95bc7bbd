"""The run observer the fronts install (through the registry): for each run that
starts or ends, the ``[notify.*]`` tables whose events and filters match are sent a
notification.  Cheap when nothing is configured: one dictionary look-up per run."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pitstop.capability import RunEvent
    from pitstop.config import Settings
    from pitstop.notify.delivery import Delivery
    from pitstop.notify.settings import NotifySpec
    from pitstop.state.store import RunRecord, StateStore

log = logging.getLogger("pitstop.notify")

OUTCOMES = {"success": "success", "failed": "failure", "interrupted": "failure"}
"""Run statuses that notify; a dry run notifies nothing."""


def observe(settings: Settings, event: RunEvent, /) -> None:
    """Send what ``[notify.*]`` asks for about ``event``.  Never raises for a
    notification that cannot be sent: it is recorded and logged as a warning."""
    if not settings.raw_sections.get("notify") or event.capability == "notify":
        return
    from pitstop.notify.settings import NotifySpec

    outcome = "start" if event.event == "start" else OUTCOMES.get(event.status or "")
    if outcome is None:
        return
    wanted = {name: spec for name, spec in settings.tables(NotifySpec).items()
              if spec.enabled and spec.wants(kind=event.kind, target=event.target,
                                                capability=event.capability)
              and (outcome in spec.on or (outcome == "success" and "recovery" in spec.on))}
    if not wanted:
        return
    from pitstop.state.store import StateStore

    with StateStore.open(settings.state.url) as store:
        run = store.get_run(event.run_id)
        if run is None or run.id != event.run_id:
            return
        recovered = outcome == "success" and _after_failure(store, run)
        for name, spec in wanted.items():
            kind = "recovery" if recovered and "recovery" in spec.on else outcome
            if kind in spec.on:
                notify(settings, store, name, spec, kind, run)


def notify(settings: Settings, store: StateStore, name: str, spec: NotifySpec, event: str,
           run: RunRecord | None) -> Delivery:
    """Build, send and record one notification (``run`` ``None``: a sample)."""
    import time

    from pitstop.notify.delivery import deliver
    from pitstop.notify.message import build, sample_run
    from pitstop.notify.records import record

    started = time.time()
    data = run.to_dict() if run is not None else sample_run()
    delivery = deliver(name, spec, build(event, data, log_lines=spec.log_lines, name=name),
                       settings.environ)
    try:
        record(store, run_id=run.id if run else None, notifier=name, kind=spec.kind,
               event=event, status="sent" if delivery.sent else "failed",
               attempts=delivery.attempts, response=delivery.response, error=delivery.error,
               started=started)
    except Exception as exc:  # noqa: BLE001 - the history may be unwritable; say so, go on
        log.warning("notify %s: not recorded in the history: %s", name, exc)
    if not delivery.sent and run is not None:
        log.warning("notify %s (%s): the %s notification of run %s was not sent after %d "
                    "attempt(s): %s", name, spec.kind, event, run.id, delivery.attempts,
                    delivery.error)
    return delivery


def _after_failure(store: StateStore, run: RunRecord) -> bool:
    """Whether the run of the same workflow (or command) before ``run`` failed."""
    import sqlalchemy as sa

    from pitstop.state import tables

    r = tables.runs
    query = (sa.select(r.c.status)
             .where(r.c.target == run.target, r.c.kind == run.kind, r.c.parent_id.is_(None),
                    r.c.id != run.id, r.c.status.in_(["success", "failed", "interrupted"]),
                    r.c.started_at < run.started_at.timestamp())
             .order_by(r.c.started_at.desc()).limit(1))
    with store.engine.connect() as conn:
        previous = conn.execute(query).scalar()
    return previous in ("failed", "interrupted")
