"""The audit baseline: findings a team accepted, each with a reason and, optionally,
a date after which it is reported again.

A TOML file people review like code::

    [[accept]]
    id = "PS-DB-004"
    key = "role app"
    reason = "the app creates its schema at start-up; moving to a migration role (OPS-12)"
    expires = 2026-12-31

An entry accepts the finding with the same ``id`` whose key (or one of its aliases:
an advisory's CVE) is ``key``.  Keys carry no line numbers, so entries survive edits
around them.  An expired entry no longer hides its finding: the finding is reported
again, marked ``expired``, with the old reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import tempfile
import tomllib
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

from pitstop.audit.model import Finding, StaleEntry
from pitstop.audit.rules import RULES
from pitstop.errors import ConfigError

HEADER = """\
# Findings of `pitstop audit` accepted on purpose.  Each entry names a finding (id and
# key) and why it is accepted; after its `expires` date (YYYY-MM-DD) it is reported
# again.  Written by `pitstop audit --update-baseline --reason …`; edit it freely.
"""


@dataclasses.dataclass(frozen=True)
class Accepted:
    """One baseline entry."""

    id: str
    key: str
    reason: str
    expires: dt.date | None = None
    object: str | None = None
    """The finding's object when the entry was written (for people reading the file)."""

    @property
    def section(self) -> str | None:
        rule = RULES.get(self.id)
        return rule.section if rule else None


def _date(value: Any, path: Path, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(f"expected a date like 2026-12-31, got {value!r}", file=path,
                      key=f"{where}.expires")


def load_baseline(path: Path) -> tuple[Accepted, ...]:
    """The entries of ``path`` (raises :class:`ConfigError` naming the file and entry
    for anything malformed; a missing file is the caller's to handle)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the audit baseline: {exc}", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the audit baseline is not valid TOML: {exc}", file=path) from None
    unknown = sorted(set(data) - {"accept", "version"})
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r}; expected [[accept]] entries",
                          file=path, key=unknown[0])
    items = data.get("accept", [])
    if not isinstance(items, list):
        raise ConfigError("expected [[accept]] entries", file=path, key="accept")
    entries = []
    for index, item in enumerate(items):
        where = f"accept[{index}]"
        if not isinstance(item, dict):
            raise ConfigError("expected a table", file=path, key=where)
        extra = sorted(set(item) - {"id", "key", "reason", "expires", "object"})
        if extra:
            raise ConfigError(f"unknown key {extra[0]!r} (known: id, key, reason, expires, "
                              "object)", file=path, key=where)
        for name in ("id", "key"):
            if not isinstance(item.get(name), str) or not item[name].strip():
                raise ConfigError(f"expected a non-empty string {name}", file=path,
                                  key=f"{where}.{name}")
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError("every accepted finding needs a reason (why it is accepted)",
                              file=path, key=f"{where}.reason")
        obj = item.get("object")
        entries.append(Accepted(item["id"], item["key"], reason.strip(),
                                _date(item.get("expires"), path, where),
                                obj if isinstance(obj, str) else None))
    return tuple(entries)


def apply_baseline(findings: Iterable[Finding], entries: Sequence[Accepted], today: dt.date,
                   ran: Collection[str]) -> tuple[list[Finding], list[StaleEntry]]:
    """``findings`` marked ``accepted`` or ``expired`` where an entry names them, and
    the entries of sections in ``ran`` that named nothing."""
    by_id: dict[str, list[Accepted]] = {}
    for entry in entries:
        by_id.setdefault(entry.id, []).append(entry)
    used: set[int] = set()
    marked = []
    for finding in findings:
        keys = set(finding.keys())
        match = next((e for e in by_id.get(finding.id, ()) if e.key in keys), None)
        if match is None:
            marked.append(finding)
            continue
        entry = match
        used.add(id(entry))
        expired = entry.expires is not None and entry.expires < today
        marked.append(dataclasses.replace(finding, status="expired" if expired else "accepted",
                                          reason=entry.reason, expires=entry.expires))
    stale = [StaleEntry(e.id, e.key, e.reason) for e in entries
             if id(e) not in used and (e.section is None or e.section in ran)]
    return marked, stale


def updated_entries(findings: Iterable[Finding], entries: Sequence[Accepted],
                    ran: Collection[str],
                    reason: str, expires: dt.date | None) -> list[Accepted]:
    """The baseline after accepting every finding: entries still in force are kept as
    they are, the others (new findings, expired entries) get ``reason`` and
    ``expires``; entries of sections that did not run are kept, stale ones dropped."""
    result: dict[tuple[str, str], Accepted] = {}
    for finding in findings:
        if finding.status == "accepted":
            keep = next(e for e in entries if e.id == finding.id and e.key in set(finding.keys()))
            result[(keep.id, keep.key)] = keep
        else:
            result[(finding.id, finding.key)] = Accepted(finding.id, finding.key, reason,
                                                         expires, finding.object)
    for entry in entries:
        if entry.section is not None and entry.section not in ran:
            result.setdefault((entry.id, entry.key), entry)
    order = list(RULES)
    return sorted(result.values(), key=lambda e: (order.index(e.id) if e.id in order
                                                  else len(order), e.id, e.key))


def _toml(entry: Accepted) -> str:
    lines = ["[[accept]]", f"id = {json.dumps(entry.id)}", f"key = {json.dumps(entry.key)}"]
    if entry.object and entry.object != entry.key:
        lines.append(f"object = {json.dumps(entry.object, ensure_ascii=False)}")
    lines.append(f"reason = {json.dumps(entry.reason, ensure_ascii=False)}")
    if entry.expires is not None:
        lines.append(f"expires = {entry.expires.isoformat()}")
    return "\n".join(lines) + "\n"


def write_baseline(path: Path, entries: Sequence[Accepted]) -> int:
    """Write ``entries`` to ``path`` atomically; return how many."""
    text = HEADER + "".join("\n" + _toml(e) for e in entries)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".audit-baseline-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        raise ConfigError(f"cannot write the audit baseline: {exc.strerror or exc}",
                          file=path) from None
    return len(entries)
