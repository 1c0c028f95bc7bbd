"""The state store: every run, every task attempt and every health check.

SQLite by default (``sqlite:///.pitstop/state.db``, WAL mode), PostgreSQL for teams.
Tables are created on first use and versioned in ``pitstop_meta``.  A run whose
process died (``kill -9``) is found by :meth:`StateStore.sweep_abandoned` — its pid is
gone on this host, or its heartbeat is stale on another — and marked ``abandoned``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pitstop.errors import ConfigError, PermissionDeniedError, PitstopError
from pitstop.private import make_private_dir
from pitstop.redact import mask_url, redact
from pitstop.state import runs
from pitstop.state.runs import ACTIVE, STALE_AFTER_SECONDS, stop_leftover_processes

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

HEARTBEAT_SECONDS = 10.0
__all__ = ["ACTIVE", "HEARTBEAT_SECONDS", "STALE_AFTER_SECONDS", "HealthCheckRecord",
           "RunRecord", "StateStore", "StateStoreError", "TaskRunRecord",
           "stop_leftover_processes"]


def _utc(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC)


def _ts(value: dt.datetime) -> float:
    return value.timestamp()


@dataclasses.dataclass(frozen=True)
class TaskRunRecord:
    run_id: str
    task: str
    attempt: int
    status: str
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    exit_code: int | None = None
    command_exit_code: int | None = None
    log_path: str | None = None
    error: str | None = None
    data: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


@dataclasses.dataclass(frozen=True)
class RunRecord:
    id: str
    target: str
    kind: str
    trigger: str
    status: str
    started_at: dt.datetime
    host: str
    pid: int
    user: str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    finished_at: dt.datetime | None = None
    exit_code: int | None = None
    error: str | None = None
    tasks: tuple[TaskRunRecord, ...] = ()
    capability: str | None = None
    verb: str | None = None
    parent_id: str | None = None
    result: dict[str, Any] | None = None

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    def to_dict(self) -> dict[str, Any]:
        """The run as ``history --json`` shows it (and a webhook receives it): stable
        keys, ISO timestamps, secrets masked when stored."""
        from pitstop.capability import jsonable

        engine_run = self.kind != "verb"
        return {
            "id": self.id, "target": self.target, "kind": self.kind, "status": self.status,
            "exit_code": self.exit_code, "started_at": jsonable(self.started_at),
            "finished_at": jsonable(self.finished_at),
            "duration_seconds": self.duration_seconds, "trigger": self.trigger,
            "user": self.user, "host": self.host, "pid": self.pid,
            "capability": self.capability, "verb": self.verb, "parent_id": self.parent_id,
            "options": None if engine_run else self.params,
            "params": self.params.get("params", {}) if engine_run else None,
            "schedule": self.params.get("schedule") if engine_run else None,
            "fired_at": self.params.get("fired_at") if engine_run else None,
            "retry_of": self.params.get("retry_of") if engine_run else None,
            "error": self.error, "result": self.result,
            "tasks": [_task_dict(r) for r in _final(self.tasks).values()],
        }


def _final(tasks: tuple[TaskRunRecord, ...]) -> dict[str, TaskRunRecord]:
    final: dict[str, TaskRunRecord] = {}
    for record in tasks:
        final[record.task] = record  # the last attempt wins
    return final


def _task_dict(r: TaskRunRecord) -> dict[str, Any]:
    from pitstop.capability import jsonable

    return {"name": r.task, "status": r.status, "exit_code": r.exit_code,
            "command_exit_code": r.command_exit_code, "attempts": r.attempt,
            "started_at": jsonable(r.started_at), "finished_at": jsonable(r.finished_at),
            "duration_seconds": r.duration_seconds, "log": r.log_path, "error": r.error,
            "data": r.data}


@dataclasses.dataclass(frozen=True)
class HealthCheckRecord:
    name: str
    status: str  # pass | warn | fail
    latency_seconds: float | None
    observed: dict[str, Any]
    message: str
    hint: str | None
    checked_at: dt.datetime
    run_id: str | None = None


class StateStoreError(PitstopError):
    """The state database could not be opened or written."""


class StateStore:
    """Access to the state database.  Thread-safe; use :meth:`open` as a context manager."""

    def __init__(self, engine: Engine, url: str) -> None:
        self._engine = engine
        self.url = url
        self._lock = threading.Lock()

    # -- opening -------------------------------------------------------------------
    @classmethod
    @contextmanager
    def open(cls, url: str) -> Iterator[StateStore]:
        store = cls.connect(url)
        try:
            yield store
        finally:
            store.close()

    @classmethod
    def connect(cls, url: str) -> StateStore:
        from sqlalchemy.exc import SQLAlchemyError

        from pitstop.db.url import create_engine, parse_url, translate_error

        db = parse_url(url)
        if db.sqlite_path is not None:
            try:
                make_private_dir(db.sqlite_path.parent)
            except OSError as exc:
                import errno

                error_class: type[PitstopError] = (
                    PermissionDeniedError if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
                    else StateStoreError)
                raise error_class(
                    f"state store: cannot create the directory {db.sqlite_path.parent}: "
                    f"{exc.strerror}", hint="check [state] url / PITSTOP_STATE_URL") from exc
        engine = create_engine(db, connect_timeout=30.0, shared=True)
        store = cls(engine, url)
        try:
            store._ensure_schema()
        except SQLAlchemyError as exc:
            engine.dispose()
            text = str(getattr(exc, "orig", None) or exc).lower()
            if db.sqlite_path is not None and ("file is not a database" in text
                                               or "disk image is malformed" in text):
                raise StateStoreError(
                    f"state store: {db.sqlite_path} is not an SQLite database (or is damaged)",
                    hint="move it aside (pitstop then starts a new history there), or point "
                         "[state] url / PITSTOP_STATE_URL elsewhere") from exc
            error = translate_error(exc, db)
            if isinstance(error, PitstopError):
                error.message = f"state store: {error.message}"
                error.args = (error.message,)
                error.hint = "check [state] url / PITSTOP_STATE_URL" + (
                    f"; {error.hint}" if error.hint else "")
            raise error from exc
        return store

    def close(self) -> None:
        self._engine.dispose()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for the capabilities' own tables of
        :mod:`pitstop.state.schema` (schedule firings, notifications, accounts, audit)."""
        return self._engine

    def _ensure_schema(self) -> None:
        """Create or upgrade the tables; processes starting together (two schedulers on
        one PostgreSQL store) do it one at a time, under a lock of the database."""
        from pitstop.db.lock import lock

        held = lock(self.url, "pitstop-state-schema", 60.0,
                    others="another pitstop process creating the state tables")
        try:
            self._create_or_upgrade()
        finally:
            held.release()

    def _create_or_upgrade(self) -> None:
        import sqlalchemy as sa

        from pitstop.state import schema

        with self._engine.begin() as conn:
            fresh = not sa.inspect(conn).has_table(schema.runs.name)
            schema.metadata.create_all(conn)
            row = conn.execute(
                sa.select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")
            ).scalar()
            if row is None:
                if not fresh:  # runs from before pitstop_meta held a version: version 1
                    self._upgrade(conn, 1)
                try:
                    conn.execute(schema.meta.insert().values(
                        key="schema_version", value=str(schema.SCHEMA_VERSION)))
                except sa.exc.IntegrityError:
                    pass  # another process created it at the same moment
            elif int(row) > schema.SCHEMA_VERSION:
                raise ConfigError(
                    f"the state database {mask_url(self.url)} has schema version {row}, newer "
                    f"than this pitstop understands ({schema.SCHEMA_VERSION})",
                    key="state.url", hint="upgrade pitstop, or point [state] url elsewhere",
                )
            elif int(row) < schema.SCHEMA_VERSION:
                self._upgrade(conn, int(row))
                conn.execute(schema.meta.update().where(schema.meta.c.key == "schema_version")
                             .values(value=str(schema.SCHEMA_VERSION)))

    @staticmethod
    def _upgrade(conn: Connection, version: int) -> None:
        """Take the tables from ``version`` to the current one (statements of
        :data:`pitstop.state.schema.UPGRADES`; a column that exists already is skipped,
        so two processes upgrading at once both succeed)."""
        import sqlalchemy as sa

        from pitstop.state import schema

        columns = {c["name"] for c in sa.inspect(conn).get_columns(schema.runs.name)}
        indexes = {i["name"] for i in sa.inspect(conn).get_indexes(schema.runs.name)}
        for step in range(version + 1, schema.SCHEMA_VERSION + 1):
            for statement in schema.UPGRADES.get(step, ()):
                words = statement.split()
                if "ADD COLUMN" in statement and words[5] in columns:
                    continue
                if statement.startswith("CREATE INDEX") and words[2] in indexes:
                    continue
                conn.execute(sa.text(statement))

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._lock, self._engine.begin() as conn:
            yield conn

    # -- runs ----------------------------------------------------------------------
    @contextmanager
    def _raw(self) -> Iterator[runs.Writer]:
        """The store's connection as a :class:`~pitstop.state.runs.Writer`, so runs are
        written by the same statements whichever path records them."""
        with self._lock:
            fairy = self._engine.raw_connection()
            try:
                yield runs.Writer(fairy, "?" if self._engine.dialect.paramstyle == "qmark"
                                  else "%s")
            finally:
                fairy.close()

    def start_run(self, target: str, *, kind: str = "workflow", trigger: str = "cli",
                  user: str | None = None, params: dict[str, Any] | None = None,
                  started_at: float | None = None, capability: str | None = None,
                  verb: str | None = None, parent_id: str | None = None) -> str:
        with self._raw() as writer:
            return runs.insert_run(writer, target=target, kind=kind, trigger=trigger,
                                   user=user, params=params, started_at=started_at,
                                   capability=capability, verb=verb, parent_id=parent_id)

    def heartbeat(self, run_id: str) -> None:
        from pitstop.state import schema

        with self._write() as conn:
            conn.execute(schema.runs.update().where(schema.runs.c.id == run_id)
                         .values(heartbeat_at=time.time()))

    def finish_run(self, run_id: str, status: str, exit_code: int | None,
                   error: str | None = None, *, finished_at: float | None = None,
                   result: dict[str, Any] | None = None) -> None:
        with self._raw() as writer:
            runs.finish_run(writer, run_id, status, exit_code, error, result=result,
                            finished_at=finished_at)

    def start_task(self, run_id: str, task: str, attempt: int, *,
                   log_path: str | None = None) -> int:
        """Record an attempt as ``running`` when it starts, so that a run killed with
        ``kill -9`` still shows which tasks were in flight; returns the row id to pass
        to :meth:`record_task` when the attempt ends."""
        from pitstop.state import schema

        with self._write() as conn:
            row = conn.execute(schema.task_runs.insert().values(
                run_id=run_id, task=task, attempt=attempt, started_at=time.time(),
                status=ACTIVE, log_path=log_path, data="{}",
            ))
            key = row.inserted_primary_key
        assert key is not None
        return int(key[0])

    def record_task(self, record: TaskRunRecord, row_id: int | None = None) -> None:
        """Record a finished attempt (completing the row of :meth:`start_task` if given)."""
        from pitstop.state import schema

        if row_id is not None:
            with self._write() as conn:
                updated = conn.execute(schema.task_runs.update()
                                       .where(schema.task_runs.c.id == row_id).values(
                    started_at=_ts(record.started_at) if record.started_at else None,
                    finished_at=_ts(record.finished_at) if record.finished_at else None,
                    status=record.status, exit_code=record.exit_code,
                    command_exit_code=record.command_exit_code, log_path=record.log_path,
                    error=redact(record.error) if record.error else None,
                    data=redact(json.dumps(record.data, default=str)),
                ))
            if updated.rowcount:
                return
        with self._write() as conn:
            conn.execute(schema.task_runs.insert().values(
                run_id=record.run_id, task=record.task, attempt=record.attempt,
                started_at=_ts(record.started_at) if record.started_at else None,
                finished_at=_ts(record.finished_at) if record.finished_at else None,
                status=record.status, exit_code=record.exit_code,
                command_exit_code=record.command_exit_code, log_path=record.log_path,
                error=redact(record.error) if record.error else None,
                data=redact(json.dumps(record.data, default=str)),
            ))

    def sweep_abandoned(self, *, kill: bool = False) -> list[str]:
        """Mark runs whose process is gone as ``abandoned``; return their ids.

        Marking only: the processes a dead run left behind are stopped when a new run
        starts (:meth:`stop_leftovers`) or with ``kill`` (``pitstop history sweep
        --kill``) — reading the history never kills anything."""
        with self._raw() as writer:
            gone = runs.dead_runs(writer)
            runs.mark_abandoned(writer, gone)
        if kill:
            self.stop_leftovers(since=0.0)
        return gone

    def stop_leftovers(self, *, since: float) -> list[int]:
        """Stop the leftover processes of runs abandoned after ``since`` on this host."""
        with self._raw() as writer:
            ids = runs.abandoned_with_leftovers(writer, since)
        return runs.stop_leftover_processes(ids) if ids else []

    def list_runs(self, *, limit: int = 20, status: str | None = None,
                  target: str | None = None, capability: str | None = None,
                  trigger: str | None = None, verb: str | None = None,
                  parent_id: str | None = None) -> list[RunRecord]:
        """Runs, newest first, filtered by what is given."""
        import sqlalchemy as sa

        from pitstop.state import schema

        r = schema.runs
        query = sa.select(r).order_by(r.c.started_at.desc(), r.c.id).limit(limit)
        for column, value in ((r.c.status, status), (r.c.target, target),
                              (r.c.capability, capability), (r.c.trigger, trigger),
                              (r.c.verb, verb), (r.c.parent_id, parent_id)):
            if value:
                query = query.where(column == value)
        with self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            ids = [r["id"] for r in rows]
            tasks = self._tasks_for(conn, ids)
        return [_run_from_row(r, tasks.get(r["id"], ())) for r in rows]

    def get_run(self, run_id: str) -> RunRecord | None:
        """A run by id or unique id prefix."""
        import sqlalchemy as sa

        from pitstop.state import schema

        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(schema.runs)
                                .where(schema.runs.c.id.like(f"{run_id}%")).limit(2)
                                ).mappings().all()
            if len(rows) != 1:
                return None
            tasks = self._tasks_for(conn, [rows[0]["id"]])
        return _run_from_row(rows[0], tasks.get(rows[0]["id"], ()))

    def _tasks_for(self, conn: Connection, ids: Sequence[str]
                   ) -> dict[str, tuple[TaskRunRecord, ...]]:
        import sqlalchemy as sa

        from pitstop.state import schema

        if not ids:
            return {}
        rows = conn.execute(sa.select(schema.task_runs)
                            .where(schema.task_runs.c.run_id.in_(list(ids)))
                            .order_by(schema.task_runs.c.id)).mappings().all()
        result: dict[str, list[TaskRunRecord]] = {}
        for r in rows:
            result.setdefault(r["run_id"], []).append(TaskRunRecord(
                run_id=r["run_id"], task=r["task"], attempt=r["attempt"], status=r["status"],
                started_at=_utc(r["started_at"]), finished_at=_utc(r["finished_at"]),
                exit_code=r["exit_code"], command_exit_code=r["command_exit_code"],
                log_path=r["log_path"], error=r["error"], data=json.loads(r["data"] or "{}"),
            ))
        return {k: tuple(v) for k, v in result.items()}

    def latest_task_runs(self) -> list[TaskRunRecord]:
        """The most recent finished attempt of every task (for metrics)."""
        import sqlalchemy as sa

        from pitstop.state import schema

        t = schema.task_runs
        newest = (sa.select(t.c.task, sa.func.max(t.c.id).label("id"))
                  .where(t.c.finished_at.is_not(None), t.c.status != "abandoned")
                  .group_by(t.c.task).subquery())
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(t).join(newest, t.c.id == newest.c.id)
                                ).mappings().all()
        return [TaskRunRecord(
            run_id=r["run_id"], task=r["task"], attempt=r["attempt"], status=r["status"],
            started_at=_utc(r["started_at"]), finished_at=_utc(r["finished_at"]),
            exit_code=r["exit_code"], command_exit_code=r["command_exit_code"],
            log_path=r["log_path"], error=r["error"], data=json.loads(r["data"] or "{}"),
        ) for r in rows]

    def verb_stats(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Per (capability, verb) of the recorded verb calls: counts by final status,
        last success time, and the duration and exit code of the newest finished call
        (for metrics)."""
        import sqlalchemy as sa

        from pitstop.state import schema

        r = schema.runs
        finished = sa.and_(r.c.kind == "verb", r.c.status != ACTIVE)
        stats: dict[tuple[str, str], dict[str, Any]] = {}

        def entry(capability: str, verb: str) -> dict[str, Any]:
            return stats.setdefault((capability, verb), {
                "counts": {}, "last_success": None, "last_duration": None, "last_exit": None})

        with self._engine.connect() as conn:
            for capability, verb, status, count in conn.execute(
                    sa.select(r.c.capability, r.c.verb, r.c.status, sa.func.count())
                    .where(finished).group_by(r.c.capability, r.c.verb, r.c.status)):
                entry(capability, verb)["counts"][status] = count
            for capability, verb, last in conn.execute(
                    sa.select(r.c.capability, r.c.verb, sa.func.max(r.c.finished_at))
                    .where(finished, r.c.status == "success").group_by(r.c.capability, r.c.verb)):
                entry(capability, verb)["last_success"] = last
            newest = (sa.select(r.c.capability, r.c.verb,
                                sa.func.max(r.c.finished_at).label("finished_at"))
                      .where(finished, r.c.finished_at.is_not(None))
                      .group_by(r.c.capability, r.c.verb).subquery())
            for capability, verb, started, ended, code in conn.execute(
                    sa.select(r.c.capability, r.c.verb, r.c.started_at, r.c.finished_at,
                              r.c.exit_code)
                    .join(newest, sa.and_(r.c.capability == newest.c.capability,
                                          r.c.verb == newest.c.verb,
                                          r.c.finished_at == newest.c.finished_at))
                    .where(finished)):
                item = entry(capability, verb)
                item["last_duration"] = ended - started
                item["last_exit"] = code
        return stats

    def task_stats(self) -> dict[str, dict[str, Any]]:
        """Per task: counts by status, last success time (for metrics)."""
        import sqlalchemy as sa

        from pitstop.state import schema

        t = schema.task_runs
        stats: dict[str, dict[str, Any]] = {}
        with self._engine.connect() as conn:
            for task, status, count in conn.execute(
                    sa.select(t.c.task, t.c.status, sa.func.count()).where(t.c.status != ACTIVE)
                    .group_by(t.c.task, t.c.status)):
                stats.setdefault(task, {"counts": {}, "last_success": None})["counts"][status] = count
            for task, last in conn.execute(
                    sa.select(t.c.task, sa.func.max(t.c.finished_at))
                    .where(t.c.status == "success").group_by(t.c.task)):
                stats.setdefault(task, {"counts": {}, "last_success": None})["last_success"] = last
        return stats

    def prune(self, *, keep_days: int | None, keep_runs: int | None) -> list[RunRecord]:
        """Delete finished runs older than ``keep_days`` beyond the newest ``keep_runs``.

        Returns the deleted runs (so the caller can delete their log files)."""
        import sqlalchemy as sa

        from pitstop.state import schema

        r = schema.runs
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(r.c.id, r.c.started_at).where(r.c.status != ACTIVE)
                                .order_by(r.c.started_at.desc())).all()
        cutoff = time.time() - keep_days * 86400 if keep_days is not None else None
        doomed = [
            run_id for index, (run_id, started) in enumerate(rows)
            if (keep_runs is not None and index >= keep_runs)
            or (cutoff is not None and started < cutoff)
        ]
        if not doomed:
            return []
        with self._engine.connect() as conn:
            tasks = self._tasks_for(conn, doomed)
            full = conn.execute(sa.select(r).where(r.c.id.in_(doomed))).mappings().all()
        records = [_run_from_row(row, tasks.get(row["id"], ())) for row in full]
        with self._write() as conn:
            conn.execute(schema.task_runs.delete().where(schema.task_runs.c.run_id.in_(doomed)))
            conn.execute(r.delete().where(r.c.id.in_(doomed)))
            conn.execute(schema.health_checks.delete()
                         .where(schema.health_checks.c.run_id.in_(doomed)))
            conn.execute(schema.notifications.delete()
                         .where(schema.notifications.c.run_id.in_(doomed)))
            conn.execute(schema.firings.delete().where(schema.firings.c.run_id.in_(doomed)))
        return records

    # -- health checks -------------------------------------------------------------
    def record_health_checks(self, records: Sequence[HealthCheckRecord]) -> None:
        from pitstop.state import schema

        if not records:
            return
        with self._write() as conn:
            conn.execute(schema.health_checks.insert(), [
                {"run_id": rec.run_id, "name": rec.name, "status": rec.status,
                 "latency_seconds": rec.latency_seconds,
                 "observed": redact(json.dumps(rec.observed, default=str)),
                 "message": redact(rec.message), "hint": rec.hint,
                 "checked_at": _ts(rec.checked_at)}
                for rec in records
            ])

    def latest_health_checks(self) -> list[HealthCheckRecord]:
        """The newest result of every check name."""
        import sqlalchemy as sa

        from pitstop.state import schema

        h = schema.health_checks
        newest = sa.select(h.c.name, sa.func.max(h.c.id).label("id")).group_by(h.c.name).subquery()
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(h).join(newest, h.c.id == newest.c.id)
                                .order_by(h.c.name)).mappings().all()
        return [_check_from_row(r) for r in rows]

    def health_check_history(self, name: str | None = None, *, per_check: int = 20
                             ) -> dict[str, list[HealthCheckRecord]]:
        """The newest ``per_check`` results of each check (or of check ``name``),
        newest first, by check name."""
        import sqlalchemy as sa

        from pitstop.state import schema

        h = schema.health_checks
        rank = sa.func.row_number().over(partition_by=h.c.name,
                                         order_by=h.c.id.desc()).label("rank")
        ranked = sa.select(h, rank)
        if name is not None:
            ranked = ranked.where(h.c.name == name)
        sub = ranked.subquery()
        query = sa.select(sub).where(sub.c.rank <= per_check).order_by(sub.c.name,
                                                                       sub.c.id.desc())
        history: dict[str, list[HealthCheckRecord]] = {}
        with self._engine.connect() as conn:
            for row in conn.execute(query).mappings():
                history.setdefault(row["name"], []).append(_check_from_row(row))
        return history


def _check_from_row(r: Any) -> HealthCheckRecord:
    return HealthCheckRecord(
        name=r["name"], status=r["status"], latency_seconds=r["latency_seconds"],
        observed=json.loads(r["observed"] or "{}"), message=r["message"], hint=r["hint"],
        checked_at=_utc(r["checked_at"]) or dt.datetime.now(dt.UTC), run_id=r["run_id"],
    )


def _run_from_row(r: Any, tasks: tuple[TaskRunRecord, ...]) -> RunRecord:
    started = _utc(r["started_at"])
    assert started is not None
    return RunRecord(
        id=r["id"], target=r["target"], kind=r["kind"], trigger=r["trigger"],
        status=r["status"], started_at=started, host=r["host"], pid=r["pid"], user=r["user"],
        params=json.loads(r["params"] or "{}"), finished_at=_utc(r["finished_at"]),
        exit_code=r["exit_code"], error=r["error"], tasks=tasks,
        capability=r["capability"], verb=r["verb"], parent_id=r["parent_id"],
        result=json.loads(r["result"]) if r["result"] else None,
    )
