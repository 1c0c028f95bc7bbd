"""The report as SARIF 2.1.0, for code-scanning uploads (GitHub, GitLab, Azure DevOps).

One rule per finding id used, with its title, usual fix and a ``security-severity``
score (GitHub's ranking); one result per finding.  Findings in a file point at it
(and its line); the others — a role, a Redis server, an installed package — carry a
logical location naming the object and, so that code-scanning services accept them,
a physical location at the project's configuration file.  Accepted findings are
included with an ``external`` suppression whose justification is the baseline
entry's reason.  Sections that could not run are tool execution notifications.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from pitstop import __version__
from pitstop.audit.model import AuditReport, Finding
from pitstop.audit.rules import RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/pitstop-dev/pitstop/blob/main/docs/audit.md"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}


def _rule(rule_id: str) -> dict[str, Any]:
    rule = RULES[rule_id]
    return {
        "id": rule.id,
        "name": "".join(w.capitalize() for w in rule.title.replace("'", "").split()
                        if w.isalnum()),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": f"{rule.title} ({rule.section} section of pitstop audit)"},
        "help": {"text": f"Fix: {rule.fix}."},
        "helpUri": f"{INFORMATION_URI}#findings",
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["security", rule.section],
                       "security-severity": SECURITY_SEVERITY[rule.severity]},
    }


def _location(finding: Finding, config: str | None) -> dict[str, Any]:
    location: dict[str, Any] = {}
    uri = finding.path or config
    if uri is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": quote(uri, safe="/"),
                                                         "uriBaseId": "%SRCROOT%"}}
        if finding.path is not None and finding.line:
            physical["region"] = {"startLine": finding.line}
        location["physicalLocation"] = physical
    location["logicalLocations"] = [{"name": finding.object, "kind": "resource"}]
    return location


def _result(finding: Finding, index: int, config: str | None) -> dict[str, Any]:
    digest = hashlib.sha256(f"{finding.id}\0{finding.key}".encode()).hexdigest()
    result: dict[str, Any] = {
        "ruleId": finding.id,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding.object}: {finding.problem}. Fix: {finding.fix}."},
        "locations": [_location(finding, config)],
        "partialFingerprints": {"pitstopAudit/v1": digest},
        "properties": {"severity": finding.severity, "section": finding.section,
                       "security-severity": SECURITY_SEVERITY[finding.severity],
                       "status": finding.status},
    }
    if finding.status == "accepted":
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": finding.reason or ""}]
    return result


def sarif_report(report: AuditReport, config: str | None = None) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log (``config``: the project's configuration file,
    relative to the project, for findings not in a file)."""
    order: list[str] = []
    for finding in report.findings:
        if finding.id not in order:
            order.append(finding.id)
    index = {rule_id: i for i, rule_id in enumerate(order)}
    notifications = [{"level": "error", "message": {"text": f"{s.name}: {s.reason}"}}
                     for s in report.errors]
    invocation: dict[str, Any] = {"executionSuccessful": not report.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pitstop audit", "version": __version__,
                                "informationUri": INFORMATION_URI,
                                "rules": [_rule(r) for r in order]}},
            "results": [_result(f, index[f.id], config) for f in report.findings],
            "invocations": [invocation],
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The project "
                                                                         "directory."}}},
        }],
    }
