"""The baseline file: findings a team accepted, so only new ones are reported.

Entries are keyed on rule + path + SHA-256 of the secret — no line numbers and no
commit ids, so the file neither churns nor conflicts when unrelated lines move.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from pitstop.errors import ConfigError
from pitstop.scan.model import BaselineEntry, Finding, secret_hash

VERSION = 1


def load_baseline(path: Path) -> tuple[BaselineEntry, ...]:
    """Read a baseline (a missing file is an empty baseline)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read baseline: {exc}", file=path,
                          hint="a baseline is the JSON file that updating the baseline writes"
                          ) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"baseline is not valid JSON: {exc}", file=path,
                          hint="regenerate it by updating the baseline") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise ConfigError('expected {"version": 1, "findings": [...]}', file=path,
                          hint="regenerate it by updating the baseline")
    if data.get("version", 1) != 1:
        raise ConfigError(f"baseline version {data.get('version')!r} is not supported "
                          "(this pitstop reads version 1)", file=path, key="version",
                          hint="regenerate it by updating the baseline, or upgrade pitstop")
    entries = []
    for index, item in enumerate(data["findings"]):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str)
                                                 for k in ("rule", "path", "hash")):
            raise ConfigError("expected an object with rule, path and hash strings", file=path,
                              key=f"findings[{index}]",
                              hint="regenerate it by updating the baseline")
        entries.append(BaselineEntry(item["rule"], item["path"], item["hash"]))
    return tuple(entries)


def baseline_entries(findings: Iterable[Finding]) -> list[BaselineEntry]:
    unique = {BaselineEntry(f.rule, f.path, secret_hash(f.secret)) for f in findings}
    return sorted(unique, key=lambda e: (e.path, e.rule, e.hash))


def write_baseline(path: Path, findings: Sequence[Finding],
                   keep: Iterable[BaselineEntry] = ()) -> int:
    """Write every finding as an accepted entry, plus the entries of ``keep`` (those of
    paths a partial scan did not read), atomically; return the entry count."""
    unique = {*baseline_entries(findings), *keep}
    entries = sorted(unique, key=lambda e: (e.path, e.rule, e.hash))
    payload = {
        "version": VERSION,
        "generated_by": "pitstop scan secrets --update-baseline",
        "findings": [{"rule": e.rule, "path": e.path, "hash": e.hash} for e in entries],
    }
    text = json.dumps(payload, indent=2) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".baseline-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"cannot write baseline: {exc}", file=path) from None
    return len(entries)


def apply_baseline(findings: Sequence[Finding], baseline: Sequence[BaselineEntry],
                   scanned: set[str] | None
                   ) -> tuple[list[Finding], int, list[BaselineEntry]]:
    """(new findings, how many were baselined, stale entries).  An entry is stale when
    its path was scanned (``scanned`` ``None``: every path) and nothing matched it."""
    accepted = {entry.key: entry for entry in baseline}
    matched: set[str] = set()
    kept: list[Finding] = []
    for finding in findings:
        key = finding.fingerprint
        if key in accepted:
            matched.add(key)
        else:
            kept.append(finding)
    stale = [entry for key, entry in accepted.items() if key not in matched
             and (scanned is None or entry.path in scanned)]
    return kept, len(findings) - len(kept), stale
