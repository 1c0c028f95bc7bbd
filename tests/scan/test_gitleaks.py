"""Rule files in gitleaks' TOML format: rules, secretGroup, entropy, keywords, path,
allowlists (per rule and global, regexTarget, stopwords, condition), [extend]."""

from __future__ import annotations

from pathlib import Path

import pytest

from pitstop.errors import ConfigError
from pitstop.scan.gitleaks import read_gitleaks_config

from .conftest import SOURCES, fake, github_token, secrets_in

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

[[allowlists]]
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
    report = secrets_in(tree, config=config, jobs=1)
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
    report = secrets_in(tree, config=config, jobs=1)
    rules = {f.rule: f.description for f in report.findings}
    assert rules == {"github-pat": "overridden", "aws-access-key-id": "AWS access key ID"}


def test_extend_path(tree: Path) -> None:
    _write(tree, "base.toml", '[[rules]]\nid = "base"\nregex = "base_[0-9]{8}"\n'
                              'keywords = ["base_"]\n')
    config = _write(tree, "child.toml", '[extend]\npath = "base.toml"\n')
    _write(tree, "a.txt", "x base_12345678\n")
    assert [f.rule for f in secrets_in(tree, config=config,
                                       paths=(tree / "a.txt",)).findings] \
        == ["base"]


