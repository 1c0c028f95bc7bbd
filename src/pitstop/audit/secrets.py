"""The secrets section: pitstop's secret scanner over the project's tree, with the
``[scan]`` settings (rules, excludes, its own baseline).

Each secret is one ``PS-SEC-001`` finding named by file, line and rule; the secret
itself never leaves the scanner's report.  Its baseline key is the scanner's own
fingerprint (rule, path and the secret's SHA-256), so it survives edits around it.
"""

from __future__ import annotations

import time
from typing import Any

from pitstop.audit.context import AuditContext
from pitstop.audit.model import SectionResult
from pitstop.audit.rules import RULES


def _scan(ctx: AuditContext) -> Any:
    """The scanner's report for the project's tree, through the ``scan secrets`` verb
    (recorded as this audit's child run)."""
    from pitstop.scan import secrets

    return secrets(ctx.settings, root=ctx.project_dir, progress=ctx.scan_progress)


def audit_secrets(ctx: AuditContext) -> SectionResult:
    """Scan the project's tracked files (the directory outside git) for secrets."""
    from pitstop.scan import NothingScannedError

    started = time.perf_counter()
    try:
        report = _scan(ctx)
    except NothingScannedError as exc:
        return SectionResult("secrets", "ok", notes=(f"nothing to scan: {exc.message}",),
                             seconds=time.perf_counter() - started)
    rule = RULES["PS-SEC-001"]
    findings = tuple(
        rule.finding(f"{f.path}:{f.line}", f"{f.description} (rule {f.rule})",
                     key=f.fingerprint, path=f.path, line=f.line,
                     details={"rule": f.rule, "column": f.column})
        for f in report.findings)
    stats = report.stats
    checked = [f"{stats.files} files ({stats.bytes} bytes) with {stats.rules} rules"]
    if stats.baselined:
        checked.append(f"{stats.baselined} accepted by the scan baseline")
    notes: tuple[str, ...] = ()
    if report.skipped:
        first = report.skipped[0]
        notes = (f"{len(report.skipped)} files not scanned (first: {first.path}, "
                 f"{first.reason})",)
    return SectionResult("secrets", "ok", findings, tuple(checked), notes,
                         seconds=time.perf_counter() - started)
