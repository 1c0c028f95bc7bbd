"""OSV advisories: reading OSV's own export offline, deciding which installed versions
an advisory covers, and the finding's facts (aliases, severity, first fixed version).

The offline database is a directory (or a ``.zip``) of OSV JSON files, one advisory
each, as ``https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip`` unpacks.
Only the files that name an audited package are parsed: a cheap scan of each file's
bytes for its ``"name"`` values picks them.

Ranges are evaluated as the OSV schema defines them, with versions compared by
``packaging``: ``ECOSYSTEM`` and ``SEMVER`` ranges of ``introduced``, ``fixed`` and
``last_affected`` events, plus the explicit ``versions`` list.  ``GIT`` ranges name
commits, not versions, and are not used.  Withdrawn advisories are ignored.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pitstop.audit.cvss import base_score, rating
from pitstop.audit.settings import SEVERITIES, Severity
from pitstop.errors import ConfigError

ECOSYSTEM = "PyPI"
_NAME = re.compile(rb'"name"\s*:\s*"([^"\\]{1,300})"')
_RATINGS: dict[str, Severity] = {"LOW": "low", "MODERATE": "medium", "MEDIUM": "medium",
                                 "HIGH": "high", "CRITICAL": "critical"}
_EVENT_ORDER = {"introduced": 0, "fixed": 1, "limit": 1, "last_affected": 2}
"""At one version, ``introduced`` comes first: ``introduced 1.0, fixed 1.0`` covers nothing."""


@dataclasses.dataclass(frozen=True)
class Vulnerability:
    """One advisory that covers an installed version."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: Severity | None
    """The advisory's own rating, else its CVSS 3 score's; ``None`` when unrated."""
    fixed: str | None
    """The first fixed version above the installed one (``None``: no fix released)."""

    def ids(self) -> set[str]:
        return {self.id, *self.aliases}


@functools.lru_cache(maxsize=65536)
def parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def advisory_severity(vuln: Mapping[str, Any]) -> Severity | None:
    """The worst of the advisory's ratings: ``database_specific.severity`` (GitHub's
    LOW/MODERATE/HIGH/CRITICAL), CVSS 3 vectors, and its affected entries' own."""
    found: list[Severity] = []
    specifics = [vuln.get("database_specific")]
    for affected in vuln.get("affected") or ():
        if isinstance(affected, dict):
            specifics += [affected.get("database_specific"), affected.get("ecosystem_specific")]
    for specific in specifics:
        if isinstance(specific, dict) and isinstance(specific.get("severity"), str):
            mapped = _RATINGS.get(specific["severity"].upper())
            if mapped:
                found.append(mapped)
    for entry in vuln.get("severity") or ():
        if isinstance(entry, dict) and str(entry.get("type", "")).startswith("CVSS_V3"):
            score = base_score(str(entry.get("score", "")))
            level = rating(score) if score is not None else None
            if level:
                found.append(level)
    return max(found, key=SEVERITIES.index) if found else None


def _events(raw: Iterable[Any]) -> list[tuple[Version, str]]:
    events = []
    for event in raw:
        if not isinstance(event, dict):
            continue
        for kind, value in event.items():
            if kind not in _EVENT_ORDER or not isinstance(value, str):
                continue
            version = parse_version(value)
            if version is not None:
                events.append((version, kind))
    events.sort(key=lambda item: (item[0], _EVENT_ORDER[item[1]]))
    return events


def _in_range(events: Sequence[tuple[Version, str]], version: Version) -> bool:
    affected = False
    for at, kind in events:
        if kind == "introduced" and version >= at:
            affected = True
        elif (kind in ("fixed", "limit") and version >= at) \
                or (kind == "last_affected" and version > at):
            affected = False
    return affected


def evaluate(vuln: Mapping[str, Any], canonical: str, installed: str) -> Vulnerability | None:
    """The advisory as it applies to ``canonical`` at version ``installed``, or
    ``None`` when it does not cover that version."""
    if vuln.get("withdrawn"):
        return None
    version = parse_version(installed)
    if version is None:
        return None
    hit = False
    fixes: list[Version] = []
    for affected in vuln.get("affected") or ():
        package = affected.get("package") if isinstance(affected, dict) else None
        if not isinstance(package, dict) or package.get("ecosystem") != ECOSYSTEM \
                or canonicalize_name(str(package.get("name", ""))) != canonical:
            continue
        listed = affected.get("versions") or ()
        if installed in listed or any(parse_version(str(v)) == version for v in listed):
            hit = True
        for span in affected.get("ranges") or ():
            if not isinstance(span, dict) or span.get("type") not in ("ECOSYSTEM", "SEMVER"):
                continue
            events = _events(span.get("events") or ())
            hit = hit or _in_range(events, version)
            fixes += [at for at, kind in events if kind == "fixed" and at > version]
    if not hit:
        return None
    aliases = tuple(sorted({str(a) for a in vuln.get("aliases") or () if a != vuln.get("id")}))
    summary = str(vuln.get("summary") or vuln.get("details") or "").strip().splitlines()
    return Vulnerability(str(vuln.get("id")), aliases, summary[0] if summary else "",
                         advisory_severity(vuln), str(min(fixes)) if fixes else None)


