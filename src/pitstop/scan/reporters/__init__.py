"""Reporters: one module per output format, each ``render(report, redact) -> str``.

Every reporter redacts secrets unless ``redact`` is false (``--no-redact``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pitstop.scan.model import ScanReport
from pitstop.scan.reporters import json_report, junit, sarif, text

Format = Literal["text", "json", "sarif", "junit"]
FORMATS: dict[str, Callable[[ScanReport, bool], str]] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
}


def render(report: ScanReport, fmt: str = "text", redact: bool = True) -> str:
    """The report in ``fmt`` (text, json, sarif or junit)."""
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; known: {', '.join(FORMATS)}") from None
    return renderer(report, redact)


__all__ = ["FORMATS", "Format", "render"]
