"""Reading pytest's JUnit XML (``-o junit_family=xunit1`` for the file attribute)
into test cases with node ids, outcomes and durations."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal
from xml.etree import ElementTree

from pitstop.errors import TestRunError

Outcome = Literal["passed", "failed", "error", "skipped"]


@dataclasses.dataclass(frozen=True)
class TestCase:
    """One test as pytest reported it.  ``duration`` covers setup, call and teardown."""

    __test__ = False  # not a pytest test class

    nodeid: str
    outcome: Outcome
    duration: float
    message: str = ""


def _nodeid(classname: str, name: str, file: str | None) -> str:
    if not file:
        return f"{classname}::{name}" if classname else name
    file = file.replace("\\", "/")
    module = file.removesuffix(".py").replace("/", ".")
    if not classname and name == module:  # a module that failed to collect
        return file
    rest = classname[len(module):].lstrip(".") if classname.startswith(module) else ""
    parts = [file, *(p for p in rest.split(".") if p), name]
    return "::".join(parts)


def parse_junit(path: Path) -> tuple[list[TestCase], float]:
    """The test cases in a JUnit XML file and the suite's own duration in seconds."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as exc:
        raise TestRunError(f"{path}: cannot read pytest's JUnit report: {exc}") from exc
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    cases: list[TestCase] = []
    total = 0.0
    for suite in suites:
        total += float(suite.get("time") or 0.0)
        for case in suite.iter("testcase"):
            if not case.get("name"):  # the placeholder pytest writes when interrupted
                continue
            outcome: Outcome = "passed"
            message = ""
            for child in case:
                if child.tag in ("failure", "error", "skipped"):
                    outcome = "failed" if child.tag == "failure" else (
                        "error" if child.tag == "error" else "skipped")
                    message = (child.get("message") or (child.text or "")).strip()
                    if message == "collection failure":  # say why: the last "E   " line
                        said = [ln[1:].strip() for ln in (child.text or "").splitlines()
                                if ln.startswith("E ")]
                        message = f"collection failure: {said[-1]}" if said else message
                    if outcome != "skipped":
                        break
            cases.append(TestCase(
                _nodeid(case.get("classname") or "", case.get("name") or "", case.get("file")),
                outcome, float(case.get("time") or 0.0), message[:2000],
            ))
    return cases, total
