"""Secret scanning: a tree, the staged blobs, git history or standard input.

::

    from pitstop.registry import load_settings
    from pitstop.scan import secrets

    settings = load_settings(Path("."), env=os.environ)
    report = secrets(settings)                  # or root=…, paths=…, staged=True, history="HEAD"
    for finding in report.findings:
        print(finding.path, finding.line, finding.rule, finding.shown())

:func:`secrets` is the one entry point for "scan this tree with these settings" (the
CLI, the ``scan-secrets`` task and other capabilities call it).  Findings are results,
never exceptions.  Errors are :class:`~pitstop.errors.ConfigError` (bad rules, bad
baseline, nothing scanned), :class:`~pitstop.errors.DependencyError` (git missing) or
:class:`~pitstop.errors.UsageError`.

Importing this package is cheap: each name loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.scan.engine import NothingScannedError
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
    from pitstop.scan.verbs import RuleList, list_rules, secrets

_EXPORTS: dict[str, str] = {
    "Allowlist": "pitstop.scan.rule",
    "BaselineEntry": "pitstop.scan.model",
    "Dropped": "pitstop.scan.model",
    "Finding": "pitstop.scan.model",
    "NothingScannedError": "pitstop.scan.engine",
    "Rule": "pitstop.scan.rule",
    "RuleList": "pitstop.scan.verbs",
    "ScanReport": "pitstop.scan.model",
    "ScanStats": "pitstop.scan.model",
    "Skipped": "pitstop.scan.model",
    "builtin_rules": "pitstop.scan.rules",
    "list_rules": "pitstop.scan.verbs",
    "redact_secret": "pitstop.scan.model",
    "secrets": "pitstop.scan.verbs",
}

__all__ = [
    "Allowlist",
    "BaselineEntry",
    "Dropped",
    "Finding",
    "NothingScannedError",
    "Rule",
    "RuleList",
    "ScanReport",
    "ScanStats",
    "Skipped",
    "builtin_rules",
    "list_rules",
    "redact_secret",
    "secrets",
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
