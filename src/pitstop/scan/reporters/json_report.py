"""JSON: ``{"version", "mode", "findings": [...], "stats": {...}, ...}`` — the layout
is :meth:`pitstop.scan.model.ScanReport.as_dict`, documented in docs/scan.md."""

from __future__ import annotations

import json

from pitstop.scan.model import ScanReport


def render(report: ScanReport, redact: bool = True) -> str:
    return json.dumps(report.as_dict(redact), indent=2, ensure_ascii=False) + "\n"
