"""The migration verbs ``up``, ``down``, ``redo``, ``status``, ``validate`` and
``history``: each is ``verb(settings, *, progress=None, **options) -> Result`` (see
:mod:`pitstop.migrate.results`).

Expected outcomes (pending work, a dry run, problems found by ``validate``) are
results; failures raise :class:`~pitstop.errors.MigrationError` subclasses, and an
option value that cannot be used an :class:`~pitstop.errors.OptionError` naming the
option as the verb takes it (``to``), for each front to spell its own way.

Nothing here knows about backups: ``up`` takes a ``before_apply`` hook, called with
the :class:`~pitstop.migrate.results.PendingPlan` once something is to be applied; the
front that wants a backup first passes one (:mod:`pitstop.backup.premigrate`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop.capability import Progress, recorded
from pitstop.errors import ConnectError, OptionError, PitstopError, UsageError, literal
from pitstop.migrate import planner
from pitstop.migrate import records as hist
from pitstop.migrate.errors import ValidationError
from pitstop.migrate.layouts import Script
from pitstop.migrate.results import (
    AppliedMigration,
    BeforeApply,
    HistoryResult,
    MigrationStatus,
    PendingPlan,
    PlanStep,
    RestorePoint,
    RunResult,
    ValidateResult,
)
from pitstop.migrate.runner import Runner, Work
from pitstop.migrate.target import Target, resolve
from pitstop.migrate.versions import parse_version, version_key

if TYPE_CHECKING:
    from pitstop.config import Settings

log = logging.getLogger("pitstop.migrate")


def _records(target: Target, conn: Any) -> list[hist.HistoryRecord] | None:
    return hist.read_history(conn, target.dialect, target.table)


def _read_records(target: Target) -> list[hist.HistoryRecord] | None:
    return target.read_records()


def _alembic(target: Target) -> Any:
    """The Alembic bridge module when the target is an Alembic project, else ``None``."""
    from pitstop.migrate import alembic_bridge

    return alembic_bridge if alembic_bridge.detect(target) else None


@recorded("migrate", "status")
def status(settings: Settings, *, progress: Progress | None = None,
           database_url: str | None = None, directory: Path | None = None) -> MigrationStatus:
    """Every migration with its state: applied, pending, failed, changed or missing."""
    target = resolve(settings, database_url, directory)
    bridge = _alembic(target)
    if bridge is not None:
        result: MigrationStatus = bridge.status(target)
        return result
    layout, scripts = target.scripts()
    records = _read_records(target)
    entries = planner.entries(scripts, records or [], layout)
    by_name = {s.name: s for s in scripts}
    detailed = []
    for entry in entries:
        script = by_name.get(entry.file or "")
        if entry.state == "pending" and script is not None:
            work = target.work(script, "up")
            entry = _with_plan(entry, work)
        detailed.append(entry)
    return MigrationStatus(detailed, layout, str(target.directory), target.masked, target.table,
                           records is not None, planner.current_version_of(records or []))


def _with_plan(entry: Any, work: Work) -> Any:
    import dataclasses

    return dataclasses.replace(entry, transactional=work.transactional,
                               statements=len(work.statements))


def current_version(database_url: str) -> str | None:
    """The newest successfully applied version in ``pitstop_migrations`` of
    ``database_url`` (``None`` when the table is absent or empty)."""
    from pitstop.migrate.dialects import dialect_for

    dialect = dialect_for(database_url)
    if dialect.database_missing(database_url):
        return None
    conn = dialect.connect(database_url, purpose="history")
    try:
        records = hist.read_history(conn, dialect, "pitstop_migrations")
    finally:
        dialect.close(conn)
    return planner.current_version_of(records) if records else None


def history(settings: Settings, *, progress: Progress | None = None,
            database_url: str | None = None, directory: Path | None = None) -> HistoryResult:
    """Every row of the history table, oldest first."""
    target = resolve(settings, database_url, directory)
    return HistoryResult(_read_records(target) or [], target.masked, target.table)


@recorded("migrate", "validate")
def validate(settings: Settings, *, progress: Progress | None = None,
             database_url: str | None = None, directory: Path | None = None) -> ValidateResult:
    """Compare the files with the history: changed, missing and failed migrations."""
    st = status(settings, database_url=database_url, directory=directory)
    return ValidateResult(planner.problems(st.migrations), len(st.migrations))


def _pending_scripts(scripts: list[Script], entries: list[Any], to: str | None
                     ) -> list[Script]:
    """The scripts ``up`` would apply, in order, given the planner's ``entries``
    (``to``: a version as :func:`_parse_to` returns it)."""
    pending = {(e.version, e.description) for e in entries if e.state == "pending"}
    limit = version_key(to) if to is not None else None
    return [script for script in scripts
            if (script.version, script.description) in pending
            and not (limit is not None and (script.kind == "repeatable"
                                            or version_key(script.version or "") > limit))]


def _pending_up(target: Target, scripts: list[Script], records: list[hist.HistoryRecord],
                to: str | None) -> list[Work]:
    entries = planner.entries(scripts, records, target.layout)
    problems = planner.problems(entries)
    if problems:
        raise ValidationError(problems)
    for entry in entries:
        if entry.state == "pending" and "out of order" in entry.note:
            log.warning("%s: %s; applying it anyway", entry.file, entry.note)
    return [target.work(script, "up") for script in _pending_scripts(scripts, entries, to)]


def _already_done(target: Target, scripts: list[Script], to: str | None) -> RunResult | None:
    """The answer of an ``up`` with nothing to do, read without the runner lock; ``None``
    when there is (or may be) something to do, or a problem to report: then ``up`` takes
    the lock and reads again.

    Only committed history rows count as applied, so "every file applied, none changed"
    read without the lock stays true whatever another runner does meanwhile.  This is
    what keeps a no-op ``up`` cheap: one read connection (which for PostgreSQL does not
    even need psycopg) instead of the lock connection, the migration connection and the
    history-table DDL check."""
    records = target.read_records()
    if not records:
        return None
    entries = planner.entries(scripts, records, target.layout)
    if planner.problems(entries) or _pending_scripts(scripts, entries, to):
        return None
    return RunResult(False, (), (), planner.current_version_of(records), None, target.masked)


def _parse_to(target: Target, scripts: list[Script], to: str | None) -> str | None:
    """The ``to`` option read with the layout's rules; it must name a migration's
    version."""
    if to is None:
        return None
    known = [s.version for s in scripts if s.version is not None]
    version = parse_version(target.layout, to, known, option="to")
    if version not in known:
        raise OptionError(f"{{to}} {literal(to)}: no migration has that version",
                          options=("to",),
                          hint="see the versions with `pitstop migrate status`")
    return version


@recorded("migrate", "up")
def up(settings: Settings, *, progress: Progress | None = None,
       database_url: str | None = None, directory: Path | None = None,
       to: str | None = None, dry_run: bool | None = None, lock_timeout: float | None = None,
       before_apply: BeforeApply | None = None) -> RunResult:
    """Apply pending migrations (up to and including ``to``), each in its own transaction
    where the database allows; repeatable ones run last when their checksum changed.

    A database that does not exist yet is created first (``[migrate] create_database``,
    on by default), as ``pitstop db init`` creates it.  ``before_apply(plan)`` is called
    once before anything is applied, only when something is pending (never in a dry
    run); the :class:`~pitstop.migrate.results.RestorePoint` it returns (a backup) is
    the result's ``backup_id``, and named on the error of a migration that then fails.
    ``progress(done, total)`` counts migrations."""
    target = resolve(settings, database_url, directory)
    dry = settings.dry_run if dry_run is None else dry_run
    bridge = _alembic(target)
    if bridge is not None:
        return _alembic_up(target, bridge, to, dry, lock_timeout, before_apply)
    _, scripts = target.scripts()
    to = _parse_to(target, scripts, to)
    if dry:
        try:
            records = _read_records(target) or []
            create = target.dialect.database_missing(target.url)
        except ConnectError as exc:
            if not target.creatable(exc):
                raise target.missing_database(exc) from exc.__cause__
            records, create = [], True  # up would create it: everything is pending
        plan = tuple(w.plan_step() for w in _pending_up(target, scripts, records, to))
        return RunResult(True, plan, current_version=planner.current_version_of(records),
                         database=target.masked, created_database=create)
    created = False
    try:
        done = _already_done(target, scripts, to)
    except ConnectError as exc:
        created = target.create_database(exc)  # or raises exc
        done = None
    if done is not None:
        return done
    if target.dialect.database_missing(target.url):  # a SQLite file not there yet
        if not target.options.create_database:
            raise target.missing_database()
        created = True  # the migration connection creates the file
    with target.session(lock_timeout) as conn:
        hist.ensure_table(conn, target.dialect, target.table)
        records = _records(target, conn) or []  # re-read under the lock
        work = _pending_up(target, scripts, records, to)
        plan = tuple(PlanStep(w.script.version, w.script.description, w.script.name, "up",
                              w.transactional, None) for w in work)
        point = None
        if work and before_apply is not None:
            point = before_apply(PendingPlan(target.url, target.masked,
                                             planner.current_version_of(records), plan))
        runner = Runner(target.dialect, conn, target.table, target.dialect.user(target.url))
        with _noting(point):
            _run_all(runner, work, progress)
        current = planner.current_version_of(_records(target, conn) or [])
    return RunResult(False, plan, tuple(runner.applied), current,
                     None if point is None else point.id, target.masked, created)


def _run_all(runner: Runner, work: list[Work], progress: Progress | None) -> None:
    for done, item in enumerate(work, 1):
        runner.run(item)
        if progress is not None:
            progress(done, len(work))


def _alembic_up(target: Target, bridge: Any, to: str | None, dry: bool,
                lock_timeout: float | None, before_apply: BeforeApply | None) -> RunResult:
    """``up`` of an Alembic project: ``before_apply`` first when given and something is
    pending; a database that does not exist is created first, as for SQL files."""
    created = False
    try:
        plan = bridge.up(target, to=to, dry_run=True, lock_timeout=lock_timeout) \
            if before_apply is not None and not dry else None
    except ConnectError as exc:
        if dry:
            raise target.missing_database(exc) from exc.__cause__
        created = target.create_database(exc)
        plan = None  # a new database: nothing to back up
    point = None
    if before_apply is not None and plan is not None and plan.plan:
        point = before_apply(PendingPlan(target.url, target.masked, plan.current_version,
                                         plan.plan))
    with _noting(point):
        try:
            done: RunResult = bridge.up(target, to=to, dry_run=dry, lock_timeout=lock_timeout)
        except ConnectError as exc:
            if dry or created:
                raise target.missing_database(exc) from exc.__cause__
            created = target.create_database(exc)
            done = bridge.up(target, to=to, dry_run=dry, lock_timeout=lock_timeout)
    return dataclasses.replace(done, backup_id=None if point is None else point.id,
                               created_database=created)


@contextlib.contextmanager
def _noting(point: RestorePoint | None) -> Iterator[None]:
    """A migration that fails after ``before_apply`` made ``point`` says so: its id is on
    the error (``backup_id``, in ``--json`` and on the run) and its way back in the
    hint."""
    try:
        yield
    except PitstopError as exc:
        if point is not None:
            exc.backup_id = point.id  # type: ignore[attr-defined]
            if point.how:
                exc.hint = f"{exc.hint}; {point.how}" if exc.hint else point.how
        raise


def _applied_versions(target: Target, scripts: list[Script],
                      records: list[hist.HistoryRecord]) -> list[Script]:
    entries = planner.entries(scripts, records, target.layout)
    problems = [p for p in planner.problems(entries) if p.state != "changed"]
    if problems:
        raise ValidationError(tuple(problems))
    applied = {e.version for e in entries
               if e.state in ("applied", "changed") and e.kind == "versioned"
               and e.note not in ("below the baseline", "baseline")}
    chosen = [s for s in scripts if s.kind == "versioned" and s.version in applied]
    return sorted(chosen, key=lambda s: version_key(s.version or ""), reverse=True)


def _down_work(target: Target, scripts: list[Script], records: list[hist.HistoryRecord],
               steps: int | None, to: str | None) -> list[Work]:
    applied = _applied_versions(target, scripts, records)
    if to is not None:
        limit = version_key(to)
        chosen = [s for s in applied if version_key(s.version or "") > limit]
    else:
        chosen = applied[: (1 if steps is None else steps)]
    return [target.work(s, "down") for s in chosen]  # fails early when one lacks a down


@recorded("migrate", "down")
def down(settings: Settings, *, progress: Progress | None = None,
         database_url: str | None = None, directory: Path | None = None,
         steps: int | None = None, to: str | None = None, dry_run: bool | None = None,
         lock_timeout: float | None = None) -> RunResult:
    """Roll back the last ``steps`` applied migrations (default 1), or every one newer
    than ``to``, newest first.  ``progress(done, total)`` counts migrations."""
    if steps is not None and to is not None:
        raise OptionError("{steps} and {to}: give one of them, not both",
                          options=("steps", "to"),
                          hint="{steps} N rolls back the newest N; {to} VERSION rolls back "
                               "everything newer than VERSION")
    if steps is not None and steps < 1:
        raise OptionError(f"{{steps}} {steps}: expected 1 or more", options=("steps",),
                          hint="leave it out to roll back only the newest migration")
    target = resolve(settings, database_url, directory)
    dry = settings.dry_run if dry_run is None else dry_run
    bridge = _alembic(target)
    if bridge is not None:
        return bridge.down(target, steps=steps, to=to,  # type: ignore[no-any-return]
                           dry_run=dry, lock_timeout=lock_timeout)
    _, scripts = target.scripts()
    every = to is not None and to.strip().lower() in ("0", "base")  # roll back all
    to = "0" if every else _parse_to(target, scripts, to)
    if dry:
        records = _read_records(target) or []
        plan = tuple(w.plan_step() for w in _down_work(target, scripts, records, steps, to))
        return RunResult(True, plan, current_version=planner.current_version_of(records),
                         database=target.masked)
    with target.session(lock_timeout) as conn:
        hist.ensure_table(conn, target.dialect, target.table)
        records = _records(target, conn) or []
        work = _down_work(target, scripts, records, steps, to)
        plan = tuple(PlanStep(w.script.version, w.script.description, w.script.name, "down",
                              w.transactional, None) for w in work)
        runner = Runner(target.dialect, conn, target.table, target.dialect.user(target.url))
        _run_all(runner, work, progress)
        current = planner.current_version_of(_records(target, conn) or [])
    return RunResult(False, plan, tuple(runner.applied), current, None, target.masked)


@recorded("migrate", "redo")
def redo(settings: Settings, *, progress: Progress | None = None,
         database_url: str | None = None, directory: Path | None = None,
         dry_run: bool | None = None, lock_timeout: float | None = None) -> RunResult:
    """Roll back the newest applied migration and apply it again."""
    target = resolve(settings, database_url, directory)
    dry = settings.dry_run if dry_run is None else dry_run
    bridge = _alembic(target)
    if bridge is not None:
        return bridge.redo(target, dry_run=dry,  # type: ignore[no-any-return]
                           lock_timeout=lock_timeout)
    _, scripts = target.scripts()
    records = (_read_records(target) or []) if dry else None
    if dry:
        assert records is not None
        work = _down_work(target, scripts, records, 1, None)
        plan = tuple(w.plan_step() for w in work)
        plan += tuple(target.work(w.script, "up").plan_step() for w in work)
        return RunResult(True, plan, current_version=planner.current_version_of(records),
                         database=target.masked)
    with target.session(lock_timeout) as conn:
        hist.ensure_table(conn, target.dialect, target.table)
        records = _records(target, conn) or []
        work = _down_work(target, scripts, records, 1, None)
        if not work:
            raise UsageError("nothing to redo: no applied migration",
                             hint="apply one first with `pitstop migrate up`")
        runner = Runner(target.dialect, conn, target.table, target.dialect.user(target.url))
        runner.run(work[0])
        runner.run(target.work(work[0].script, "up"))
        current = planner.current_version_of(_records(target, conn) or [])
    steps = tuple(PlanStep(a.version, a.description, a.file, a.direction, a.transactional,
                           a.statements) for a in runner.applied)
    applied: tuple[AppliedMigration, ...] = tuple(runner.applied)
    return RunResult(False, steps, applied, current, None, target.masked)
