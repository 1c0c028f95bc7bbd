"""The built-in ``audit`` workflow task."""

from __future__ import annotations

from pitstop.audit.runner import run_audit
from pitstop.capability import TaskContext, TaskOutcome


def audit_task(ctx: TaskContext) -> TaskOutcome:
    """Run the audit with the ``[audit]`` settings and the baseline.

    A reported finding at or above ``[audit] fail_on`` fails the task (exit 1); a
    section that could not run fails it with that section's exit code.  ``data`` is
    the report's ``to_dict()`` (its ``counts`` are what ``pitstop_audit_findings``
    exports).  Auditing changes nothing, so a dry run audits too.
    """
    report = run_audit(ctx.settings)
    for finding in report.reported:
        ctx.log.warning("%s %s %s: %s", finding.severity, finding.id, finding.object,
                        finding.problem)
    for section in report.errors:
        ctx.log.error("%s: %s", section.name, section.reason)
    code = report.exit_code
    reported = len(report.reported)
    summary = (f"{reported} finding{'s' if reported != 1 else ''}, {report.failing} at or "
               f"above {report.fail_on}")
    if report.errors:
        names = ", ".join(s.name for s in report.errors)
        return TaskOutcome("failed", code, f"{summary}; could not audit {names}",
                           report.to_dict())
    return TaskOutcome("failed" if code else "success", code, summary, report.to_dict())
