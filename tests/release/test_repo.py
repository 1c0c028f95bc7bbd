"""next_version, tag and changelog against real git repositories."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from gitutil import git
from pitstop.errors import ConfigError, DependencyError, ReleaseError, UsageError
from pitstop.release import ReleaseSettings, changelog, next_version, tag
from pitstop.release.git import open_repository

from .conftest import at, commit
from .conftest import tag as make_tag


def test_no_tags_starts_at_initial(git_repo: Path, section: ReleaseSettings) -> None:
    commit(git_repo, "feat: first")
    result = next_version(at(git_repo, section))
    assert (result.version, result.tag, result.level) == ("0.1.0", "v0.1.0", "initial")
    assert result.previous_tag is None and result.commits == 1
    custom = dataclasses.replace(section, initial="1.0.0")
    assert next_version(at(git_repo, custom), pre="rc").version == "1.0.0-rc.1"


@pytest.mark.parametrize(("message", "expected"), [
    ("fix: a bug", "1.0.1"),
    ("perf: faster", "1.0.1"),
    ("feat(api): endpoint", "1.1.0"),
    ("feat!: new api", "2.0.0"),
    ("fix: x\n\nBREAKING CHANGE: config moved", "2.0.0"),
    ("Update the readme", "1.0.1"),
])
def test_auto_level_from_commits(released: Path, section: ReleaseSettings, message: str,
                                 expected: str) -> None:
    commit(released, "docs: words")
    commit(released, message)
    result = next_version(at(released, section))
    assert result.version == expected
    assert result.previous_tag == "v1.0.0"
    assert result.commits == 2


def test_explicit_levels_and_pre_releases(released: Path, section: ReleaseSettings) -> None:
    commit(released, "fix: a")
    assert next_version(at(released, section), level="major").version == "2.0.0"
    assert next_version(at(released, section), level="minor").version == "1.1.0"
    assert next_version(at(released, section), level="minor", pre="rc").version == "1.1.0-rc.1"
    make_tag(released, "v1.1.0-rc.1")
    commit(released, "fix: b")
    assert next_version(at(released, section), level="minor", pre="rc").version == "1.1.0-rc.2"
    assert next_version(at(released, section), pre="rc").version == "1.1.0-rc.2"
    assert next_version(at(released, section)).version == "1.1.0"
    with pytest.raises(UsageError, match="already past beta"):
        next_version(at(released, section), pre="beta")


def test_zero_major_rules(git_repo: Path, section: ReleaseSettings) -> None:
    commit(git_repo, "feat: start")
    make_tag(git_repo, "v0.3.2")
    commit(git_repo, "feat!: break it")
    assert next_version(at(git_repo, section)).version == "0.4.0"
    strict = dataclasses.replace(section, zero_breaking="major")
    assert next_version(at(git_repo, strict)).version == "1.0.0"
    # features alone: minor by default while major is 0, or patch with zero_feature
    git(git_repo, "reset", "-q", "--hard", "HEAD~1")
    commit(git_repo, "feat: small feature")
    assert next_version(at(git_repo, section)).version == "0.4.0"
    cautious = dataclasses.replace(section, zero_feature="patch")
    assert next_version(at(git_repo, cautious)).version == "0.3.3"
    assert next_version(at(git_repo, cautious), level="minor").version == "0.4.0"  # explicit wins


def test_other_tag_formats_are_ignored_and_counted(git_repo: Path,
                                                   section: ReleaseSettings) -> None:
    commit(git_repo, "one")
    make_tag(git_repo, "v1.0.0")
    make_tag(git_repo, "9.9.9", annotated=False)      # no v prefix
    make_tag(git_repo, "release-5.0.0")
    make_tag(git_repo, "v2.0")                        # not semver
    make_tag(git_repo, "nightly", annotated=False)
    commit(git_repo, "fix: two")
    result = next_version(at(git_repo, section))
    assert (result.version, result.previous_tag, result.ignored_tags) == ("1.0.1", "v1.0.0", 4)
    releases = dataclasses.replace(section, tag_format="release-{version}")
    result = next_version(at(git_repo, releases))
    assert (result.tag, result.previous_tag) == ("release-5.0.1", "release-5.0.0")
    bare = dataclasses.replace(section, tag_format="{version}")
    assert next_version(at(git_repo, bare)).previous_tag == "9.9.9"
    nested = dataclasses.replace(section, tag_format="api/v{version}")
    assert next_version(at(git_repo, nested)).tag == "api/v0.1.0"


def test_highest_version_wins_and_unmerged_tags_do_not_count(released: Path,
                                                             section: ReleaseSettings) -> None:
    make_tag(released, "v0.9.0")  # lower version on the same commit
    git(released, "switch", "-q", "-c", "other")
    commit(released, "feat: only on other")
    make_tag(released, "v7.0.0")
    git(released, "switch", "-q", "main")
    commit(released, "fix: on main")
    result = next_version(at(released, section))
    assert (result.previous_tag, result.version) == ("v1.0.0", "1.0.1")


def test_merged_branch_commits_count(released: Path, section: ReleaseSettings) -> None:
    git(released, "switch", "-q", "-c", "feature")
    commit(released, "feat(ui): dark mode")
    git(released, "switch", "-q", "main")
    commit(released, "fix: typo")
    git(released, "merge", "-q", "--no-ff", "-m", "Merge branch 'feature'", "feature")
    result = next_version(at(released, section))
    assert result.version == "1.1.0"
    assert result.commits == 3  # two commits and the merge
    log = changelog(at(released, section))
    assert "Merge branch" not in log.text
    assert "- **ui:** dark mode" in log.text


def test_tag_creates_an_annotated_tag_with_the_changelog(released: Path,
                                                         section: ReleaseSettings) -> None:
    commit(released, "feat(api): add search")
    commit(released, "fix: crash on empty input")
    result = tag(at(released, section))
    assert (result.status, result.tag, result.previous_tag) == ("created", "v1.1.0", "v1.0.0")
    assert git(released, "cat-file", "-t", "v1.1.0").strip() == "tag"
    body = git(released, "tag", "-l", "--format=%(contents)", "v1.1.0")
    assert body.startswith("v1.1.0\n")
    assert "Features:\n- **api:** add search" in body
    assert "Fixes:\n- crash on empty input" in body
    assert git(released, "rev-parse", "v1.1.0^{commit}").strip() == result.commit
    # a second run has nothing to release
    again = tag(at(released, section))
    assert again.status == "skipped" and "no commits since v1.1.0" in again.reason


def test_tag_message_override_and_dry_run(released: Path, tmp_path: Path,
                                          section: ReleaseSettings) -> None:
    git(tmp_path, "init", "-q", "--bare", str(tmp_path / "remote.git"))
    git(released, "remote", "add", "origin", str(tmp_path / "remote.git"))
    commit(released, "fix: a")
    plan = tag(at(released, section), dry_run=True, push=True)
    assert plan.status == "dry-run" and plan.tag == "v1.0.1"
    assert plan.actions == (f"git tag -a v1.0.1 {plan.commit[:12]}",
                            "git push origin refs/tags/v1.0.1")
    assert "v1.0.1" not in git(released, "tag", "--list")
    done = tag(at(released, section), message="Hand-written notes")
    assert git(released, "tag", "-l", "--format=%(contents)", done.tag).strip() == (
        "Hand-written notes")


def test_tag_refuses_a_dirty_tree_listing_files(released: Path,
                                               section: ReleaseSettings) -> None:
    commit(released, "fix: a", file="tracked.txt")
    (released / "tracked.txt").write_text("changed\n")
    (released / "new file.txt").write_text("untracked\n")
    with pytest.raises(ReleaseError) as info:
        tag(at(released, section))
    assert "tracked.txt" in info.value.message and "new file.txt" in info.value.message
    assert "allow a dirty tree" in (info.value.hint or "")
    assert tag(at(released, section), allow_dirty=True).status == "created"


def test_tag_refuses_detached_head(released: Path, section: ReleaseSettings) -> None:
    commit(released, "fix: a")
    git(released, "checkout", "-q", "--detach", "HEAD")
    with pytest.raises(ReleaseError, match="detached"):
        tag(at(released, section))
    # computing the version is fine on a detached HEAD (CI checkouts)
    assert next_version(at(released, section)).version == "1.0.1"


def test_tag_refuses_an_existing_tag(released: Path, section: ReleaseSettings) -> None:
    commit(released, "fix: a")
    git(released, "switch", "-q", "-c", "side", "v1.0.0")
    commit(released, "fix: elsewhere")
    make_tag(released, "v1.0.1")  # exists, but not reachable from main
    git(released, "switch", "-q", "main")
    with pytest.raises(ReleaseError, match=r"tag v1\.0\.1 already exists"):
        tag(at(released, section))


def test_shallow_clone_is_refused(released: Path, tmp_path: Path,
                                  section: ReleaseSettings) -> None:
    commit(released, "fix: a")
    commit(released, "fix: b")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{released}", str(clone))
    with pytest.raises(ReleaseError, match="shallow clone") as info:
        next_version(at(clone, section))
    assert "--unshallow" in (info.value.hint or "")
    with pytest.raises(ReleaseError, match="shallow clone"):
        tag(at(clone, section))


def test_push_sends_only_the_new_tag(released: Path, tmp_path: Path,
                                     section: ReleaseSettings) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(released, "remote", "add", "origin", str(remote))
    git(released, "tag", "unrelated")
    commit(released, "feat: pushed")
    result = tag(at(released, section), push=True)
    assert result.pushed and result.remote == "origin"
    assert git(remote, "tag", "--list").split() == ["v1.1.0"]
    assert git(remote, "branch", "--list").strip() == ""


def test_push_to_an_unknown_remote_is_refused_before_tagging(released: Path,
                                                            section: ReleaseSettings) -> None:
    commit(released, "fix: a")
    missing = dataclasses.replace(section, remote="nowhere")
    with pytest.raises(ReleaseError, match=r"no remote named 'nowhere'.*nothing was tagged") as info:
        tag(at(released, missing), push=True)
    assert "git remote add nowhere" in (info.value.hint or "")
    with pytest.raises(ReleaseError, match="no remote named"):
        tag(at(released, missing), push=True, dry_run=True)
    assert git(released, "tag", "--list").split() == ["v1.0.0"]


def test_nothing_to_release(released: Path, section: ReleaseSettings) -> None:
    result = next_version(at(released, section))
    assert result.nothing_to_release and result.version == "1.0.0" and result.level == "none"
    assert tag(at(released, section), level="patch").status == "skipped"
    commit(released, "docs: only docs")
    quiet = dataclasses.replace(section, other_level="none")
    skipped = tag(at(released, quiet))
    assert skipped.status == "skipped" and "no releasable commits" in skipped.reason


def test_revision_file(released: Path, section: ReleaseSettings) -> None:
    docs = released / "docs"
    docs.mkdir()
    (docs / "VERSION.md").write_text("# Version\n\nRevision: 12\n")
    commit(released, "fix: a", file="docs/VERSION.md")
    rev = dataclasses.replace(section, revision_file=Path("docs/VERSION.md"))
    result = next_version(at(released, rev))
    assert (result.version, result.revision, result.tag) == ("1.0.1", "12", "v1.0.1-rev12")
    assert tag(at(released, rev)).tag == "v1.0.1-rev12"
    # the suffix is understood when reading the tag back
    commit(released, "feat: b")
    again = next_version(at(released, rev))
    assert (again.previous, again.version) == ("1.0.1", "1.1.0")
    custom = dataclasses.replace(rev, revision_pattern=r"^Build (\w+)$",
                                 revision_format="+r{revision}")
    (docs / "VERSION.md").write_text("Build 7\n")
    assert next_version(at(released, custom)).tag == "v1.1.0+r7"


def test_revision_file_errors_name_the_file_and_regex(released: Path,
                                                      section: ReleaseSettings) -> None:
    (released / "REV").write_text("nothing here\n")
    rev = dataclasses.replace(section, revision_file=released / "REV")
    with pytest.raises(ConfigError) as info:
        next_version(at(released, rev))
    assert str(released / "REV") in info.value.message
    assert "Revision:" in info.value.message
    gone = dataclasses.replace(section, revision_file=released / "missing.md")
    with pytest.raises(ConfigError, match=r"missing\.md: .*revision file not found"):
        next_version(at(released, gone))


def test_changelog_groups_and_write_is_idempotent(released: Path,
                                                  section: ReleaseSettings) -> None:
    commit(released, "feat(api): search")
    commit(released, "fix: crash")
    commit(released, "perf: cache")
    commit(released, "chore: tidy")
    commit(released, "feat!: drop python 3.10")
    result = changelog(at(released, section))
    assert result.version == "2.0.0" and result.since == "v1.0.0" and result.commits == 5
    assert [g.title for g in result.groups] == ["Breaking changes", "Features", "Fixes",
                                                "Performance", "Other"]
    assert result.text.startswith("## [2.0.0] - ")
    path = released / "CHANGELOG.md"
    first = changelog(at(released, section), write=path)
    assert first.changed
    text = path.read_text()
    second = changelog(at(released, section), write=Path("CHANGELOG.md"))
    assert not second.changed and path.read_text() == text
    assert text.count("## [2.0.0]") == 1
    # the next release goes on top
    git(released, "add", "CHANGELOG.md")
    git(released, "commit", "-q", "-m", "docs: changelog")
    make_tag(released, "v2.0.0")
    commit(released, "fix: later")
    changelog(at(released, section), write=path)
    text = path.read_text()
    assert text.index("## [2.0.1]") < text.index("## [2.0.0]")
    assert text.startswith("# Changelog\n")


def test_changelog_since_and_unknown_tag(released: Path, section: ReleaseSettings) -> None:
    make_tag(released, "v0.5.0")
    git(released, "tag", "old-marker", "HEAD~1")
    commit(released, "fix: after")
    result = changelog(at(released, section), since="old-marker")
    assert result.commits == 2 and result.since == "old-marker"
    with pytest.raises(UsageError, match="no tag named 'nope'"):
        changelog(at(released, section), since="nope")


def test_not_a_repository_and_git_missing(tmp_path: Path, section: ReleaseSettings) -> None:
    with pytest.raises(ConfigError, match="not inside a git repository"):
        next_version(at(tmp_path, section))
    with pytest.raises(DependencyError, match="git is not installed"):
        open_repository(tmp_path, env={}, executable="git-that-does-not-exist")


def test_empty_repository(git_repo: Path, section: ReleaseSettings) -> None:
    with pytest.raises(ReleaseError, match="no commits yet"):
        next_version(at(git_repo, section))


def test_inherited_git_variables_are_stripped(released: Path, tmp_path: Path,
                                              section: ReleaseSettings) -> None:
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    env = {**os.environ, "GIT_DIR": str(other / ".git"), "GIT_WORK_TREE": str(other),
           "GIT_INDEX_FILE": str(other / ".git" / "index")}
    commit(released, "fix: a")
    assert next_version(at(released, section, env=env)).version == "1.0.1"
    assert "GIT_DIR" not in open_repository(released, env=env).env


def test_signing_failure_says_what_to_check(released: Path, section: ReleaseSettings) -> None:
    commit(released, "fix: a")
    git(released, "config", "gpg.program", str(released / "no-such-gpg"))
    with pytest.raises(ReleaseError, match=r"could not create tag v1\.0\.1") as info:
        tag(at(released, section), sign=True)
    assert "user.signingkey" in (info.value.hint or "")
    assert "v1.0.1" not in git(released, "tag", "--list")


def test_revisions_of_the_same_version_sort_numerically(released: Path,
                                                        section: ReleaseSettings) -> None:
    (released / "REV").write_text("Revision: 12\n")
    rev = dataclasses.replace(section, revision_file=released / "REV")
    make_tag(released, "v1.0.0-rev9")
    make_tag(released, "v1.0.0-rev12")
    make_tag(released, "v1.0.0-rev10")
    commit(released, "fix: a", file="REV")
    assert next_version(at(released, rev)).previous_tag == "v1.0.0-rev12"
