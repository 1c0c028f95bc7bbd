"""From files and history rows to states: applied, pending, failed, changed, missing.

Linear in the number of files and rows: one pass builds the newest row per version.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from pitstop.migrate.layouts import Script
from pitstop.migrate.records import HistoryRecord
from pitstop.migrate.results import MigrationEntry, Problem
from pitstop.migrate.versions import parse_stored_baseline, version_key

_APPLIED_TYPES = ("versioned", "baseline")
_MAYBE_OUTSIDE = re.compile(
    r"\b(?:CONCURRENTLY|VACUUM|VALUE|BEGIN|COMMIT|START|END|ROLLBACK|SAVEPOINT|RELEASE|"
    r"DATABASE|TABLESPACE|SYSTEM|SUBSCRIPTION)\b", re.IGNORECASE)


_KEYWORDS = ("CONCURRENTLY", "VACUUM", "TYPE", "BEGIN", "COMMIT", "START", "END", "ROLLBACK",
             "SAVEPOINT", "RELEASE", "DATABASE", "TABLESPACE", "SYSTEM", "SUBSCRIPTION")


def maybe_outside(sql: str) -> bool:
    """Cheap pre-check: can anything in ``sql`` need to run outside a transaction?"""
    upper = sql.upper()
    if not any(word in upper for word in _KEYWORDS):
        return False
    return _MAYBE_OUTSIDE.search(sql) is not None


def latest_rows(records: Iterable[HistoryRecord]) -> tuple[dict[str, HistoryRecord],
                                                           dict[str, HistoryRecord]]:
    """Newest row per version and newest row per repeatable description."""
    versions: dict[str, HistoryRecord] = {}
    repeatables: dict[str, HistoryRecord] = {}
    for record in records:
        if record.type == "repeatable":
            repeatables[record.description] = record
        elif record.version is not None:
            versions[record.version] = record
    return versions, repeatables


def baseline_of(versions: dict[str, HistoryRecord]) -> str | None:
    baselines = [v for v, r in versions.items() if r.type == "baseline" and r.success and v]
    return max(baselines, key=version_key) if baselines else None


def current_version_of(records: Iterable[HistoryRecord]) -> str | None:
    versions, _ = latest_rows(records)
    return _current(versions)


def _current(versions: dict[str, HistoryRecord]) -> str | None:
    applied = [v for v, r in versions.items() if r.success and r.type in _APPLIED_TYPES]
    return max(applied, key=version_key) if applied else None


def _read_baselines(versions: dict[str, HistoryRecord], layout: str
                    ) -> tuple[dict[str, HistoryRecord], list[MigrationEntry]]:
    """Baseline rows with their versions in ``layout``'s normal form (``v2`` → ``2``);
    one that cannot be a version of the layout becomes a failed entry instead of a
    baseline that sorts after every number and hides every later file."""
    rows = [(v, r) for v, r in versions.items() if r.type == "baseline" and r.success]
    if not rows:
        return versions, []
    versions = dict(versions)
    bad: list[MigrationEntry] = []
    for version, row in rows:
        parsed = parse_stored_baseline(layout, version)
        if parsed == version:
            continue
        del versions[version]
        if parsed is not None:
            versions.setdefault(parsed, row)
            continue
        bad.append(MigrationEntry(
            version, row.description, None, "failed", "baseline", row.applied_at,
            note=f"the history records baseline {version!r}, which is not a {layout} "
                 "version, so it cannot tell which files it covers: `pitstop migrate "
                 "repair` forgets it, then record it again with `pitstop migrate baseline "
                 "--version VERSION`"))
    return versions, bad


def entries(scripts: list[Script], records: list[HistoryRecord],
            layout: str | None = None) -> list[MigrationEntry]:
    """The state of every migration: files in apply order, then missing ones.  With
    ``layout``, baseline versions are read with its rules (see :func:`_read_baselines`)."""
    versions, repeatables = latest_rows(records)
    out: list[MigrationEntry] = []
    if layout is not None:
        versions, out = _read_baselines(versions, layout)
    baseline = baseline_of(versions)
    baseline_key = version_key(baseline) if baseline else None
    current = _current(versions)
    current_key = version_key(current) if current else None
    seen: set[str] = set()
    for script in scripts:
        if script.kind == "repeatable":
            row = repeatables.get(script.description)
            seen.add(f"R:{script.description}")
            out.append(_entry(script, row, repeatable=True))
            continue
        assert script.version is not None
        seen.add(script.version)
        row = versions.get(script.version)
        if row is None and baseline_key is not None and \
                version_key(script.version) <= baseline_key:
            out.append(MigrationEntry(script.version, script.description, script.name,
                                      "applied", "versioned", None, script.checksum,
                                      note="below the baseline"))
            continue
        entry = _entry(script, row, repeatable=False)
        if entry.state == "pending" and current_key is not None and \
                version_key(script.version) < current_key:
            entry = dataclasses.replace(entry, note=f"older than the current version "
                                                    f"{current} (out of order)")
        out.append(entry)
    for version, row in versions.items():
        if version in seen or row.type not in _APPLIED_TYPES or not row.success:
            if version not in seen and not row.success and row.type != "undo":
                out.append(MigrationEntry(version, row.description, row.file, "failed",
                                          row.type, row.applied_at, None, row.checksum,
                                          note="failed, and its file is gone"))
            continue
        if row.type == "baseline":
            continue
        out.append(MigrationEntry(version, row.description, row.file, "missing", row.type,
                                  row.applied_at, None, row.checksum,
                                  note="applied, but its file is gone"))
    for description, row in repeatables.items():
        if f"R:{description}" not in seen and row.success:
            out.append(MigrationEntry(None, description, row.file, "missing", "repeatable",
                                      row.applied_at, None, row.checksum,
                                      note="applied, but its file is gone"))
    return out


def _entry(script: Script, row: HistoryRecord | None, *, repeatable: bool) -> MigrationEntry:
    kind = script.kind
    base = (script.version, script.description, script.name)
    if row is None or (row.type == "undo" and row.success):
        return MigrationEntry(*base, "pending", kind, None, script.checksum)
    if not row.success:
        note = row.error or "failed"
        if row.statements_total:
            note = f"{row.statements_applied or 0}/{row.statements_total} statements applied; " \
                   f"{note}"
        return MigrationEntry(*base, "failed", kind, row.applied_at, script.checksum,
                              row.checksum, note=note)
    if row.type == "baseline":
        return MigrationEntry(*base, "applied", kind, row.applied_at, script.checksum,
                              note="baseline")
    if row.checksum is not None and row.checksum != script.checksum:
        if repeatable:
            return MigrationEntry(*base, "pending", kind, row.applied_at, script.checksum,
                                  row.checksum, note="changed; will run again")
        return MigrationEntry(*base, "changed", kind, row.applied_at, script.checksum,
                              row.checksum, note="the file changed after it was applied")
    return MigrationEntry(*base, "applied", kind, row.applied_at, script.checksum, row.checksum)


def problems(migrations: list[MigrationEntry]) -> tuple[Problem, ...]:
    """What blocks ``up``: failed, changed and missing migrations."""
    messages = {
        "failed": "failed earlier; fix the database by hand, then run `pitstop migrate repair`",
        "changed": "changed after it was applied (checksum differs)",
        "missing": "was applied but the file is gone",
    }
    return tuple(
        Problem(m.file, m.version, m.state,
                m.note if m.kind == "baseline" else
                messages[m.state] + (f" ({m.note})" if m.state == "failed" and m.note else ""))
        for m in migrations if m.state in messages
    )
