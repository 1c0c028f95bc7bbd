"""JSON: ``{"findings": [...], "stats": {...}, ...}`` — the schema is in docs/scan.md."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from pitstop.scan.model import Finding, ScanReport, secret_hash

SCHEMA_VERSION = 1


def finding_dict(finding: Finding, redact: bool = True) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "description": finding.description,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_column": finding.end_column,
        "secret": finding.shown(redact),
        "match": finding.shown_match(redact),
        "entropy": finding.entropy,
        "commit": finding.commit,
        "author": finding.author,
        "date": finding.date,
        "tags": list(finding.tags),
        "fingerprint": f"{finding.rule}:{finding.path}:{secret_hash(finding.secret)}",
    }


def report_dict(report: ScanReport, redact: bool = True) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "mode": report.mode,
        "findings": [finding_dict(f, redact) for f in report.findings],
        "stats": dataclasses.asdict(report.stats),
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "stale": [{"rule": e.rule, "path": e.path, "hash": e.hash} for e in report.stale],
        "dropped": [{"rule": d.rule, "path": d.path, "line": d.line,
                     "secret": d.shown(redact), "reason": d.reason} for d in report.dropped],
        "baseline_written": report.baseline_written,
    }


def render(report: ScanReport, redact: bool = True) -> str:
    return json.dumps(report_dict(report, redact), indent=2, ensure_ascii=False) + "\n"
