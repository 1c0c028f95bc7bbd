"""Deliberate changes to the history: ``repair``, ``baseline``; and ``new`` files."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING

from pitstop.capability import Progress, recorded
from pitstop.errors import MigrationError, UsageError
from pitstop.migrate import planner
from pitstop.migrate import records as hist
from pitstop.migrate.layouts import detect_layout
from pitstop.migrate.results import (
    BaselineResult,
    NewResult,
    RepairAction,
    RepairResult,
    counted,
)
from pitstop.migrate.target import Target, migrate_settings, resolve
from pitstop.migrate.versions import normalize_version, parse_version, version_key

if TYPE_CHECKING:
    from pitstop.config import Settings


@recorded("migrate", "repair")
def repair(settings: Settings, *, progress: Progress | None = None,
           database_url: str | None = None,
           directory: Path | None = None, dry_run: bool | None = None,
           lock_timeout: float | None = None) -> RepairResult:
    """Accept the files as they are: drop failed rows, record the current checksum of
    changed files, drop rows of files that are gone.  ``dry_run`` only lists it."""
    target = resolve(settings, database_url, directory)
    dry = settings.dry_run if dry_run is None else dry_run
    _, scripts = target.scripts()
    by_key = {(s.version if s.kind == "versioned" else f"R:{s.description}"): s
              for s in scripts}

    def plan(records: list[hist.HistoryRecord]) -> list[tuple[RepairAction, list[int], str | None]]:
        out: list[tuple[RepairAction, list[int], str | None]] = []
        latest: dict[str | None, hist.HistoryRecord] = {}
        ids_of: dict[str | None, list[int]] = {}
        for record in records:  # oldest first: the last one seen is the newest
            rkey = record.version if record.type != "repeatable" else f"R:{record.description}"
            latest[rkey] = record
            ids_of.setdefault(rkey, []).append(record.id)
        for entry in planner.entries(scripts, records, target.layout):
            key = entry.version if entry.kind != "repeatable" else f"R:{entry.description}"
            row = latest.get(key)
            if row is None:
                continue
            if entry.state == "failed":
                out.append((RepairAction("delete-failed", entry.version, entry.file,
                                         f"remove the failed row ({entry.note})"), [row.id], None))
            elif entry.state == "changed":
                script = by_key[key]
                out.append((RepairAction("update-checksum", entry.version, entry.file,
                                         f"record checksum {script.checksum[:12]}… (was "
                                         f"{(row.checksum or '')[:12]}…)"), [row.id],
                            script.checksum))
            elif entry.state == "missing":
                ids = ids_of[key]
                out.append((RepairAction("delete-missing", entry.version, entry.file,
                                         f"forget it ({counted(len(ids), 'history row')})"), ids, None))
        return out

    if dry:
        records = target.read_records() or []
        return RepairResult(tuple(a for a, _, _ in plan(records)), True)
    with target.session(lock_timeout) as conn:
        hist.ensure_table(conn, target.dialect, target.table)
        records = hist.read_history(conn, target.dialect, target.table) or []
        steps = plan(records)
        cur = conn.cursor()
        for action, ids, checksum in steps:
            if action.action == "update-checksum":
                hist.update(cur, target.dialect, target.table, ids[0], checksum=checksum)
            else:
                hist.delete(cur, target.dialect, target.table, ids)
        cur.close()
    return RepairResult(tuple(a for a, _, _ in steps), False)


def _refuse_baseline(target: Target, records: list[hist.HistoryRecord]) -> None:
    if any(r.success for r in records):
        raise MigrationError(
            f"{target.masked}: {target.table} already records migrations; a baseline "
            "only adopts a database pitstop has not migrated yet",
            hint="see `pitstop migrate history`")


@recorded("migrate", "baseline")
def baseline(settings: Settings, *, progress: Progress | None = None, version: str,
             description: str = "baseline",
             database_url: str | None = None, directory: Path | None = None,
             lock_timeout: float | None = None, dry_run: bool | None = None) -> BaselineResult:
    """Adopt an existing database: record ``version`` as applied, so every migration up
    to it counts as applied without running.  Refused when anything is recorded already.
    ``dry_run`` (default: ``settings.dry_run``) checks and counts, writing nothing."""
    target = resolve(settings, database_url, directory)
    layout, scripts = target.scripts()
    version = parse_version(layout, version, [s.version for s in scripts if s.version],
                            option="version")
    covered = sum(1 for s in scripts if s.version is not None
                  and version_key(s.version) <= version_key(version))
    if settings.dry_run if dry_run is None else dry_run:
        _refuse_baseline(target, target.read_records() or [])
        return BaselineResult(version, description, covered, dry_run=True)
    with target.session(lock_timeout) as conn:
        hist.ensure_table(conn, target.dialect, target.table)
        _refuse_baseline(target, hist.read_history(conn, target.dialect, target.table) or [])
        cur = conn.cursor()
        cur.execute(hist.insert_sql(target.dialect, target.table), hist.insert_values(
            version=version, description=description, type="baseline", file=None,
            checksum=None, applied_by=target.dialect.user(target.url), execution_ms=0,
            success=True))
        cur.close()
    return BaselineResult(version, description, covered)


_SLUG_MAX = 100  # file names stay far below the usual 255-byte limit


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    if not slug:
        raise UsageError(f"migration name {name!r}: needs at least one letter or digit",
                         hint="e.g. `pitstop migrate new add_users`")
    return slug[:_SLUG_MAX].rstrip("_")


def _stamp_after(now: dt.datetime | None, fmt: str, existing: list[str]) -> str:
    """A timestamp version newer than every existing one (two ``new`` in the same second
    must not share a version)."""
    moment = now or dt.datetime.now(dt.UTC)
    top = max((version_key(v) for v in existing), default=None)
    for _ in range(1000):
        version = moment.strftime(fmt)
        if top is None or version_key(normalize_version(version)) > top:
            return version
        moment += dt.timedelta(seconds=1)
    raise MigrationError(f"cannot pick a timestamp version after {max(existing, key=version_key)}",
                         hint="the newest existing version lies in the future; rename it")


def _next_number(versions: list[str]) -> int:
    numbers = [int(m.group(0)) for v in versions if (m := re.match(r"\d+", v))]
    return max(numbers) + 1 if numbers else 1


@recorded("migrate", "new")
def new(settings: Settings, *, progress: Progress | None = None, name: str,
        directory: Path | None = None, now: dt.datetime | None = None,
        autogenerate: bool = False, database_url: str | None = None,
        allow_destructive: bool = False, models: str | None = None) -> NewResult:
    """Create the next migration file(s) for ``name`` in the project's layout (for an
    Alembic project, ``alembic revision``, with ``autogenerate`` if asked)."""
    from pitstop.migrate import alembic_bridge

    options = migrate_settings(settings)
    target = resolve(settings, database_url, directory)
    if alembic_bridge.detect(target):
        return alembic_bridge.new(target, name, autogenerate=autogenerate)
    if autogenerate:  # the SQL layouts: pitstop.migrate.autogen
        from pitstop.migrate.autogen import autogenerate as generate

        return generate(settings, name, target=target, directory=directory, now=now,
                        allow_destructive=allow_destructive, models=models)
    folder = target.directory
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MigrationError(f"migrations directory {folder}: cannot be created: "
                             f"{exc.strerror}", hint="set [migrate] dir to a directory that "
                             "can be created") from None
    slug = _slug(name)
    layout = options.layout if options.layout != "auto" else detect_layout(folder)
    if options.layout == "auto" and layout == "plain" and not any(folder.glob("*.sql")):
        layout = "flyway"  # a new project gets Flyway-style names
    existing = [s.version for s in target.scripts()[1] if s.version] if any(folder.iterdir()) \
        else []
    stamp = _stamp_after(now, "%Y%m%d%H%M%S", existing)
    files: list[tuple[Path, str]]
    if layout == "flyway":
        big = [v for v in existing if len(v) >= 14]
        version = stamp if big else str(_next_number(existing))
        files = [(folder / f"V{version}__{slug}.sql", f"-- {name}\n")]
    elif layout == "dbmate":
        version = stamp
        files = [(folder / f"{version}_{slug}.sql", "-- migrate:up\n\n\n-- migrate:down\n\n")]
    elif layout == "golang-migrate":
        small = existing and all(len(v) < 10 for v in existing)
        width = max((len(p.name.split("_")[0]) for p in folder.glob("*.up.sql")), default=6)
        version = str(_next_number(existing)).zfill(width) if small else stamp
        files = [(folder / f"{version}_{slug}.up.sql", ""),
                 (folder / f"{version}_{slug}.down.sql", "")]
    elif layout == "diesel":
        version = _stamp_after(now, "%Y-%m-%d-%H%M%S", existing)
        sub = folder / f"{version}_{slug}"
        files = [(sub / "up.sql", f"-- {name}\n"), (sub / "down.sql", "-- undo it\n")]
    else:
        width = max((len(re.match(r"\d*", p.name).group(0))  # type: ignore[union-attr]
                     for p in folder.glob("*.sql")), default=3) or 3
        version = f"{str(_next_number(existing)).zfill(width)}_{slug}"
        files = [(folder / f"{version}.sql", f"-- {name}\n")]
    for path, _ in files:
        if path.exists():
            raise MigrationError(f"{path}: already exists", hint="pick another name")
    for path, text in files:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise MigrationError(f"{path}: cannot be written: {exc.strerror}",
                                 hint="check the migrations directory's permissions") from None
    return NewResult(version, tuple(str(p) for p, _ in files), layout)
