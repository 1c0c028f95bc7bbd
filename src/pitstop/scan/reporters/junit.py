"""JUnit XML: one failing test case per finding, for CI systems that show test reports."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from pitstop.scan.model import ScanReport
from pitstop.scan.reporters.text import finding_line


def render(report: ScanReport, redact: bool = True) -> str:
    findings = report.findings
    suites = ET.Element("testsuites", name="pitstop scan secrets")
    suite = ET.SubElement(
        suites, "testsuite", name="pitstop.scan.secrets",
        tests=str(max(len(findings), 1)), failures=str(len(findings)), errors="0",
        skipped="0", time=f"{report.stats.seconds:.3f}",
    )
    if not findings:
        ET.SubElement(suite, "testcase", classname="pitstop.scan", name="no secrets found",
                      time=f"{report.stats.seconds:.3f}")
    for finding in findings:
        case = ET.SubElement(suite, "testcase", classname=finding.path,
                             name=f"{finding.rule} at line {finding.line}", time="0")
        failure = ET.SubElement(case, "failure", type=finding.rule,
                                message=f"{finding.description}: {finding.shown(redact)}")
        failure.text = finding_line(finding, redact)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
