"""Rule files in gitleaks' TOML format: rules, secretGroup, entropy, keywords, path,
allowlists (per rule and global, regexTarget, stopwords, condition), [extend]."""

from __future__ import annotations

from pathlib import Path

import pytest

from pitstop.errors import ConfigError
from pitstop.scan import ScanOptions, scan_secrets
from pitstop.scan.gitleaks import read_gitleaks_config

from .conftest import fake, github_token

CONFIG = r"""
title = "team rules"

[[rules]]
id = "acme-token"
description = "ACME internal token"
regex = '''(?i)\b(acme_(?:live|test)_([a-z0-9]{24}))\b'''
secretGroup = 2
entropy = 3.0
keywords = ["acme_live", "acme_test"]
tags = ["internal"]

  [[rules.allowlists]]
  description = "test tokens are fine"
  regexTarget = "match"
  regexes = ['''acme_test_''']

  [[rules.allowlists]]
  stopwords = ["zzzz"]

[[rules]]
id = "acme-config-key"
description = "ACME key in config files only"
regex = '''acmekey\s*=\s*"([A-Za-z0-9]{20})"'''
path = '''\.cfg$'''
keywords = ["acmekey"]

  [rules.allowlist]
  condition = "AND"
  regexTarget = "line"
  regexes = ['''# reviewed''']
  paths = ['''^legacy/''']

[[rules]]
id = "pem-file"
description = "Certificate bundle committed"
path = '''\.p12$'''

[allowlist]
description = "global"
paths = ['''^vendor/''']

[[allowlists]]
targetRules = ["acme-token"]
regexTarget = "line"
regexes = ['''fixture''']
"""


def _write(tree: Path, name: str, text: str) -> Path:
    path = tree / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _scan(tree: Path, config: Path) -> list[tuple[str, str, str]]:
    report = scan_secrets(ScanOptions(root=tree, rules_file=config, jobs=1))
    return sorted((f.path, f.rule, f.secret) for f in report.findings)


def test_gitleaks_rules_and_allowlists(tree: Path) -> None:
    config = _write(tree, ".gitleaks.toml", CONFIG)
    live = fake("", 24, "abcdefghijklmnopqrstuvwxyz0123456789", seed=1)
    _write(tree, "app.py", f"t = 'acme_live_{live}'\nu = 'acme_test_{live}'\n"
                           f"v = 'acme_live_{live[:20]}zzzz'\nw = 'acme_live_{live}'  # fixture\n")
    _write(tree, "vendor/lib.py", f"t = 'acme_live_{live}'\n")
    key = fake("", 20, seed=2)
    _write(tree, "svc.cfg", f'acmekey = "{key}"\n')
    _write(tree, "svc.txt", f'acmekey = "{key}"\n')  # path does not match the rule
    _write(tree, "legacy/old.cfg", f'acmekey = "{key}"  # reviewed\n')  # AND: both hold
    _write(tree, "other/old.cfg", f'acmekey = "{key}"  # reviewed\n')  # only one holds
    _write(tree, "certs/client.p12", "not really binary")
    _write(tree, "gh.py", f"g = '{github_token()}'\n")  # built-ins are off: no [extend]
    assert _scan(tree, config) == [
        ("app.py", "acme-token", live),
        ("certs/client.p12", "pem-file", ""),
        ("other/old.cfg", "acme-config-key", key),
        ("svc.cfg", "acme-config-key", key),
    ]


def test_extend_use_default_and_disabled_rules(tree: Path) -> None:
    config = _write(tree, "rules.toml", """
[extend]
useDefault = true
disabledRules = ["stripe-secret-key"]

[[rules]]
id = "github-pat"
description = "overridden"
regex = '''ghp_[A-Za-z0-9]{36}'''
keywords = ["ghp_"]
""")
    _write(tree, "a.py", f"g = '{github_token()}'\ns = 'sk_live_{fake('', 30, seed=3)}'\n"
                         f"k = '{fake('AKIA', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}'\n")
    report = scan_secrets(ScanOptions(root=tree, rules_file=config, jobs=1))
    rules = {f.rule: f.description for f in report.findings}
    assert rules == {"github-pat": "overridden", "aws-access-key-id": "AWS access key ID"}


def test_extend_path(tree: Path) -> None:
    _write(tree, "base.toml", '[[rules]]\nid = "base"\nregex = "base_[0-9]{8}"\n'
                              'keywords = ["base_"]\n')
    config = _write(tree, "child.toml", '[extend]\npath = "base.toml"\n')
    _write(tree, "a.txt", "x base_12345678\n")
    assert [f.rule for f in scan_secrets(ScanOptions(root=tree, rules_file=config,
                                                     paths=(tree / "a.txt",))).findings] \
        == ["base"]


