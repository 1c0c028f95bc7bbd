"""`pitstop audit` through the CLI entry point: exit codes, formats (SARIF 2.1.0 checked
against the schema), the baseline flags, the history record, the metric and the
built-in task."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pitstop.cli.main import main
from pitstop.metrics import render_metrics
from pitstop.state.store import StateStore

# The SARIF 2.1.0 schema (OASIS, sarif-schema-2.1.0.json) as far as this report uses
# it: required properties, types, enumerations, and no property outside the standard's
# for the objects written here.
_MESSAGE = {"type": "object", "required": ["text"], "additionalProperties": False,
            "properties": {"text": {"type": "string"}}}
_PROPERTY_BAG = {"type": "object"}
SARIF_SCHEMA = {
    "type": "object",
    "required": ["version", "runs"],
    "additionalProperties": False,
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/run"}},
    },
    "definitions": {
        "run": {
            "type": "object", "required": ["tool"], "additionalProperties": False,
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "additionalProperties": False,
                         "properties": {"driver": {"$ref": "#/definitions/driver"}}},
                "results": {"type": "array", "items": {"$ref": "#/definitions/result"}},
                "invocations": {"type": "array", "items": {"$ref": "#/definitions/invocation"}},
                "originalUriBaseIds": {"type": "object", "additionalProperties": {
                    "type": "object", "properties": {"description": _MESSAGE}}},
            },
        },
        "driver": {
            "type": "object", "required": ["name"], "additionalProperties": False,
            "properties": {
                "name": {"type": "string"}, "version": {"type": "string"},
                "informationUri": {"type": "string", "format": "uri"},
                "rules": {"type": "array", "uniqueItems": True,
                          "items": {"$ref": "#/definitions/rule"}},
            },
        },
        "rule": {
            "type": "object", "required": ["id"], "additionalProperties": False,
            "properties": {
                "id": {"type": "string"}, "name": {"type": "string"},
                "shortDescription": _MESSAGE, "fullDescription": _MESSAGE, "help": _MESSAGE,
                "helpUri": {"type": "string", "format": "uri"},
                "defaultConfiguration": {"type": "object", "additionalProperties": False,
                                         "properties": {"level": {"$ref": "#/definitions/level"}}},
                "properties": _PROPERTY_BAG,
            },
        },
        "level": {"enum": ["none", "note", "warning", "error"]},
        "result": {
            "type": "object", "required": ["message"], "additionalProperties": False,
            "properties": {
                "ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": -1},
                "level": {"$ref": "#/definitions/level"},
                "message": _MESSAGE,
                "locations": {"type": "array", "items": {"$ref": "#/definitions/location"}},
                "partialFingerprints": {"type": "object",
                                        "additionalProperties": {"type": "string"}},
                "suppressions": {"type": "array", "items": {
                    "type": "object", "required": ["kind"], "additionalProperties": False,
                    "properties": {"kind": {"enum": ["inSource", "external"]},
                                   "status": {"enum": ["accepted", "underReview", "rejected"]},
                                   "justification": {"type": "string"}}}},
                "properties": _PROPERTY_BAG,
            },
        },
        "location": {
            "type": "object", "additionalProperties": False,
            "properties": {
                "physicalLocation": {
                    "type": "object", "additionalProperties": False,
                    "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
                    "properties": {
                        "artifactLocation": {"type": "object", "additionalProperties": False,
                                             "properties": {
                                                 "uri": {"type": "string",
                                                         "format": "uri-reference"},
                                                 "uriBaseId": {"type": "string"}}},
                        "region": {"type": "object", "additionalProperties": False,
                                   "properties": {"startLine": {"type": "integer",
                                                                "minimum": 1}}},
                    }},
                "logicalLocations": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False,
                    "properties": {"name": {"type": "string"}, "kind": {"type": "string"}}}},
            },
        },
        "invocation": {
            "type": "object", "required": ["executionSuccessful"], "additionalProperties": False,
            "properties": {
                "executionSuccessful": {"type": "boolean"},
                "toolExecutionNotifications": {"type": "array", "items": {
                    "type": "object", "required": ["message"], "additionalProperties": False,
                    "properties": {"level": {"$ref": "#/definitions/level"},
                                   "message": _MESSAGE}}},
            },
        },
    },
}


@pytest.fixture
def risky(project: Path) -> Path:
    """The current directory: a project whose .env is readable by others (high)."""
    (project / "pitstop.toml").write_text('[audit]\nsections = ["files"]\n')
    os.chmod(project / "pitstop.toml", 0o600)
    (project / ".env").write_text("SECRET_KEY=Wq8-not-a-placeholder\n")
    os.chmod(project / ".env", 0o644)
    return project


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["audit", *args])
    return code, json.loads(capsys.readouterr().out)


def test_exit_codes_and_text(risky: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit"]) == 1
    captured = capsys.readouterr()
    assert "PS-FILE-001" in captured.out and "chmod 600 the file" in captured.out
    assert "files: " in captured.err and "at or above high" in captured.err
    assert main(["audit", "--fail-on", "critical"]) == 0


def test_json(risky: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = _json(capsys, "--json")
    assert code == data["exit_code"] == 1
    assert set(data) >= {"sections", "findings", "counts", "failing", "fail_on", "baseline"}
    finding = next(f for f in data["findings"] if f["id"] == "PS-FILE-001")
    assert set(finding) >= {"id", "severity", "section", "object", "problem", "fix", "key",
                            "status"}
    assert (finding["object"], finding["severity"], finding["status"]) == (".env", "high", "new")
    again = _json(capsys, "--format", "json")[1]
    assert again["findings"] == data["findings"]


def test_sarif_validates_against_the_2_1_0_schema(
        risky: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (risky / ".pitstop").mkdir(exist_ok=True)
    os.chmod(risky / ".pitstop", 0o755)
    assert main(["audit", "--update-baseline", "--reason", "dev box", "--only", "files"]) == 0
    (risky / "db.sql").write_text("x")
    os.chmod(risky / "db.sql", 0o644)
    assert main(["audit", "--format", "sarif", "-o", "audit.sarif"]) == 1
    data = json.loads((risky / "audit.sarif").read_text())
    jsonschema.validate(data, SARIF_SCHEMA, format_checker=jsonschema.FormatChecker())
    run = data["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert sorted(rules) == ["PS-FILE-001", "PS-FILE-003", "PS-FILE-004"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
    by_id = {r["ruleId"]: r for r in run["results"]}
    assert by_id["PS-FILE-001"]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "dev box"}]
    assert "suppressions" not in by_id["PS-FILE-003"]
    dump = by_id["PS-FILE-003"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert dump == {"uri": "db.sql", "uriBaseId": "%SRCROOT%"}
    state = by_id["PS-FILE-004"]["locations"][0]  # not a file: the config file, logically .pitstop/
    assert state["physicalLocation"]["artifactLocation"]["uri"] == "pitstop.toml"
    assert state["logicalLocations"] == [{"name": ".pitstop/", "kind": "resource"}]
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_baseline_flags(risky: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--update-baseline"]) == 3
    assert "--update-baseline needs --reason" in capsys.readouterr().err
    assert main(["audit", "--reason", "x"]) == 3
    future = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    assert main(["audit", "--update-baseline", "--reason", "vault next week",
                 "--expires", future]) == 0
    assert f"expires = {future}" in (risky / "audit-baseline.toml").read_text()
    assert main(["audit"]) == 0
    assert "accepted by audit-baseline.toml" in capsys.readouterr().err
    text = (risky / "audit-baseline.toml").read_text().replace(future, "2020-01-01")
    (risky / "audit-baseline.toml").write_text(text)
    assert main(["audit"]) == 1
    assert "baseline entry expired 2020-01-01: vault next week" in capsys.readouterr().out
    assert main(["audit", "--baseline", "missing.toml"]) == 3
    assert main(["audit", "--expires", "tomorrow", "--update-baseline", "--reason", "x"]) == 3


def test_bad_usage(risky: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--only", "secrets,dns"]) == 3
    assert "unknown section 'dns'" in capsys.readouterr().err


def test_recorded_in_the_history_and_exported_as_a_metric(
        risky: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit"]) == 1
    capsys.readouterr()
    assert main(["history", "--json", "--capability", "audit"]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    assert (run["target"], run["exit_code"], run["trigger"]) == ("audit run", 1, "cli")
    assert run["result"]["counts"]["files"]["high"] == 1
    with StateStore.open(f"sqlite:///{risky / '.pitstop' / 'state.db'}") as store:
        prom = render_metrics(store)
    assert 'pitstop_audit_findings{section="files",severity="high"} 1.0' in prom
    assert 'pitstop_audit_findings{section="files",severity="low"} 0.0' in prom
    os.chmod(risky / ".env", 0o600)
    os.chmod(risky / ".pitstop", 0o700)
    assert main(["audit"]) == 0
    with StateStore.open(f"sqlite:///{risky / '.pitstop' / 'state.db'}") as store:
        prom = render_metrics(store)
    assert 'pitstop_audit_findings{section="files",severity="high"} 0.0' in prom  # the newest


def test_builtin_task(risky: Path) -> None:
    (risky / "pitstop.toml").write_text('[audit]\nsections = ["files"]\n'
                                        '[metrics]\ntextfile = "out/pitstop.prom"\n'
                                        '[workflows]\nsecurity = ["audit"]\n')
    exe = Path(sys.executable).with_name("pitstop")
    result = subprocess.run([str(exe), "run", "security"], cwd=risky, capture_output=True,
                            text=True, check=False, env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 1, result.stderr
    assert "PS-FILE-001" in result.stderr
    prom = (risky / "out" / "pitstop.prom").read_text()
    assert 'pitstop_audit_findings{section="files",severity="high"} 1.0' in prom


def test_help_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--help"]) == 0
    text = capsys.readouterr().out
    for option in ("--only", "--format", "--fail-on", "--baseline", "--update-baseline",
                   "--reason", "--expires", "--python", "--requirement", "--output"):
        assert option in text


def test_every_format_on_stdout_and_in_a_file(risky: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["audit", "--format", "sarif"]) == 1
    assert json.loads(capsys.readouterr().out)["version"] == "2.1.0"
    assert main(["audit", "-o", "report.txt"]) == 1
    assert capsys.readouterr().out == ""
    text = (risky / "report.txt").read_text()
    assert "[high] PS-FILE-001 .env\n" in text and "  fix: chmod 600 the file\n" in text
    assert main(["audit", "--json", "-o", "report.json"]) == 1
    assert json.loads((risky / "report.json").read_text())["failing"] == 1
