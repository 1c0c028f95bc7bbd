"""Placing changelog sections into an existing CHANGELOG.md."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pitstop.release.commits import parse_commit
from pitstop.release.notes import group_commits, merge_section, render_section

SECTION = "## [1.1.0] - 2025-06-17\n\n### Fixes\n- a (abc1234)\n"


def test_new_file_gets_a_title() -> None:
    assert merge_section("", "1.1.0", SECTION) == "# Changelog\n\n" + SECTION


def test_inserted_below_unreleased_and_above_older_releases() -> None:
    existing = ("# Changelog\n\nAll notable changes.\n\n## [Unreleased]\n\n- wip\n\n"
                "## [1.0.0] - 2025-01-01\n\n- first\n")
    merged = merge_section(existing, "1.1.0", SECTION)
    assert merged.index("## [Unreleased]") < merged.index("## [1.1.0]") < merged.index(
        "## [1.0.0]")
    assert merged.startswith("# Changelog\n\nAll notable changes.\n")
    assert merge_section(merged, "1.1.0", SECTION) == merged


def test_same_version_is_replaced_not_duplicated() -> None:
    existing = "# Changelog\n\n## [1.1.0] - 2025-06-01\n\n- old entry\n\n## [1.0.0]\n\n- x\n"
    merged = merge_section(existing, "1.1.0", SECTION)
    assert "old entry" not in merged and merged.count("## [1.1.0]") == 1
    assert merged.endswith("## [1.0.0]\n\n- x\n")
    assert merge_section(existing.replace("[1.1.0]", "1.1.0"), "1.1.0", SECTION).count(
        "1.1.0") == 1


def test_similar_version_is_not_mistaken() -> None:
    existing = "# Changelog\n\n## [1.1.0-rc.1] - 2025-06-01\n\n- rc\n"
    merged = merge_section(existing, "1.1.0", SECTION)
    assert "- rc" in merged and merged.index("[1.1.0]") < merged.index("[1.1.0-rc.1]")


def test_render_section_groups_in_fixed_order() -> None:
    commits = [parse_commit(f"{i:040d}", m) for i, m in enumerate(
        ["chore: c", "fix(db): f", "feat!: b", "feat: a", "perf: p"])]
    text = render_section("2.0.0", "2025-06-17", group_commits(commits))
    titles = [line for line in text.splitlines() if line.startswith("### ")]
    assert titles == ["### Breaking changes", "### Features", "### Fixes", "### Performance",
                      "### Other"]
    assert "- **db:** f (0000000)" in text


@given(st.lists(st.sampled_from(["1.0.0", "1.1.0", "2.0.0", "0.9.0"]), max_size=4),
       st.sampled_from(["1.0.0", "1.1.0", "3.0.0"]))
def test_merging_is_idempotent(history: list[str], version: str) -> None:
    text = ""
    for old in history:
        text = merge_section(text, old, f"## [{old}] - d\n\n- {old}\n")
    section = f"## [{version}] - d\n\n- new {version}\n"
    once = merge_section(text, version, section)
    assert merge_section(once, version, section) == once
    assert once.count(f"## [{version}]") == 1
