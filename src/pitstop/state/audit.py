"""The audit trail: who did what from where, and how it ended — append-only.

Every login (success and failure), logout, user/role/token change, runbook start,
backup verify/restore, migration up/down and denied attempt is one row: time, user,
role, address, user agent, action, target, outcome (``success``, ``failure``,
``denied``, ``started``), a detail and the run it started.  Rows are only ever
inserted: this module has no update or delete, and the database refuses both (a
trigger, see :mod:`pitstop.state.tables`).  Text is redacted on the way in, and
callers never pass a secret: a failed login records the name typed only when such a
user exists (people type passwords into the name field).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pitstop.redact import redact

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

OUTCOMES = ("success", "failure", "denied", "started")


@dataclasses.dataclass(frozen=True)
class AuditEntry:
    id: int
    at: float
    action: str
    outcome: str
    user: str | None = None
    role: str | None = None
    address: str | None = None
    user_agent: str | None = None
    target: str | None = None
    detail: str | None = None
    run_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        import datetime as dt

        data = dataclasses.asdict(self)
        data["at"] = (dt.datetime.fromtimestamp(self.at, dt.UTC).isoformat()
                      .replace("+00:00", "Z"))
        return data


@dataclasses.dataclass(frozen=True)
class AuditFilter:
    """What to show: every field given must match; ``since``/``until`` are Unix times."""

    user: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: float | None = None
    until: float | None = None


def _clip(value: str | None, size: int) -> str | None:
    return None if value is None else redact(value)[:size]


class AuditTrail:
    """Appending to and reading the audit trail."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def append(self, action: str, outcome: str, *, user: str | None = None,
               role: str | None = None, address: str | None = None,
               user_agent: str | None = None, target: str | None = None,
               detail: str | None = None, run_id: str | None = None,
               at: float | None = None) -> int:
        """Add one entry; returns its id."""
        from pitstop.state import tables

        if outcome not in OUTCOMES:
            raise ValueError(f"outcome: expected one of {', '.join(OUTCOMES)}, got {outcome!r}")
        with self._engine.begin() as conn:
            row = conn.execute(tables.audit.insert().values(
                at=time.time() if at is None else at, user=_clip(user, 64), role=role,
                address=_clip(address, 64), user_agent=_clip(user_agent, 255),
                action=action, target=_clip(target, 255), outcome=outcome,
                detail=redact(detail) if detail else None, run_id=run_id))
            key = row.inserted_primary_key
        assert key is not None
        return int(key[0])

    @staticmethod
    def _where(query: Any, where: AuditFilter) -> Any:
        from pitstop.state import tables

        a = tables.audit
        for column, value in ((a.c.user, where.user), (a.c.action, where.action),
                              (a.c.outcome, where.outcome)):
            if value:
                query = query.where(column == value)
        if where.since is not None:
            query = query.where(a.c.at >= where.since)
        if where.until is not None:
            query = query.where(a.c.at < where.until)
        return query

    def entries(self, where: AuditFilter = AuditFilter(), *, before_id: int | None = None,
                limit: int = 100) -> list[AuditEntry]:
        """Entries matching ``where``, newest first, older than entry ``before_id``."""
        import sqlalchemy as sa

        from pitstop.state import tables

        a = tables.audit
        query = self._where(sa.select(a), where).order_by(a.c.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(a.c.id < before_id)
        with self._engine.connect() as conn:
            return [_entry(r) for r in conn.execute(query).mappings().all()]

    def iter_entries(self, where: AuditFilter = AuditFilter(), *, batch: int = 1000
                     ) -> Iterator[AuditEntry]:
        """Every entry matching ``where``, newest first, read in batches (exports)."""
        before: int | None = None
        while True:
            page = self.entries(where, before_id=before, limit=batch)
            yield from page
            if len(page) < batch:
                return
            before = page[-1].id

    def count(self, action: str, outcome: str, *, since: float, user: str | None = None,
              address: str | None = None) -> int:
        """How many ``action`` entries with ``outcome`` since ``since`` for this user or
        address (login throttling)."""
        import sqlalchemy as sa

        from pitstop.state import tables

        a = tables.audit
        query = (sa.select(sa.func.count()).select_from(a)
                 .where(a.c.action == action, a.c.outcome == outcome, a.c.at >= since))
        if user is not None:
            query = query.where(a.c.user == user)
        if address is not None:
            query = query.where(a.c.address == address)
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def last(self, action: str, outcome: str, *, user: str | None = None,
             address: str | None = None) -> float | None:
        """When the newest such entry was written (``None``: never)."""
        import sqlalchemy as sa

        from pitstop.state import tables

        a = tables.audit
        query = sa.select(sa.func.max(a.c.at)).where(a.c.action == action,
                                                     a.c.outcome == outcome)
        if user is not None:
            query = query.where(a.c.user == user)
        if address is not None:
            query = query.where(a.c.address == address)
        with self._engine.connect() as conn:
            value = conn.execute(query).scalar()
        return None if value is None else float(value)


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(id=row["id"], at=row["at"], action=row["action"], outcome=row["outcome"],
                      user=row["user"], role=row["role"], address=row["address"],
                      user_agent=row["user_agent"], target=row["target"],
                      detail=row["detail"], run_id=row["run_id"])
