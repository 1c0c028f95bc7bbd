"""Browsing the history quickly however long it grows: keyset pagination over the
runs table (``started_at``, ``id``) with filters that each have an index, and only
the columns a list shows — never ``OFFSET``, never ``COUNT(*)``, never the tasks of
every run."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pitstop.config import Settings
    from pitstop.state.store import RunRecord, StateStore


@dataclasses.dataclass(frozen=True)
class RunRow:
    """One line of the run list."""

    id: str
    target: str
    kind: str
    trigger: str
    user: str | None
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    exit_code: int | None
    capability: str | None
    parent_id: str | None
    started_ts: float = dataclasses.field(default=0.0, repr=False)
    """``started_at`` as stored (a datetime keeps only microseconds: the page cursor
    needs the exact value)."""

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        from pitstop.capability import jsonable

        data: dict[str, Any] = jsonable(dataclasses.asdict(self))
        del data["started_ts"]
        data["duration_seconds"] = self.duration_seconds
        return data


@dataclasses.dataclass(frozen=True)
class RunFilter:
    status: str | None = None
    capability: str | None = None
    trigger: str | None = None
    user: str | None = None
    target: str | None = None
    since: float | None = None
    until: float | None = None
    nested: bool = False
    """Include verb calls made inside other runs (they are on their parent's page)."""


@dataclasses.dataclass(frozen=True)
class RunPage:
    runs: tuple[RunRow, ...]
    next_cursor: str | None


def _utc(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC)


def encode_cursor(row: RunRow) -> str:
    return f"{row.started_ts!r}~{row.id}"


def decode_cursor(cursor: str | None) -> tuple[float, str] | None:
    """``(started_at, id)`` of a cursor; ``None`` for none or a malformed one."""
    if not cursor:
        return None
    stamp, sep, run_id = cursor.partition("~")
    try:
        return (float(stamp), run_id) if sep and run_id else None
    except ValueError:
        return None


def page_of_runs(engine: Engine, where: RunFilter, *, cursor: str | None = None,
                 limit: int = 50) -> RunPage:
    """Runs matching ``where``, newest first, after ``cursor`` (from the previous
    page's :attr:`RunPage.next_cursor`)."""
    import sqlalchemy as sa

    from pitstop.state import tables

    r = tables.runs
    query = sa.select(r.c.id, r.c.target, r.c.kind, r.c.trigger, r.c.user, r.c.status,
                      r.c.started_at, r.c.finished_at, r.c.exit_code, r.c.capability,
                      r.c.parent_id)
    for column, value in ((r.c.status, where.status), (r.c.capability, where.capability),
                          (r.c.trigger, where.trigger), (r.c.user, where.user),
                          (r.c.target, where.target)):
        if value:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(r.c.started_at >= where.since)
    if where.until is not None:
        query = query.where(r.c.started_at < where.until)
    if not where.nested:
        query = query.where(r.c.parent_id.is_(None))
    after = decode_cursor(cursor)
    if after is not None:
        stamp, run_id = after
        query = query.where(sa.or_(r.c.started_at < stamp,
                                   sa.and_(r.c.started_at == stamp, r.c.id < run_id)))
    query = query.order_by(r.c.started_at.desc(), r.c.id.desc()).limit(limit + 1)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    found = tuple(RunRow(row.id, row.target, row.kind, row.trigger, row.user, row.status,
                         _utc(row.started_at) or dt.datetime.now(dt.UTC),
                         _utc(row.finished_at), row.exit_code, row.capability,
                         row.parent_id, row.started_at) for row in rows[:limit])
    more = len(rows) > limit
    return RunPage(found, encode_cursor(found[-1]) if more and found else None)


def last_runs(engine: Engine, targets: list[str]) -> dict[str, RunRow]:
    """The newest run of each workflow in ``targets`` (one indexed look-up each)."""
    found = {}
    for target in targets:
        page = page_of_runs(engine, RunFilter(target=target), limit=1)
        if page.runs:
            found[target] = page.runs[0]
    return found


def run_with_children(store: StateStore, run_id: str) -> tuple[RunRecord | None,
                                                               list[RunRecord]]:
    run = store.get_run(run_id)
    if run is None:
        return None, []
    return run, list(reversed(store.list_runs(limit=200, parent_id=run.id)))


def day_bounds(since: str | None, until: str | None) -> tuple[float | None, float | None]:
    """Unix times of the start of ``since`` and the end of ``until`` (``YYYY-MM-DD``
    in the server's time zone); raises ValueError for a malformed date."""

    def start(value: str) -> float:
        day = dt.date.fromisoformat(value)
        return dt.datetime(day.year, day.month, day.day).astimezone().timestamp()

    return (start(since) if since else None,
            start(until) + 86400 if until else None)


def workflow_names(settings: Settings) -> list[str]:
    return sorted(settings.workflows)
