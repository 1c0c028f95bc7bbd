"""The built-in ``scan-secrets`` workflow task."""

from __future__ import annotations

from pitstop.capability import TaskContext, TaskOutcome
from pitstop.redact import register_secret
from pitstop.scan.engine import ScanOptions, scan_secrets


def scan_secrets_task(ctx: TaskContext) -> TaskOutcome:
    """Scan the project's tracked files with the ``[scan]`` settings.

    Findings fail the task (exit 1); ``data`` holds counts only — per rule
    (``findings_by_rule``, exported as ``pitstop_scan_findings{rule}``), files, bytes —
    never a secret.  Scanning changes nothing, so a dry run scans too.
    """
    options = ScanOptions.from_settings(ctx.settings)
    report = scan_secrets(options)
    for finding in report.findings:
        register_secret(finding.secret)  # masked in every later log line, whoever logs it
        ctx.log.warning("%s:%d:%d: %s %s", finding.path, finding.line, finding.column,
                        finding.rule, finding.shown())
    for entry in report.stale:
        ctx.log.info("stale baseline entry: %s %s", entry.rule, entry.path)
    stats = report.stats
    data = {
        "findings": len(report.findings),
        "findings_by_rule": report.findings_by_rule(),
        "files": stats.files,
        "bytes": stats.bytes,
        "skipped": stats.skipped,
        "baselined": stats.baselined,
        "stale": len(report.stale),
        "seconds": stats.seconds,
    }
    if report.findings:
        count = len(report.findings)
        return TaskOutcome(status="failed", exit_code=1,
                           message=f"{count} secret{'s' if count != 1 else ''} found", data=data)
    return TaskOutcome(status="success", exit_code=0,
                       message=f"no secrets in {stats.files} files", data=data)
