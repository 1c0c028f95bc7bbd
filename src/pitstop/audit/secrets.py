"""The secrets section: pitstop's secret scanner over the project's tree, with the
``[scan]`` settings (rules, excludes, its own baseline).

Each secret is one ``PS-SEC-001`` finding named by file, line and rule; the secret
itself never leaves the scanner's report.  Its baseline key is the scanner's own
fingerprint (rule, path and the secret's SHA-256), so it survives edits around it.
"""

from __future__ import annotations

import time

from pitstop.audit.context import AuditContext
from pitstop.audit.model import SectionResult
from pitstop.audit.rules import RULES


def audit_secrets(ctx: AuditContext) -> SectionResult:
    """Scan the project's tracked files (the directory outside git) for secrets."""
    from pitstop.scan import NothingScannedError, ScanOptions, scan_secrets

    started = time.perf_counter()
    environ = dict(ctx.environ) or None
    options = ScanOptions.from_settings(ctx.settings, root=ctx.project_dir, env=environ,
                                        progress=ctx.scan_progress)
    try:
        report = scan_secrets(options)
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
