"""``pitstop audit``: leaked secrets, vulnerable dependencies, risky settings of the
database, Redis and files, in one report.

::

    from pitstop.audit import run_audit
    from pitstop.registry import load_settings

    report = run_audit(load_settings(), only=["deps", "database"])
    for finding in report.reported:
        print(finding.severity, finding.id, finding.object, finding.problem)

Findings are results, never exceptions; ``report.exit_code`` is 1 when one at or
above ``fail_on`` is not accepted by the baseline.  A section that cannot run (a
server that does not answer, a missing extra) is an ``error`` entry of the report
with its own exit code.

Importing this package is cheap: each name loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.audit.model import AuditReport, Finding, SectionResult
    from pitstop.audit.rules import RULES, Rule
    from pitstop.audit.runner import run_audit
    from pitstop.audit.sarif import sarif_report
    from pitstop.audit.settings import AuditSettings

_EXPORTS: dict[str, str] = {
    "AuditReport": "pitstop.audit.model",
    "AuditSettings": "pitstop.audit.settings",
    "Finding": "pitstop.audit.model",
    "RULES": "pitstop.audit.rules",
    "Rule": "pitstop.audit.rules",
    "SectionResult": "pitstop.audit.model",
    "run_audit": "pitstop.audit.runner",
    "sarif_report": "pitstop.audit.sarif",
}

__all__ = ["RULES", "AuditReport", "AuditSettings", "Finding", "Rule", "SectionResult",
           "run_audit", "sarif_report"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pitstop.audit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
