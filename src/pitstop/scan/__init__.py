"""Secret scanning: a tree, the staged blobs, git history or standard input.

::

    from pitstop.scan import ScanOptions, scan_secrets

    report = scan_secrets(ScanOptions(root=Path(".")))
    for finding in report.findings:
        print(finding.path, finding.line, finding.rule, finding.shown())

Findings are results, never exceptions.  Errors are :class:`~pitstop.errors.ConfigError`
(bad rules, bad baseline, nothing scanned), :class:`~pitstop.errors.DependencyError`
(git missing) or :class:`~pitstop.errors.UsageError`.

Importing this package is cheap: each name loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.scan.engine import NothingScannedError, ScanOptions, scan_secrets
    from pitstop.scan.model import (
        BaselineEntry,
        Dropped,
        Finding,
        ScanReport,
        ScanStats,
        Skipped,
        redact_secret,
    )
    from pitstop.scan.rule import Allowlist, Rule
    from pitstop.scan.rules import builtin_rules

_EXPORTS: dict[str, str] = {
    "Allowlist": "pitstop.scan.rule",
    "BaselineEntry": "pitstop.scan.model",
    "Dropped": "pitstop.scan.model",
    "Finding": "pitstop.scan.model",
    "NothingScannedError": "pitstop.scan.engine",
    "Rule": "pitstop.scan.rule",
    "ScanOptions": "pitstop.scan.engine",
    "ScanReport": "pitstop.scan.model",
    "ScanStats": "pitstop.scan.model",
    "Skipped": "pitstop.scan.model",
    "builtin_rules": "pitstop.scan.rules",
    "redact_secret": "pitstop.scan.model",
    "scan_secrets": "pitstop.scan.engine",
}

__all__ = [
    "Allowlist",
    "BaselineEntry",
    "Dropped",
    "Finding",
    "NothingScannedError",
    "Rule",
    "ScanOptions",
    "ScanReport",
    "ScanStats",
    "Skipped",
    "builtin_rules",
    "redact_secret",
    "scan_secrets",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pitstop.scan' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
