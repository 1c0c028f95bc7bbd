"""Secret scanning: a tree, the staged blobs, git history or standard input.

::

    from pitstop.scan import ScanOptions, scan_secrets

    report = scan_secrets(ScanOptions(root=Path(".")))
    for finding in report.findings:
        print(finding.path, finding.line, finding.rule, finding.shown())

Findings are results, never exceptions.  Errors are :class:`~pitstop.errors.ConfigError`
(bad rules, bad baseline, nothing scanned), :class:`~pitstop.errors.DependencyError`
(git missing) or :class:`~pitstop.errors.UsageError`.
"""

from __future__ import annotations

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