@pytest.mark.parametrize(("text", "message"), [
    ('[[rules]]\nid = "x"\nregex = "(?<=a)b"\n', "invalid RE2"),
    ('[[rules]]\nid = "x"\nregex = "a{5000}"\n', "invalid RE2"),
    ('[[rules]]\ndescription = "no id"\nregex = "a"\n', "needs an id"),
    ('[[rules]]\nid = "x"\nregex = "a"\nsecretGroup = "one"\n', "secretGroup"),
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
        secrets_in(tree, config=config)
    assert info.value.exit_code == 3
    assert "bad.toml" in str(info.value)


def test_missing_rule_file(tree: Path) -> None:
    with pytest.raises(ConfigError, match="rule file not found"):
        secrets_in(tree, config=tree / "nope.toml")


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
    report = secrets_in(tree, config=config, jobs=1)
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
    report = secrets_in(tree, config=config, paths=(tree / "a.txt",), jobs=1, explain=True)
    assert [(f.line, f.secret, f.description) for f in report.findings] == \
        [(1, "12345678", "base token")]
    reasons = {d.line: d.reason for d in report.dropped}
    assert reasons[2].startswith("entropy 0.00 <= 2")
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
        secrets_in(tree, config=config)
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


# --- gitleaks' own reading of its format (issue 14), checked against gitleaks 8.30.1 ---

def _findings(tree: Path, config: Path, **options: object) -> list[tuple[str, int, str]]:
    report = secrets_in(tree, config=config, jobs=1, paths=(tree / "f.txt",), **options)
    return sorted((f.rule, f.line, f.secret) for f in report.findings)


def test_keys_are_case_insensitive_values_loose_and_unknown_keys_ignored(
        tree: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = _write(tree, "gl.toml", """
[[rules]]
ID = "acme"
Regex = '''acme_(?:x_)?([a-z]{6})'''
SECRETGROUP = "1"
entropy = "1.5"
keywords = "ACME_"
severity = "high"
  [[rules.Allowlists]]
  stopWords = ["QQQ"]
""")
    _write(tree, "f.txt", "acme_abcdef\nacme_x_qqqzzz\nacme_aaaaaa\n")
    with caplog.at_level("WARNING", logger="pitstop.scan"):
        assert _findings(tree, config) == [("acme", 1, "abcdef")]
    assert "rules[0].severity is not a gitleaks key: ignored" in caplog.text


@pytest.mark.parametrize(("text", "message"), [
    ('[allowlist]\npaths = ["a"]\n[[allowlists]]\npaths = ["b"]\n'
     '[[rules]]\nid = "x"\nregex = "x"\n', "cannot be used together"),
    ('[[rules]]\nid = "x"\nregex = "x"\n[rules.allowlist]\npaths = ["a"]\n'
     '[[rules.allowlists]]\npaths = ["b"]\n', "cannot be used together"),
    ('[extend]\nuseDefault = true\npath = "b.toml"\n', "both useDefault and path"),
    ('[[rules]]\nid = "x"\nregex = "x"\n[[rules.allowlists]]\ndescription = "empty"\n',
     "needs at least one of commits, paths, regexes or stopwords"),
    ('[[rules]]\nid = "x"\nregex = "x"\n[[rules.allowlists]]\ncondition = "XOR"\n'
     'paths = ["a"]\n', "condition"),
    ('[[rules]]\nid = "  "\nregex = "x"\n', "needs an id"),
])
def test_what_gitleaks_refuses_is_refused(tree: Path, text: str, message: str) -> None:
    config = _write(tree, "bad.toml", text)
    _write(tree, "f.txt", "x\n")
    with pytest.raises(ConfigError, match=message) as info:
        _findings(tree, config)
    assert info.value.exit_code == 3 and "bad.toml" in str(info.value)


def test_extend_path_beside_the_file_then_where_pitstop_scans_from(tree: Path) -> None:
    rule = '[[rules]]\nid = "{0}"\nregex = "{0}_[0-9]{{8}}"\n'
    _write(tree, "rules/base.toml", rule.format("beside"))
    _write(tree, "rules/top.toml", '[extend]\npath = "base.toml"\n')
    _write(tree, "f.txt", "beside_12345678 root_12345678\n")
    assert [r for r, _l, _s in _findings(tree, tree / "rules/top.toml")] == ["beside"]
    # gitleaks reads a relative path from its working directory: the same file works
    _write(tree, "shared/root.toml", rule.format("root"))
    _write(tree, "rules/ci.toml", '[extend]\npath = "shared/root.toml"\n')
    assert [r for r, _l, _s in _findings(tree, tree / "rules/ci.toml")] == ["root"]
    _write(tree, "rules/lost.toml", '[extend]\npath = "nowhere.toml"\n')
    with pytest.raises(ConfigError, match=r"nowhere\.toml or .*nowhere\.toml"):
        _findings(tree, tree / "rules/lost.toml")


def test_extending_goes_two_levels_deep(tree: Path, caplog: pytest.LogCaptureFixture) -> None:
    for name, nxt in (("a", "b"), ("b", "c"), ("c", "d"), ("d", None)):
        extend = f'[extend]\npath = "{nxt}.toml"\n' if nxt else ""
        _write(tree, f"{name}.toml", f'{extend}[[rules]]\nid = "{name}"\n'
                                     f'regex = "{name}tok_[0-9]{{4}}"\n')
    _write(tree, "f.txt", "atok_1234 btok_1234 ctok_1234 dtok_1234\n")
    with caplog.at_level("WARNING", logger="pitstop.scan"):
        assert [r for r, _l, _s in _findings(tree, tree / "a.toml")] == ["a", "b", "c"]
    assert "c.toml: [extend] ignored" in caplog.text


def test_disabled_rules_and_target_rules_act_where_gitleaks_lets_them(tree: Path) -> None:
    _write(tree, "base.toml", """
[[rules]]
id = "kept"
regex = '''kept_[0-9]{4}'''
[[rules]]
id = "off"
regex = '''off_[0-9]{4}'''
[[allowlists]]
targetRules = ["kept"]
regexes = ['''.''']
""")
    config = _write(tree, "top.toml", """
[extend]
path = "base.toml"
disabledRules = ["off", "own"]
[[rules]]
id = "own"
regex = '''own_[0-9]{4}'''
[[rules]]
id = "kept"
skipReport = true
[[allowlists]]
targetRules = ["own"]
regexes = ['''own_9''']
""")
    _write(tree, "f.txt", "kept_1234 off_1234 own_1234 own_9999\n")
    # disabledRules leaves out the extended file's rules, never this file's own; the
    # extended file's targetRules are ignored, this file's apply; skipReport on a rule
    # that changes a base rule keeps the base rule's value
    assert _findings(tree, config) == [("kept", 1, "kept_1234"), ("own", 1, "own_1234")]


def test_skip_report_rules_are_validated_but_never_run(tree: Path) -> None:
    config = _write(tree, "gl.toml", '[[rules]]\nid = "h"\nregex = "(a)"\nsecretGroup = 2\n'
                                     'skipReport = true\n')
    _write(tree, "f.txt", "a\n")
    with pytest.raises(ConfigError, match="secretGroup 2"):
        _findings(tree, config)


def test_entropy_as_gitleaks_computes_it(tree: Path) -> None:
    config = _write(tree, "gl.toml", '[[rules]]\nid = "e"\nregex = \'\'\'e:(\\S+)\'\'\'\n'
                                     "entropy = 2.0\n")
    # 'abcd' has exactly 2 bits: dropped (gitleaks keeps only what is above); six
    # two-byte letters count per character but divide by 12 bytes: 1.79 bits
    _write(tree, "f.txt", "e:abcd e:abcde e:éèêëàâ\n")
    assert _findings(tree, config) == [("e", 1, "abcde")]


def test_matches_lines_and_markers_as_gitleaks_sees_them(tree: Path) -> None:
    config = _write(tree, "gl.toml", """
[[rules]]
id = "t"
regex = '''\\n?(tok_[a-z]{4})\\n?'''
[[rules.allowlists]]
regexTarget = "line"
regexes = ['''^skip''']
""")
    _write(tree, "f.txt", "skip tok_aaaa\nskip tok_bbbb\ntok_cccc # pitstop:allow\n"
                          "tok_dddd # pragma: allowlist secret\n# gitleaks:allow\ntok_eeee")
    # '^skip' only matches on the first line (gitleaks' line starts at the previous
    # newline); the last line, without a newline, is seen with the whole text before it,
    # so the gitleaks:allow above it applies; detect-secrets' pragma is not gitleaks'
    assert _findings(tree, config) == [("t", 2, "tok_bbbb"), ("t", 4, "tok_dddd")]


def test_overlapping_keywords_and_generic_duplicates(tree: Path) -> None:
    config = _write(tree, "gl.toml", """
[[rules]]
id = "a"
regex = '''ova_[0-9]{4}'''
keywords = ["abcd"]
[[rules]]
id = "b"
regex = '''ovb_[0-9]{4}'''
keywords = ["cdef"]
[[rules]]
id = "generic-thing"
regex = '''key=(\\S+)'''
[[rules]]
id = "pat"
regex = '''ghx_[a-z]{6}'''
""")
    _write(tree, "f.txt", "abcdef ova_1234 ovb_1234\nkey=ghx_abcdef\nkey=other123\n")
    assert _findings(tree, config) == [
        ("a", 1, "ova_1234"), ("b", 1, "ovb_1234"), ("generic-thing", 3, "other123"),
        ("pat", 2, "ghx_abcdef")]


def test_commit_allowlists_match_whole_ids(git_repo: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    from gitutil import git

    _write(git_repo, "f.txt", "tok_12345678\n")
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-qm", "one")
    sha = git(git_repo, "rev-parse", "HEAD").strip()
    rule = '[[rules]]\nid = "t"\nregex = "tok_[0-9]{8}"\n[[allowlists]]\ncommits = ["%s"]\n'
    config = git_repo.parent / "gl.toml"
    for commit, found in ((sha.upper(), 0), (sha[:12], 1)):
        config.write_text(rule % commit, encoding="utf-8")
        with caplog.at_level("WARNING", logger="pitstop.scan"):
            report = secrets_in(git_repo, config=config, history="HEAD", jobs=1)
        assert len(report.findings) == found
    assert "is not a whole commit id" in caplog.text


def test_the_rule_file_itself_is_not_scanned(git_repo: Path) -> None:
    from gitutil import git

    text = '[[rules]]\nid = "t"\nregex = \'\'\'tok_[0-9]{8}\'\'\'\n# e.g. tok_12345678\n'
    config = _write(git_repo, ".gitleaks.toml", text)
    _write(git_repo, "other.toml", text)
    git(git_repo, "add", ".")
    for mode in ("tree", "staged"):
        report = secrets_in(git_repo, config=config, jobs=1, **SOURCES[mode])
        assert [f.path for f in report.findings] == ["other.toml"]


def test_a_global_allowlist_path_skips_a_file_in_a_tree_scan_only(git_repo: Path) -> None:
    """``gitleaks dir`` skips a file that a global allowlist's paths match while walking,
    whatever the allowlist's condition; ``gitleaks git`` applies the whole allowlist."""
    from gitutil import git

    config = _write(git_repo.parent, "gl.toml", """
[[rules]]
id = "t"
regex = '''tok_[0-9]{4}'''
[[rules]]
id = "p"
path = '''\\.pem$'''
[[allowlists]]
condition = "AND"
paths = ['''^skip''']
regexes = ['''no-such-text''']
""")
    for name in ("skip.txt", "keep.txt"):
        _write(git_repo, name, "tok_1234\n")
    for name in ("skip.pem", "keep.pem"):
        _write(git_repo, name, "x\n")
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-qm", "files")

    def found(mode: str) -> list[tuple[str, str]]:
        report = secrets_in(git_repo, config=config, jobs=1, **SOURCES[mode])
        return sorted((f.rule, f.path) for f in report.findings)

    assert found("tree") == [("p", "keep.pem"), ("t", "keep.txt")]
    assert found("history") == [("p", "keep.pem"), ("p", "skip.pem"), ("t", "keep.txt"),
                                ("t", "skip.txt")]
