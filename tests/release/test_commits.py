"""The Conventional Commits parser and the release level it leads to."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pitstop.release.commits import LevelRules, decide_level, parse_commit
from pitstop.release.version import Version

SHA = "a" * 40


@pytest.mark.parametrize(("message", "type_", "scope", "breaking", "description"), [
    ("feat: add login", "feat", None, False, "add login"),
    ("fix(api): handle 404", "fix", "api", False, "handle 404"),
    ("feat(db)!: drop column", "feat", "db", True, "drop column"),
    ("refactor!: rename everything", "refactor", None, True, "rename everything"),
    ("Feat(Auth): Mixed case", "feat", "Auth", False, "Mixed case"),
    ("perf(): empty scope", "perf", None, False, "empty scope"),
    ("build(deps-dev): bump x", "build", "deps-dev", False, "bump x"),
])
def test_conventional_headers(message: str, type_: str, scope: str | None, breaking: bool,
                              description: str) -> None:
    commit = parse_commit(SHA, message)
    assert (commit.type, commit.scope, commit.breaking, commit.description) == (
        type_, scope, breaking, description)
    assert commit.conventional


@pytest.mark.parametrize("message", [
    "Update README", "Merge branch 'feature'", "feat:missing space", "feat : space before",
    "fix(api: unbalanced", ": no type", "WIP", "", "feat(a)(b): two scopes",
])
def test_plain_messages(message: str) -> None:
    commit = parse_commit(SHA, message)
    assert not commit.conventional
    assert commit.type is None and not commit.breaking
    assert commit.description == message


def test_breaking_change_footer_with_continuation() -> None:
    message = ("fix: new config format\n\nExplain the body.\n\n"
               "BREAKING CHANGE: the old `settings.ini` is no longer read;\n"
               "  use pitstop.toml instead\nRefs: #12\n")
    commit = parse_commit(SHA, message)
    assert commit.breaking
    assert commit.breaking_note == ("the old `settings.ini` is no longer read; "
                                    "use pitstop.toml instead")
    assert commit.body.startswith("Explain")


def test_breaking_change_hyphen_footer_and_crlf() -> None:
    commit = parse_commit(SHA, "chore: x\r\n\r\nBREAKING-CHANGE: gone\r\n")
    assert commit.breaking and commit.breaking_note == "gone"


def test_breaking_in_body_text_is_not_a_footer() -> None:
    commit = parse_commit(SHA, "fix: x\n\nThis mentions a BREAKING CHANGE: inline.")
    assert not commit.breaking


def _level(messages: list[str], current: str | None, rules: LevelRules | None = None) -> str:
    commits = [parse_commit(SHA, m) for m in messages]
    level, _ = decide_level(commits, rules or LevelRules(),
                            Version.parse(current) if current else None)
    return level


@pytest.mark.parametrize(("messages", "current", "expected"), [
    (["fix: a", "docs: b"], "1.2.3", "patch"),
    (["perf: a"], "1.2.3", "patch"),
    (["fix: a", "feat: b"], "1.2.3", "minor"),
    (["feat!: b", "fix: a"], "1.2.3", "major"),
    (["fix: a\n\nBREAKING CHANGE: x"], "1.2.3", "major"),
    (["docs: only docs", "Plain commit"], "1.2.3", "patch"),
    ([], "1.2.3", "none"),
    (["feat!: b"], "0.4.1", "minor"),
    (["feat: b"], "0.4.1", "minor"),
    (["fix: b"], "0.4.1", "patch"),
])
def test_levels(messages: list[str], current: str, expected: str) -> None:
    assert _level(messages, current) == expected


def test_zero_rules_are_configurable() -> None:
    strict = LevelRules(zero_breaking="major", zero_feature="patch")
    assert _level(["feat!: b"], "0.4.1", strict) == "major"
    assert _level(["feat: b"], "0.4.1", strict) == "patch"
    assert _level(["docs: b"], "1.0.0", LevelRules(other="none")) == "none"
    assert _level(["refactor: b"], "1.0.0", LevelRules(patch_types=("fix", "refactor"),
                                                          other="none")) == "patch"


def test_deciders_are_the_commits_that_set_the_level() -> None:
    commits = [parse_commit(SHA, m) for m in ["fix: a", "feat: b", "feat(x): c", "docs: d"]]
    level, deciders = decide_level(commits, LevelRules(), Version.parse("1.0.0"))
    assert level == "minor"
    assert [c.subject for c in deciders] == ["feat: b", "feat(x): c"]


types = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
scopes = st.one_of(st.none(), st.from_regex(r"[a-z0-9/_-]{1,10}", fullmatch=True))
descriptions = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ,.:()!'-]{0,40}", fullmatch=True).map(
    str.rstrip)


@given(types, scopes, st.booleans(), descriptions)
def test_header_round_trip(type_: str, scope: str | None, bang: bool, description: str) -> None:
    header = f"{type_}{f'({scope})' if scope else ''}{'!' if bang else ''}: {description}"
    commit = parse_commit(SHA, header)
    assert commit.type == type_
    assert commit.scope == scope
    assert commit.breaking is bang
    assert commit.description == description


@given(st.text(max_size=300))
def test_any_text_parses_without_error(message: str) -> None:
    commit = parse_commit(SHA, message)
    assert commit.sha == SHA
    assert "\n" not in commit.subject