@pytest.mark.parametrize(("text", "message"), [
    ('[[rules]]\nid = "x"\nregex = "(?<=a)b"\n', "invalid RE2"),
    ('[[rules]]\nid = "x"\nregex = "a{5000}"\n', "invalid RE2"),
    ('[[rules]]\ndescription = "no id"\nregex = "a"\n', "needs an id"),
    ('[[rules]]\nid = "x"\nregex = "a"\nsecretGroup = "one"\n', "secretGroup"),
    ('[[rules]]\nid = "x"\nregex = "a"\nentropie = 3\n', "unknown key 'entropie'"),
    ('[[rules]]\nid = "x"\nregex = "a"\n[rules.allowlist]\nregexTarget = "file"\n',
     "regexTarget"),
    ('[[rules]]\nid = "x"\n', "regex, a path or both"),
    ('[[rules]]\nid = "x"\nregex = "a"\n[[rules]]\nid = "x"\nregex = "b"\n', None),
    ("rules = [", "invalid TOML"),
    ("title = 'empty'\n", "no rules"),
])
def test_bad_configs_are_config_errors(tree: Path, text: str, message: str | None) -> None:
    config = _write(tree, "bad.toml", text)
    _write(tree, "a.txt", "aaaa")
    if message is None:  # a later rule with the same id replaces the earlier one
        assert {r.id for r in read_gitleaks_config(config).rules} == {"x"}
        return
    with pytest.raises(ConfigError, match=message) as info:
        scan_secrets(ScanOptions(root=tree, rules_file=config))
    assert info.value.exit_code == 3
    assert "bad.toml" in str(info.value)


def test_missing_rule_file(tree: Path) -> None:
    with pytest.raises(ConfigError, match="rule file not found"):
        scan_secrets(ScanOptions(root=tree, rules_file=tree / "nope.toml"))


def test_a_rule_with_a_known_id_changes_the_built_in_rule(tree: Path) -> None:
    """gitleaks' [extend] semantics: the same id merges into the base rule (given fields
    replace, keywords/tags/allowlists add up), so an id plus an allowlist quiets one
    built-in rule without rewriting its regex."""
    config = _write(tree, "rules.toml", """
[extend]
useDefault = true

[[rules]]
id = "github-pat"
tags = ["team"]
  [[rules.allowlists]]
  regexTarget = "line"
  regexes = ['''# ci fixture''']

[[allowlists]]
targetRules = ["stripe-secret-key"]
paths = ['''^billing/sandbox/''']
""")
    stripe = "sk_live_" + fake("", 30, seed=3)
    _write(tree, "a.py", f"g = '{github_token(1)}'\nh = '{github_token(2)}'  # ci fixture\n")
    _write(tree, "billing/sandbox/k.py", f"s = '{stripe}'\n")
    _write(tree, "billing/live/k.py", f"s = '{stripe}'\n")
    report = scan_secrets(ScanOptions(root=tree, rules_file=config, jobs=1))
    found = sorted((f.path, f.rule, f.line) for f in report.findings)
    assert found == [("a.py", "github-pat", 1), ("billing/live/k.py", "stripe-secret-key", 1)]
    github = next(f for f in report.findings if f.rule == "github-pat")
    assert github.description == "GitHub personal access token (classic)"  # kept
    assert "team" in github.tags


def test_a_rule_with_a_known_id_changes_the_rule_of_the_extended_file(tree: Path) -> None:
    _write(tree, "base.toml", '[[rules]]\nid = "base"\ndescription = "base token"\n'
                              'regex = "base_([0-9]{8})"\nkeywords = ["base_"]\n')
    config = _write(tree, "child.toml", '[extend]\npath = "base.toml"\n\n'
                    '[[rules]]\nid = "base"\nentropy = 2.0\n'
                    '[[allowlists]]\ntargetRules = ["base"]\nstopwords = ["777"]\n')
    _write(tree, "a.txt", "x base_12345678\ny base_11111111\nz base_12377745\n")
    report = scan_secrets(ScanOptions(root=tree, rules_file=config, paths=(tree / "a.txt",),
                                      jobs=1, explain=True))
    assert [(f.line, f.secret, f.description) for f in report.findings] == \
        [(1, "12345678", "base token")]
    reasons = {d.line: d.reason for d in report.dropped}
    assert reasons[2].startswith("entropy 0.00 < 2")
    assert reasons[3] == "rule stopword '777'"


@pytest.mark.parametrize(("text", "message"), [
    ('[[rules]]\nid = "only-an-id"\n', "a rule needs a regex, a path or both"),
    ('[extend]\nuseDefault = true\n[[rules]]\nid = "not-built-in"\n',
     "a rule needs a regex, a path or both"),
    ('[extend]\nuseDefault = true\n[[allowlists]]\ntargetRules = ["no-such-rule"]\n'
     'paths = ["x"]\n', "targetRules names rule 'no-such-rule'"),
    ('[[rules]]\nid = "x"\nregex = "a"\n[[allowlists]]\ntargetRules = ["github-pat"]\n'
     'paths = ["x"]\n', "targetRules names rule 'github-pat'"),  # built-ins are not in
])
def test_extension_errors(tree: Path, text: str, message: str) -> None:
    config = _write(tree, "bad.toml", text)
    _write(tree, "a.txt", "aaaa")
    with pytest.raises(ConfigError, match=message) as info:
        scan_secrets(ScanOptions(root=tree, rules_file=config))
    assert info.value.exit_code == 3 and info.value.hint
    assert "bad.toml" in str(info.value)


def test_condition_accepts_gitleaks_operators(tree: Path) -> None:
    config = _write(tree, "gl.toml", """
[[rules]]
id = "acme"
regex = '''acme_([0-9]{8})'''
keywords = ["acme_"]
  [[rules.allowlists]]
  condition = "&&"
  paths = ['''^legacy/''']
  regexTarget = "line"
  regexes = ['''reviewed''']
""")
    _write(tree, "legacy/a.txt", "acme_12345678 reviewed\n")
    _write(tree, "legacy/b.txt", "acme_12345678\n")
    assert [p for p, _r, _s in _scan(tree, config)] == ["legacy/b.txt"]
