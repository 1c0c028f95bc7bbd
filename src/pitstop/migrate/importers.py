"""``import-history``: adopt another tool's record of what ran, so a team can switch
to pitstop without running anything again.

Each source yields the file names or versions it considers applied; they are matched
to the files on disk and recorded in ``pitstop_migrations`` with today's checksums
(so drift is detected from now on).  Versions already recorded are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop.capability import Progress, recorded
from pitstop.errors import MigrationError, OptionError, literal
from pitstop.migrate import planner
from pitstop.migrate import records as hist
from pitstop.migrate.layouts import Script
from pitstop.migrate.results import ImportResult
from pitstop.migrate.target import Target, resolve
from pitstop.migrate.versions import normalize_version, version_key

if TYPE_CHECKING:
    from pitstop.config import Settings

SOURCES = ("flyway", "dbmate", "golang-migrate", "diesel", "yoyo", "plain-file")


def _rows(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    cur = conn.cursor()
    try:
        cur.execute(sql)
        return list(cur.fetchall())
    finally:
        cur.close()


def _flyway(conn: Any, scripts: list[Script]) -> list[str]:
    rows = _rows(conn, "SELECT version, script, success FROM flyway_schema_history "
                       "ORDER BY installed_rank")
    return [str(r[1]) for r in rows if r[2] and r[1] and not str(r[1]).startswith("<<")]


def _dbmate(conn: Any, scripts: list[Script]) -> list[str]:
    return [str(r[0]) for r in _rows(conn, "SELECT version FROM schema_migrations")]


def _golang(conn: Any, scripts: list[Script]) -> list[str]:
    rows = _rows(conn, "SELECT version, dirty FROM schema_migrations")
    if not rows:
        return []
    version, dirty = rows[0]
    if dirty:
        raise MigrationError(
            f"schema_migrations: golang-migrate marks version {version} dirty (it failed "
            "half-way)",
            hint="fix the database and clear the flag with golang-migrate `force`, then import")
    top = version_key(normalize_version(str(version)))
    return [s.version for s in scripts
            if s.version is not None and version_key(s.version) <= top]


def _diesel(conn: Any, scripts: list[Script]) -> list[str]:
    return [str(r[0]) for r in _rows(conn, "SELECT version FROM __diesel_schema_migrations")]


def _yoyo(conn: Any, scripts: list[Script]) -> list[str]:
    return [str(r[0]) for r in _rows(conn, "SELECT migration_id FROM _yoyo_migration")]


_READERS: dict[str, Callable[[Any, list[Script]], list[str]]] = {
    "flyway": _flyway, "dbmate": _dbmate, "golang-migrate": _golang, "diesel": _diesel,
    "yoyo": _yoyo,
}


def _plain_file(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MigrationError(f"{path}: cannot be read: {exc.strerror}",
                             hint="name the applied list that exists, or set [migrate] "
                                  "applied_list") from None
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _match(items: list[str], scripts: list[Script]) -> tuple[list[Script], list[str]]:
    keys: dict[str, Script] = {}
    for one in scripts:
        stem = Path(one.name).name.removesuffix(".sql").removesuffix(".up")
        for key in (one.name, Path(one.name).name, stem, one.name.split("/")[0]):
            keys.setdefault(key, one)
        if one.version is not None:
            keys.setdefault(f"v:{one.version}", one)
            keys.setdefault(f"d:{_digits(one.version)}", one)
    found: list[Script] = []
    unknown: list[str] = []
    for item in items:
        name = Path(item).name
        script = (keys.get(item) or keys.get(name) or keys.get(name.removesuffix(".sql"))
                  or keys.get(f"v:{normalize_version(item)}") or keys.get(f"d:{_digits(item)}"))
        if script is None:
            unknown.append(item)
        elif script not in found:
            found.append(script)
    return found, unknown


@recorded("migrate", "import-history")
def import_history(settings: Settings, *, progress: Progress | None = None, source: str,
                   file: Path | None = None,
                   database_url: str | None = None, directory: Path | None = None,
                   lock_timeout: float | None = None,
                   dry_run: bool | None = None) -> ImportResult:
    """Record as applied what ``source`` says ran (its table in the same database, or
    for ``plain-file`` a list of file names, default ``[migrate] applied_list`` or
    ``migrations_applied.txt`` in the migrations directory).  ``dry_run`` (default:
    ``settings.dry_run``) lists what would be recorded and writes nothing."""
    if source not in SOURCES:
        raise OptionError(f"{{source}} {literal(source)}: expected one of {', '.join(SOURCES)}",
                          options=("source",))
    target = resolve(settings, database_url, directory)
    _, scripts = target.scripts()
    if source != "plain-file" and target.dialect.database_missing(target.url):
        _items(target, None, source, file, scripts)  # says the database is not there
    dry = settings.dry_run if dry_run is None else dry_run
    if dry:  # read only, no lock; a SQLite file that is not there is not created
        conn = target.read_connection()
        try:
            found, unknown = _items(target, conn, source, file, scripts)
            records = (hist.read_history(conn, target.dialect, target.table) or []) \
                if conn is not None else []
        finally:
            if conn is not None:
                target.dialect.close(conn)
        todo = _new_ones(found, records)
        return ImportResult(source, tuple(s.name for s in todo), tuple(unknown), dry_run=True)
    with target.session(lock_timeout) as conn:
        found, unknown = _items(target, conn, source, file, scripts)
        hist.ensure_table(conn, target.dialect, target.table)
        records = hist.read_history(conn, target.dialect, target.table) or []
        todo = _new_ones(found, records)
        cur = conn.cursor()
        for script in todo:
            cur.execute(hist.insert_sql(target.dialect, target.table), hist.insert_values(
                version=script.version, description=script.description, type=script.kind,
                file=script.name, checksum=script.checksum, applied_by=f"import:{source}",
                execution_ms=0, success=True))
        cur.close()
    return ImportResult(source, tuple(s.name for s in todo), tuple(unknown))


def _items(target: Target, conn: Any, source: str, file: Path | None,
           scripts: list[Script]) -> tuple[list[Script], list[str]]:
    """The scripts ``source`` says ran, and the names it lists that match no file."""
    if source == "plain-file":
        path = file or target.options.applied_list or \
            target.directory / "migrations_applied.txt"
        return _match(_plain_file(path if path.is_absolute() else target.project_dir / path),
                      scripts)
    if conn is None:
        raise MigrationError(f"{target.masked}: cannot read the {source} history: the "
                             "database does not exist", hint="is this the database that tool "
                                                             "migrated?")
    try:
        items = _READERS[source](conn, scripts)
    except target.dialect.error_types as exc:
        raise MigrationError(
            f"{target.masked}: cannot read the {source} history: "
            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else exc}",
            hint="is this the database that tool migrated?") from None
    return _match(items, scripts)


def _new_ones(found: list[Script], records: list[hist.HistoryRecord]) -> list[Script]:
    """``found`` minus what the history already records."""
    versions, repeatables = planner.latest_rows(records)
    return [s for s in found
            if not ((s.version is not None and s.version in versions)
                    or (s.version is None and s.description in repeatables))]
