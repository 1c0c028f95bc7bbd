"""Regressions found in the acceptance review of `pitstop release` (real repositories)."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitutil import git
from pitstop.cli.main import main
from pitstop.errors import ReleaseError, UsageError
from pitstop.release import ReleaseSettings, changelog, tag

from .conftest import at, commit
from .conftest import tag as make_tag


def _bare(tmp_path: Path, name: str, *, reject: bool = False) -> Path:
    remote = tmp_path / name
    git(tmp_path, "init", "-q", "--bare", str(remote))
    if reject:
        hook = remote / "hooks" / "pre-receive"
        hook.write_text("#!/bin/sh\necho 'tags are frozen today' >&2\nexit 1\n")
        hook.chmod(0o755)
    return remote


def test_a_rejected_push_leaves_no_tag_behind(released: Path, tmp_path: Path,
                                             section: ReleaseSettings) -> None:
    remote = _bare(tmp_path, "frozen.git", reject=True)
    git(released, "remote", "add", "origin", str(remote))
    commit(released, "fix: a")
    with pytest.raises(ReleaseError) as info:
        tag(at(released, section), push=True)
    message = info.value.message
    assert "pushing tag v1.0.1 to 'origin' failed" in message
    assert "tags are frozen today" in message and "\n" not in message
    assert "nothing was released" in message
    assert info.value.hint
    assert git(released, "tag", "--list").split() == ["v1.0.0"]
    assert git(remote, "tag", "--list").strip() == ""


def test_an_unreachable_push_url_leaves_no_tag(released: Path, tmp_path: Path,
                                               section: ReleaseSettings) -> None:
    gone = dataclasses.replace(section, remote=str(tmp_path / "missing.git"))
    commit(released, "fix: a")
    with pytest.raises(ReleaseError, match="failed: fatal:"):
        tag(at(released, gone), push=True)
    assert git(released, "tag", "--list").split() == ["v1.0.0"]


def test_message_lines_starting_with_hash_are_kept(released: Path,
                                                   section: ReleaseSettings) -> None:
    commit(released, "fix: a")
    done = tag(at(released, section), message="# Release notes\n\nsee #12")
    body = git(released, "tag", "-l", "--format=%(contents)", done.tag)
    assert body.rstrip("\n") == "# Release notes\n\nsee #12"


def test_an_empty_message_is_a_usage_error(released: Path, section: ReleaseSettings) -> None:
    commit(released, "fix: a")
    with pytest.raises(UsageError, match="empty"):
        tag(at(released, section), message="  \n")
    assert git(released, "tag", "--list").split() == ["v1.0.0"]


def test_dirty_tree_refusal_is_one_line(released: Path, section: ReleaseSettings) -> None:
    commit(released, "fix: a", file="tracked.txt")
    (released / "tracked.txt").write_text("changed\n")
    for i in range(12):
        (released / f"new{i}.txt").write_text("x\n")
    with pytest.raises(ReleaseError) as info:
        tag(at(released, section))
    assert "\n" not in info.value.message
    assert "13 uncommitted change(s): M tracked.txt" in info.value.message
    assert "and 3 more" in info.value.message


@pytest.mark.parametrize("fmt", ["-v{version}", "v{version}.lock", "v{version}/", "/v{version}",
                                 "a//{version}", "x@{{version}", "v{version}.", ".v{version}",
                                 "v {version}", "v{version}\t"])
def test_tag_formats_git_cannot_use_are_config_errors(fmt: str) -> None:
    with pytest.raises(ValueError, match="not be valid git tag names"):
        ReleaseSettings(tag_format=fmt)


def test_a_revision_format_that_breaks_the_tag_name_is_refused() -> None:
    ReleaseSettings(revision_format="~{revision}")  # not used without a revision file
    with pytest.raises(ValueError, match="not be valid git tag names"):
        ReleaseSettings(revision_file=Path("VERSION"), revision_format="~{revision}")


def test_regex_metacharacters_in_tag_format_are_literal(git_repo: Path) -> None:
    section = ReleaseSettings(tag_format="(v)+{version}$")
    commit(git_repo, "feat: one")
    make_tag(git_repo, "(v)+1.0.0$")
    make_tag(git_repo, "v9.0.0")  # does not match the format
    commit(git_repo, "feat: two")
    done = tag(at(git_repo, section))
    assert (done.tag, done.previous_tag) == ("(v)+1.1.0$", "(v)+1.0.0$")


def test_changelog_since_an_older_tag_keeps_the_real_next_version(
        released: Path, section: ReleaseSettings) -> None:
    commit(released, "feat: in 1.1.0")
    make_tag(released, "v1.1.0")
    # HEAD is v1.1.0: the notes since v1.0.0 are the notes of 1.1.0, not of a 1.2.0
    notes = changelog(at(released, section), since="v1.0.0")
    assert notes.version == "1.1.0" and notes.commits == 1
    assert "in 1.1.0" in notes.text
    commit(released, "fix: after")
    notes = changelog(at(released, section), since="v1.0.0")
    assert notes.version == "1.1.1" and notes.commits == 2


def test_changelog_version_must_be_semver(released: Path, section: ReleaseSettings) -> None:
    commit(released, "fix: a")
    with pytest.raises(UsageError, match=r"the heading version: .*banana") as info:
        changelog(at(released, section), version="banana")
    assert "--" not in info.value.message  # the library names no command-line flag


def test_an_empty_commit_message_gets_a_placeholder(released: Path,
                                                   section: ReleaseSettings) -> None:
    git(released, "commit", "-q", "--allow-empty", "--allow-empty-message", "-m", "")
    assert "- (no commit message) (" in changelog(at(released, section)).text


def test_cli_write_with_no_commits_says_so_and_creates_nothing(
        released: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(released)
    assert main(["release", "changelog", "--write"]) == 0
    err = capsys.readouterr().err
    assert "no commits since v1.0.0: nothing to write" in err
    assert "--since" in err
    assert not (released / "CHANGELOG.md").exists()


def test_cli_push_refusal_exit_code(released: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(released)
    commit(released, "fix: a")
    assert main(["release", "tag", "--push"]) == 1
    err = capsys.readouterr().err
    assert "no remote named 'origin'" in err and "hint:" in err
    assert main(["release", "tag", "-m", ""]) == 3
    assert main(["release", "changelog", "--version", "1.x"]) == 3
    assert git(released, "tag", "--list").split() == ["v1.0.0"]


def test_a_section_for_a_next_version_that_changed_is_replaced(
        released: Path, section: ReleaseSettings) -> None:
    log = released / "CHANGELOG.md"
    log.write_text("# Changelog\n\n## [Unreleased]\n- pending\n\n## [0.9.0] - 2024-01-01\n"
                   "- old, never tagged with this format\n")
    commit(released, "fix: a fix")
    assert changelog(at(released, section), write=log).version == "1.0.1"
    commit(released, "feat: a feature")  # the next version is now 1.1.0, not 1.0.1
    assert changelog(at(released, section), write=log).changed
    text = log.read_text()
    assert "## [1.0.1]" not in text and text.count("a fix (") == 1
    assert text.index("## [Unreleased]") < text.index("## [1.1.0]") < text.index("## [0.9.0]")
    assert "- pending" in text and "old, never tagged" in text
    assert not changelog(at(released, section), write=log).changed  # idempotent


def test_tagged_sections_are_never_dropped(released: Path, section: ReleaseSettings) -> None:
    log = released / "CHANGELOG.md"
    commit(released, "fix: a fix")
    changelog(at(released, section), write=log)
    make_tag(released, "v1.0.1")
    commit(released, "feat: later")
    changelog(at(released, section), write=log)
    text = log.read_text()
    assert "## [1.1.0]" in text and "## [1.0.1]" in text


def test_an_unwritable_changelog_path_is_one_line_with_a_hint(
        released: Path, section: ReleaseSettings) -> None:
    commit(released, "fix: a")
    (released / "blocker").write_text("a file, not a directory\n")
    with pytest.raises(ReleaseError) as info:
        changelog(at(released, section), write=released / "blocker" / "CHANGELOG.md")
    assert "cannot write the changelog" in info.value.message
    assert "changelog_file" in (info.value.hint or "")


def test_ctrl_c_during_the_push_exits_130_and_leaves_no_tag(released: Path,
                                                            tmp_path: Path) -> None:
    remote = _bare(tmp_path, "slow.git")
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nsleep 20\nexit 1\n")
    hook.chmod(0o755)
    git(released, "remote", "add", "origin", str(remote))
    commit(released, "fix: a")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pitstop", "release", "tag", "--push"], cwd=released, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "v1.0.1" not in git(released, "tag", "--list"):
        time.sleep(0.1)  # the tag exists locally: the push is under way
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "Traceback" not in err
    assert git(released, "tag", "--list").split() == ["v1.0.0"]


def test_unsigned_releases_ignore_tag_gpgsign_in_git_config(
        released: Path, tmp_path: Path, section: ReleaseSettings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    git(released, "config", "tag.gpgSign", "true")
    monkeypatch.setenv("GNUPGHOME", str(tmp_path / "no-keys"))
    commit(released, "fix: a")
    done = tag(at(released, section))
    assert git(released, "cat-file", "-t", done.tag).strip() == "tag"
    assert "BEGIN PGP" not in git(released, "cat-file", "-p", done.tag)


def test_sign_without_a_key_fails_cleanly(released: Path, tmp_path: Path,
                                          section: ReleaseSettings,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "no-keys"
    empty.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(empty))
    commit(released, "fix: a")
    with pytest.raises(ReleaseError, match=r"could not create tag v1\.0\.1") as info:
        tag(at(released, section, env=dict(os.environ)), sign=True)
    assert "gpg" in (info.value.hint or "")
    assert git(released, "tag", "--list").split() == ["v1.0.0"]
