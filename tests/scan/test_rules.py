"""Every built-in rule: its examples match, its look-alikes do not."""

from __future__ import annotations

import re

import pytest

from pitstop.scan.detector import Origin
from pitstop.scan.files import FileResult, scan_text
from pitstop.scan.rule import Rule
from pitstop.scan.rules import builtin_rules
from pitstop.scan.ruleset import load_ruleset

RULES = builtin_rules()
CANDIDATE_PATHS = ("example.txt", "config/settings.yaml", ".pypirc", "app.env")


def _path_for(rule: Rule) -> str:
    if rule.path is None:
        return "example.txt"
    return next(p for p in CANDIDATE_PATHS if re.search(rule.path, p))


def _rules_found(text: str, path: str) -> set[str]:
    result = FileResult()
    scan_text(load_ruleset(), text.encode(), Origin(path), False, result)
    return {f.rule for f in result.findings}


def test_catalogue_breadth_and_shape() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) >= 200
    assert len(set(ids)) == len(ids)
    for rule in RULES:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", rule.id), rule.id
        assert rule.description and rule.regex
        assert rule.examples and rule.counter_examples, rule.id
        assert rule.keywords or rule.id in {"airtable-pat", "telnyx-api-key",
                                             "twilio-api-key", "resend-api-key"}, rule.id


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_examples(rule: Rule) -> None:
    path = _path_for(rule)
    for example in rule.examples:
        assert rule.id in _rules_found(example, path), f"{rule.id} missed {example[:60]!r}"
    for example in rule.counter_examples:
        assert rule.id not in _rules_found(example, path), f"{rule.id} fired on {example!r}"


def test_examples_survive_surrounding_code() -> None:
    """A secret in the middle of a longer file is found on the right line and column."""
    rule = next(r for r in RULES if r.id == "github-pat")
    text = "import os\n\n\nclient = make(token='" + rule.examples[0] + "')\n"
    result = FileResult()
    scan_text(load_ruleset(), text.encode(), Origin("app.py"), False, result)
    (finding,) = [f for f in result.findings if f.rule == "github-pat"]
    assert (finding.line, finding.column) == (4, 22)
    assert finding.end_column == 22 + len(rule.examples[0])


def test_every_builtin_pattern_compiles_with_re2() -> None:
    from pitstop.scan.rule import compile_rules
    from pitstop.scan.rules import default_allowlists

    ruleset = compile_rules(RULES, default_allowlists(), validate=True)
    assert len(ruleset) == len(RULES)
    assert all(rule.pattern is not None for rule in ruleset.rules)
