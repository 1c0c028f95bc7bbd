"""Reporters: JSON shape, SARIF 2.1.0 validity, JUnit XML, and redaction everywhere."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from pitstop.scan import ScanReport, redact_secret
from pitstop.scan.reporters import builtin, render

from .conftest import github_token, scan, stripe_key

# The parts of the SARIF 2.1.0 schema (OASIS standard, sarif-schema-2.1.0.json) that a
# result file must satisfy: required properties, their types and enumerations.
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"enum": ["2.1.0"]},
        "runs": {"type": "array", "items": {"$ref": "#/definitions/run"}},
    },
    "definitions": {
        "message": {"type": "object", "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
                    "properties": {"text": {"type": "string"}}},
        "run": {
            "type": "object",
            "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"],
                         "properties": {"driver": {"$ref": "#/definitions/driver"}}},
                "results": {"type": "array", "items": {"$ref": "#/definitions/result"}},
                "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                "invocations": {"type": "array", "items": {
                    "type": "object", "required": ["executionSuccessful"],
                    "properties": {"executionSuccessful": {"type": "boolean"}}}},
            },
        },
        "driver": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "version": {"type": "string"},
                "informationUri": {"type": "string", "format": "uri"},
                "rules": {"type": "array", "uniqueItems": True, "items": {
                    "type": "object", "required": ["id"],
                    "properties": {
                        "id": {"type": "string"},
                        "shortDescription": {"$ref": "#/definitions/multiformatMessage"},
                        "fullDescription": {"$ref": "#/definitions/multiformatMessage"},
                        "help": {"$ref": "#/definitions/multiformatMessage"},
                        "defaultConfiguration": {"type": "object", "properties": {
                            "level": {"enum": ["none", "note", "warning", "error"]}}},
                    }}},
            },
        },
        "multiformatMessage": {"type": "object", "required": ["text"],
                               "properties": {"text": {"type": "string"}}},
        "result": {
            "type": "object",
            "required": ["message"],
            "properties": {
                "ruleId": {"type": "string"},
                "ruleIndex": {"type": "integer", "minimum": -1},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": {"$ref": "#/definitions/message"},
                "locations": {"type": "array", "items": {"$ref": "#/definitions/location"}},
                "partialFingerprints": {"type": "object",
                                        "additionalProperties": {"type": "string"}},
            },
        },
        "location": {"type": "object", "properties": {"physicalLocation": {
            "type": "object",
            "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
            "properties": {
                "artifactLocation": {"type": "object", "properties": {
                    "uri": {"type": "string", "format": "uri-reference"},
                    "uriBaseId": {"type": "string"}}},
                "region": {"type": "object", "properties": {
                    "startLine": {"type": "integer", "minimum": 1},
                    "startColumn": {"type": "integer", "minimum": 1},
                    "endLine": {"type": "integer", "minimum": 1},
                    "endColumn": {"type": "integer", "minimum": 1},
                    "snippet": {"type": "object", "properties": {
                        "text": {"type": "string"}}}}},
            }}}},
    },
}


DB_PASSWORD = "Xq9v" + "T4mZp2Lw"


@pytest.fixture
def report(tree: Path) -> ScanReport:
    (tree / "app.py").write_text(f"A = '{github_token()}'\nB = '{stripe_key()}'\n")
    (tree / "db.env").write_text(f"DATABASE_URL=postgresql://app:{DB_PASSWORD}@db:5432/app\n")
    return scan(tree)


SECRETS = (github_token(), stripe_key(), DB_PASSWORD)


def test_json_shape(report: ScanReport) -> None:
    data = json.loads(render(report, "json"))
    assert set(data) >= {"findings", "stats"}
    assert set(data["stats"]) >= {"files", "bytes", "skipped", "seconds"}
    first = data["findings"][0]
    assert set(first) >= {"rule", "path", "line", "column", "secret", "commit"}
    assert [f["rule"] for f in data["findings"]] == \
        ["github-pat", "stripe-secret-key", "postgres-url-password"]
    assert data["findings"][0]["secret"] == github_token()[:4] + "…"


def test_sarif_is_valid_2_1_0(report: ScanReport) -> None:
    data = json.loads(render(report, "sarif"))
    jsonschema.validate(data, SARIF_SUBSET)
    run = data["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 1 and region["startColumn"] == 6


def test_sarif_without_findings_is_valid(tree: Path) -> None:
    (tree / "a.py").write_text("x = 1\n")
    data = json.loads(render(scan(tree), "sarif"))
    jsonschema.validate(data, SARIF_SUBSET)
    assert data["runs"][0]["results"] == []


def test_junit(report: ScanReport) -> None:
    root = ET.fromstring(render(report, "junit"))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "3"
    cases = suite.findall("testcase")
    assert cases[0].get("classname") == "app.py"
    assert cases[0].find("failure") is not None


@pytest.mark.parametrize("fmt", sorted(builtin()))
def test_redacted_in_every_format(report: ScanReport, fmt: str) -> None:
    text = render(report, fmt)
    for secret in SECRETS:
        assert secret not in text, f"{fmt} leaks {secret[:4]}"
    assert redact_secret(github_token()) in text
    shown = render(report, fmt, redact=False)
    for secret in SECRETS:
        assert secret in shown


def test_short_secrets_show_nothing() -> None:
    assert redact_secret("hunter22") == "…"
    assert redact_secret("hunter22x") == "hunt…"


def test_explain_lists_dropped_candidates(tree: Path) -> None:
    (tree / "settings.py").write_text(
        'password = "changeme-Later-42"\n'
        f'api_key = "{github_token()}"  # pitstop:allow\n'
        "# curl -u deploy:$DEPLOY_PASSWORD https://ci.acme.dev\n"
        f"aws = '{'AKIA' + 'IOSFODNN7EXAMPLE'}'\n"
    )
    report = scan(tree, explain=True)
    assert report.findings == ()
    reasons = {(d.rule, d.reason) for d in report.dropped}
    assert ("generic-password", "placeholder words") in reasons
    assert ("github-pat", "inline marker 'pitstop:allow'") in reasons
    assert ("aws-access-key-id", "rule stopword 'example'") in reasons
    assert ("curl-user-password", "variable reference") in reasons
    text = render(report, "text")
    assert github_token() not in text and "dropped github-pat ghp_…" in text


def test_json_matches_the_schema_in_the_docs(report: ScanReport, tree: Path) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "scan.md").read_text()
    block = docs.split("<!-- report-schema -->", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    schema = json.loads(block)
    jsonschema.validate(json.loads(render(report, "json")), schema)
    (tree / "x.py").write_text('password = "changeme-Later-42"\n')
    explained = scan(tree, tree / "x.py", explain=True)
    jsonschema.validate(json.loads(render(explained, "json")), schema)


def test_sarif_uris_and_multi_line_regions(tree: Path) -> None:
    """A path with a space or non-ASCII characters is percent-encoded (a valid RFC 3986
    URI reference); a PEM body's region ends on its last line, not past the first."""
    import re
    from urllib.parse import unquote

    from pitstop.scan.rules import builtin_rules

    pem = next(r for r in builtin_rules() if r.id == "private-key-rsa").examples[0]
    (tree / "my keys").mkdir()
    (tree / "my keys" / "clé #1.pem").write_text("x\n" + pem + "\n", encoding="utf-8")
    data = json.loads(render(scan(tree), "sarif"))
    jsonschema.validate(data, SARIF_SUBSET)
    (result,) = data["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    uri = location["artifactLocation"]["uri"]
    assert re.fullmatch(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/%]+", uri), uri
    assert unquote(uri) == "my keys/clé #1.pem"
    region = location["region"]
    lines = pem.splitlines()
    body_last = len(lines) - 2  # the line before -----END…
    assert region["startLine"] == 3 and region["endLine"] == 2 + body_last
    assert region["endColumn"] == len(lines[body_last]) + 1
