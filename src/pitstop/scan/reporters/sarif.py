"""SARIF 2.1.0 for code-scanning uploads (GitHub, GitLab, Azure DevOps)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from pitstop import __version__
from pitstop.scan.model import Finding, ScanReport, secret_hash

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/pitstop-dev/pitstop/blob/main/docs/scan.md"


def artifact_uri(path: str) -> str:
    """``path`` as a relative URI reference: spaces, ``#``, ``%`` and non-ASCII
    characters percent-encoded (UTF-8), ``/`` kept."""
    return quote(path, safe="/")


def _result(finding: Finding, rule_index: int, redact: bool) -> dict[str, Any]:
    region: dict[str, Any] = {
        "startLine": max(finding.line, 1),
        "startColumn": max(finding.column, 1),
        "endColumn": max(finding.end_column, finding.column + 1),
        "snippet": {"text": finding.shown_match(redact)},
    }
    breaks = finding.secret.count("\n")
    if breaks:  # a multi-line secret (a PEM body) ends on a later line
        region["endLine"] = region["startLine"] + breaks
        region["endColumn"] = len(finding.secret.rsplit("\n", 1)[1]) + 1
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": "error",
        "message": {"text": f"{finding.description}: {finding.shown(redact)}"},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": artifact_uri(finding.path),
                                     "uriBaseId": "%SRCROOT%"},
                "region": region,
            },
        }],
        "partialFingerprints": {"secretHash/v1": secret_hash(finding.secret)},
    }
    if finding.commit:
        result["properties"] = {"commit": finding.commit, "author": finding.author,
                                "date": finding.date}
    return result


def sarif_dict(report: ScanReport, redact: bool = True) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for finding in report.findings:
        if finding.rule not in index:
            index[finding.rule] = len(rules)
            rules.append({
                "id": finding.rule,
                "name": "".join(part.title() for part in finding.rule.split("-")),
                "shortDescription": {"text": finding.description},
                "fullDescription": {"text": f"{finding.description} committed to the repository"},
                "help": {"text": "Revoke and rotate the secret, then remove it from the code "
                                 "(and history); accept a false positive with `pitstop:allow` "
                                 "or the baseline."},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["security", "secret", *finding.tags]},
            })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pitstop", "version": __version__,
                                "informationUri": INFORMATION_URI, "rules": rules}},
            "results": [_result(f, index[f.rule], redact) for f in report.findings],
            "invocations": [{"executionSuccessful": True}],
            "columnKind": "unicodeCodePoints",
        }],
    }


def render(report: ScanReport, redact: bool = True) -> str:
    return json.dumps(sarif_dict(report, redact), indent=2, ensure_ascii=False) + "\n"