def _rank(vuln_id: str) -> tuple[int, str]:
    """Which id names an advisory: GitHub's (rated, linked everywhere), then PyPA's,
    then others; a CVE last (it names the flaw, not the advisory)."""
    for rank, prefix in enumerate(("GHSA-", "PYSEC-")):
        if vuln_id.startswith(prefix):
            return rank, vuln_id
    return (3 if vuln_id.startswith("CVE-") else 2), vuln_id


def merge(vulns: Iterable[Vulnerability]) -> list[Vulnerability]:
    """One entry per advisory: those whose ids and aliases overlap (a PYSEC and the
    GHSA of the same CVE) become one, keeping the worst rating, the first fix and every
    alias, and named by the same id whichever source or order they came in."""
    groups: list[list[Vulnerability]] = []
    for vuln in vulns:
        joined = [g for g in groups if any(vuln.ids() & other.ids() for other in g)]
        for group in joined:
            groups.remove(group)
        groups.append([vuln, *(v for g in joined for v in g)])
    merged = []
    for group in groups:
        ids = set().union(*(v.ids() for v in group))
        primary = min(ids, key=_rank)
        severities = [v.severity for v in group if v.severity]
        fixed = [v.fixed for v in group if v.fixed]
        summary = next((v.summary for v in sorted(group, key=lambda v: _rank(v.id))
                        if v.summary), "")
        merged.append(Vulnerability(
            primary, tuple(sorted(ids - {primary})), summary,
            max(severities, key=SEVERITIES.index) if severities else None,
            min(fixed, key=lambda v: parse_version(v) or Version("0")) if fixed else None))
    return sorted(merged, key=lambda v: _rank(v.id))


# -- the offline database -------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class OsvIndex:
    """The advisories of a directory (or zip) that name the packages asked for."""

    by_package: Mapping[str, tuple[Mapping[str, Any], ...]]
    files: int
    problems: tuple[str, ...]
    """Files that could not be read (each named, with why)."""


def _blobs(root: Path) -> Iterator[tuple[str, bytes]]:
    """``(name, content)`` of each ``*.json`` under ``root`` (a directory, walked with
    plain strings: a pathlib object per file costs more than reading it) or in the zip
    ``root``.  A file that cannot be read comes as ``unreadable: why``."""
    if root.is_file() and zipfile.is_zipfile(root):
        with zipfile.ZipFile(root) as archive:
            for info in archive.infolist():
                if info.filename.endswith(".json") and not info.is_dir():
                    yield info.filename, archive.read(info)
        return
    base = str(root)
    for top, dirs, names in os.walk(base):
        dirs.sort()
        prefix = top[len(base):].lstrip(os.sep)
        for name in sorted(names):
            if not name.endswith(".json"):
                continue
            path = f"{top}{os.sep}{name}"
            shown = f"{prefix}{os.sep}{name}" if prefix else name
            try:
                with open(path, "rb") as handle:
                    yield shown, handle.read()
            except OSError as exc:
                yield shown, f"unreadable: {exc.strerror}".encode()


def load_index(root: Path, names: set[str]) -> OsvIndex:
    """Read the advisories under ``root`` that name a package of ``names``
    (canonical names)."""
    if not root.exists():
        raise ConfigError(f"the OSV database {root} does not exist", key="audit.osv_db",
                          hint="unpack OSV's PyPI export (all.zip) there, or point osv_db "
                               "at the zip")
    if not (root.is_dir() or zipfile.is_zipfile(root)):
        raise ConfigError(f"{root} is neither a directory nor a zip of OSV JSON files",
                          key="audit.osv_db")
    by_package: dict[str, list[Mapping[str, Any]]] = {}
    files = 0
    problems = []
    for name, blob in _blobs(root):
        files += 1
        if blob.startswith(b"unreadable: "):
            problems.append(f"{name}: {blob.decode()}")
            continue
        mentioned = {canonicalize_name(m.decode("utf-8", "replace")) for m in _NAME.findall(blob)}
        if mentioned and not mentioned & names:
            continue
        try:
            vuln = json.loads(blob)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{name}: not valid JSON ({exc})")
            continue
        if not isinstance(vuln, dict) or not isinstance(vuln.get("id"), str):
            problems.append(f"{name}: not an OSV advisory (no id)")
            continue
        for affected in vuln.get("affected") or ():
            package = affected.get("package") if isinstance(affected, dict) else None
            if isinstance(package, dict) and package.get("ecosystem") == ECOSYSTEM:
                canonical = canonicalize_name(str(package.get("name", "")))
                if canonical in names and vuln not in by_package.get(canonical, ()):
                    by_package.setdefault(canonical, []).append(vuln)
    if files == 0:
        raise ConfigError(f"the OSV database {root} holds no JSON file", key="audit.osv_db",
                          hint="unpack OSV's PyPI export (all.zip) there")
    return OsvIndex({k: tuple(v) for k, v in by_package.items()}, files, tuple(problems))


def matches(index: OsvIndex, canonical: str, version: str) -> list[Vulnerability]:
    """The advisories of ``index`` covering ``canonical`` at ``version``."""
    found = (evaluate(vuln, canonical, version) for vuln in index.by_package.get(canonical, ()))
    return merge(v for v in found if v is not None)
