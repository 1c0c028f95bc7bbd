"""The built-in ``scan-secrets`` workflow task: the ``scan secrets`` verb on the project."""

from __future__ import annotations

from pitstop.capability import TaskContext, TaskOutcome
from pitstop.redact import register_secret
from pitstop.scan.verbs import secrets


def scan_secrets_task(ctx: TaskContext) -> TaskOutcome:
    """Scan the project's tracked files with the ``[scan]`` settings (the same verb as
    ``pitstop scan secrets``).

    Findings fail the task (exit 1); ``data`` is the report's ``to_dict()``: redacted
    findings, counts per rule (``findings_by_rule``, exported as
    ``pitstop_scan_findings{rule}``) and the statistics — never a secret.  Scanning
    changes nothing, so a dry run scans too.
    """
    report = secrets(ctx.settings)
    for finding in report.findings:
        register_secret(finding.secret)  # masked in every later log line, whoever logs it
        ctx.log.warning("%s:%d:%d: %s %s", finding.path, finding.line, finding.column,
                        finding.rule, finding.shown())
    for entry in report.stale:
        ctx.log.info("stale baseline entry: %s %s", entry.rule, entry.path)
    stats = report.stats
    if report.findings:
        count = len(report.findings)
        return TaskOutcome(status="failed", exit_code=report.exit_code,
                           message=f"{count} secret{'s' if count != 1 else ''} found",
                           data=report.to_dict())
    return TaskOutcome(status="success", exit_code=report.exit_code,
                       message=f"no secrets in {stats.files} files", data=report.to_dict())
