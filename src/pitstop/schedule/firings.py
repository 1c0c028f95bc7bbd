"""Firings of schedules in the state store: one row per schedule and firing time, the
lease that makes each firing run once however many schedulers share the store.

A scheduler *claims* a firing by inserting its row (the primary key is the schedule
and the firing time, so a second insert fails: the firing is someone else's), keeps
the lease alive with a heartbeat while it waits or runs, and moves it on with updates
that name itself as the owner (a fence: a scheduler that lost its lease changes
nothing).  A lease whose owner died — its process is gone on this host, or its
heartbeat is older than the lease timeout — may be taken over.

Times: ``fire_at`` is the schedule's time (whole Unix seconds, from the scheduler's
clock); ``claimed_at``, ``heartbeat_at`` and ``finished_at`` are real time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import time
import uuid
from collections.abc import Iterable
from typing import Any

from pitstop.state import tables
from pitstop.state.runs import process_gone
from pitstop.state.store import StateStore

ACTIVE = ("claimed", "waiting", "running")
"""Statuses of a firing whose owner holds a lease."""


def epoch(when: dt.datetime) -> int:
    return int(when.timestamp())


def from_epoch(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


@dataclasses.dataclass(frozen=True)
class Owner:
    """One scheduler: its id in the leases, host and pid."""

    id: str
    host: str
    pid: int

    @classmethod
    def me(cls) -> Owner:
        host, pid = socket.gethostname(), os.getpid()
        return cls(f"{host}:{pid}:{uuid.uuid4().hex[:8]}", host, pid)


@dataclasses.dataclass(frozen=True)
class Firing:
    """One row: a firing and who holds it."""

    schedule: str
    fire_at: int
    trigger: str
    status: str
    owner: str
    host: str
    pid: int
    claimed_at: float
    heartbeat_at: float
    finished_at: float | None = None
    run_id: str | None = None
    note: str | None = None
    run_status: str | None = None

    @property
    def when(self) -> dt.datetime:
        return from_epoch(self.fire_at)


class Firings:
    """The firings table as one scheduler (``owner``) sees it."""

    def __init__(self, store: StateStore, owner: Owner, lease_timeout: float) -> None:
        self.store = store
        self.owner = owner
        self.lease_timeout = lease_timeout

    # -- leases ----------------------------------------------------------------------
    def claim(self, schedule: str, fire_at: int, trigger: str, *, status: str = "claimed",
              note: str | None = None) -> bool:
        """Insert the firing's row as ours; ``False`` when it exists already."""
        from sqlalchemy.exc import IntegrityError

        now = time.time()
        values = {"schedule": schedule, "fire_at": fire_at, "trigger": trigger,
                  "status": status, "owner": self.owner.id, "host": self.owner.host,
                  "pid": self.owner.pid, "claimed_at": now, "heartbeat_at": now,
                  "finished_at": None if status in ACTIVE else now, "note": note}
        try:
            with self.store.engine.begin() as conn:
                conn.execute(tables.firings.insert().values(**values))
        except IntegrityError:
            return False
        return True

    def move(self, schedule: str, fire_at: int, status: str, *, expect: Iterable[str],
             run_id: str | None = None, note: str | None = None) -> bool:
        """Change our firing's status, if we still hold it in one of ``expect``."""
        f = tables.firings
        values: dict[str, Any] = {"status": status, "heartbeat_at": time.time()}
        if run_id is not None:
            values["run_id"] = run_id
        if note is not None:
            values["note"] = note
        if status not in ACTIVE:
            values["finished_at"] = time.time()
        with self.store.engine.begin() as conn:
            done = conn.execute(f.update().where(
                f.c.schedule == schedule, f.c.fire_at == fire_at, f.c.owner == self.owner.id,
                f.c.status.in_(list(expect))).values(**values))
        return bool(done.rowcount)

    def take_over(self, firing: Firing) -> bool:
        """Make a dead owner's firing ours (``False`` if someone was quicker)."""
        f = tables.firings
        now = time.time()
        with self.store.engine.begin() as conn:
            done = conn.execute(f.update().where(
                f.c.schedule == firing.schedule, f.c.fire_at == firing.fire_at,
                f.c.owner == firing.owner, f.c.status == firing.status).values(
                owner=self.owner.id, host=self.owner.host, pid=self.owner.pid,
                claimed_at=now, heartbeat_at=now))
        return bool(done.rowcount)

    def end_dead(self, firing: Firing, status: str, note: str) -> bool:
        """Close a dead owner's firing (``abandoned``) without taking it."""
        f = tables.firings
        with self.store.engine.begin() as conn:
            done = conn.execute(f.update().where(
                f.c.schedule == firing.schedule, f.c.fire_at == firing.fire_at,
                f.c.owner == firing.owner, f.c.status == firing.status).values(
                status=status, note=note, finished_at=time.time()))
        return bool(done.rowcount)

    def heartbeat(self, *, expire: bool = False) -> int:
        """Renew every lease we hold (``expire``: give them up, so another scheduler
        may take them over at once)."""
        f = tables.firings
        with self.store.engine.begin() as conn:
            done = conn.execute(f.update().where(
                f.c.owner == self.owner.id, f.c.status.in_(ACTIVE)).values(
                heartbeat_at=0.0 if expire else time.time()))
        return int(done.rowcount or 0)

    def supersede(self, schedule: str, before: int, by: int) -> int:
        """Skip the firings of ``schedule`` waiting from before ``before`` (overlap
        ``latest``: only the newest waits)."""
        f = tables.firings
        with self.store.engine.begin() as conn:
            done = conn.execute(f.update().where(
                f.c.schedule == schedule, f.c.status == "waiting", f.c.fire_at < before).values(
                status="skipped", finished_at=time.time(),
                note=f"superseded by the firing at {from_epoch(by).isoformat()} "
                     "(overlap = latest)"))
        return int(done.rowcount or 0)

    # -- reading ---------------------------------------------------------------------
    def alive(self, firing: Firing) -> bool:
        """Whether the owner of ``firing`` still holds its lease."""
        if firing.owner == self.owner.id:
            return True
        if time.time() - firing.heartbeat_at > self.lease_timeout:
            return False
        if firing.host == self.owner.host and firing.pid != self.owner.pid:
            return not process_gone(firing.pid, firing.claimed_at)
        return True

    def active(self, schedule: str, *, before: int | None = None,
               statuses: Iterable[str] = ("claimed", "running")) -> list[Firing]:
        """Firings of ``schedule`` in ``statuses`` whose owners are alive."""
        f = tables.firings
        query = f.select().where(f.c.schedule == schedule, f.c.status.in_(list(statuses)))
        if before is not None:
            query = query.where(f.c.fire_at < before)
        return [row for row in self._rows(query.order_by(f.c.fire_at)) if self.alive(row)]

    def stale(self) -> list[Firing]:
        """Firings held by owners that died."""
        f = tables.firings
        rows = self._rows(f.select().where(f.c.status.in_(ACTIVE)).order_by(f.c.fire_at))
        return [row for row in rows if not self.alive(row)]

    def mine(self, schedule: str, status: str) -> list[Firing]:
        f = tables.firings
        return self._rows(f.select().where(f.c.schedule == schedule, f.c.status == status,
                                           f.c.owner == self.owner.id).order_by(f.c.fire_at))

    def get(self, schedule: str, fire_at: int) -> Firing | None:
        f = tables.firings
        rows = self._rows(f.select().where(f.c.schedule == schedule, f.c.fire_at == fire_at))
        return rows[0] if rows else None

    def last_fire_at(self, schedule: str) -> int | None:
        import sqlalchemy as sa

        f = tables.firings
        with self.store.engine.connect() as conn:
            value = conn.execute(sa.select(sa.func.max(f.c.fire_at))
                                 .where(f.c.schedule == schedule)).scalar()
        return None if value is None else int(value)

    def _rows(self, query: Any) -> list[Firing]:
        with self.store.engine.connect() as conn:
            return [_firing(row) for row in conn.execute(query).mappings()]


def recent(store: StateStore, schedule: str, limit: int = 10) -> list[Firing]:
    """The newest firings of ``schedule``, with the status of each one's run."""
    import sqlalchemy as sa

    f, r = tables.firings, tables.runs
    query = (sa.select(f, r.c.status.label("run_status"))
             .select_from(f.outerjoin(r, r.c.id == f.c.run_id))
             .where(f.c.schedule == schedule).order_by(f.c.fire_at.desc()).limit(limit))
    with store.engine.connect() as conn:
        return [_firing(row) for row in conn.execute(query).mappings()]


def _firing(row: Any) -> Firing:
    return Firing(
        schedule=row["schedule"], fire_at=int(row["fire_at"]), trigger=row["trigger"],
        status=row["status"], owner=row["owner"], host=row["host"], pid=row["pid"],
        claimed_at=row["claimed_at"], heartbeat_at=row["heartbeat_at"],
        finished_at=row["finished_at"], run_id=row["run_id"], note=row["note"],
        run_status=row.get("run_status"))
