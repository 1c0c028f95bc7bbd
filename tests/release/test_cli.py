"""`pitstop release …` through the CLI entry point: exit codes and output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gitutil import git
from pitstop.cli.main import main

from .conftest import commit


@pytest.fixture
def repo(released: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(released)
    return released


def test_next_prints_the_version(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit(repo, "feat: x")
    assert main(["release", "next"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "1.1.0\n"
    assert "from v1.0.0, 1 commit(s) since, level minor" in captured.err
    assert main(["release", "next", "--level", "major", "--pre", "rc", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == "2.0.0-rc.1" and data["tag"] == "v2.0.0-rc.1"
    assert data["nothing_to_release"] is False


def test_tag_dry_run_exits_10(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit(repo, "fix: x")
    assert main(["release", "tag", "--dry-run"]) == 10
    out = capsys.readouterr().out
    assert "would create tag v1.0.1" in out and "- x (" in out
    assert "v1.0.1" not in git(repo, "tag")


def test_dry_run_from_the_environment(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    commit(repo, "fix: x")
    monkeypatch.setenv("DRY_RUN", "1")
    assert main(["release", "tag", "--json"]) == 10
    assert json.loads(capsys.readouterr().out)["status"] == "dry-run"


def test_tag_then_nothing_to_release(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit(repo, "fix: x")
    assert main(["release", "tag"]) == 0
    assert capsys.readouterr().out.strip() == "v1.0.1"
    assert main(["release", "tag"]) == 0
    assert "nothing to release" in capsys.readouterr().err
    assert main(["release", "tag", "--strict"]) == 1
    assert main(["release", "tag", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "skipped"


def test_refusals_exit_1_with_a_hint(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit(repo, "fix: x")
    (repo / "dirty.txt").write_text("x")
    assert main(["release", "tag"]) == 1
    err = capsys.readouterr().err
    assert "uncommitted change(s)" in err and "dirty.txt" in err and "hint:" in err
    assert main(["release", "tag", "--allow-dirty", "--message", "m"]) == 0


def test_changelog_print_and_write(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit(repo, "feat: shiny")
    assert main(["release", "changelog"]) == 0
    assert "### Features\n- shiny (" in capsys.readouterr().out
    assert main(["release", "changelog", "--write"]) == 0
    assert "wrote 1.1.0" in capsys.readouterr().err
    assert main(["release", "changelog", "--write", "CHANGELOG.md"]) == 0
    assert "already up to date" in capsys.readouterr().err
    assert (repo / "CHANGELOG.md").read_text().count("## [1.1.0]") == 1
    assert main(["release", "changelog", "--since", "nope"]) == 3


def test_config_section_is_used(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "pitstop.toml").write_text('[release]\ntag_format = "rel-{version}"\n'
                                       'initial = "3.0.0"\n')
    assert main(["release", "next"]) == 0
    assert capsys.readouterr().out == "3.0.0\n"
    (repo / "pitstop.toml").write_text('[release]\ntag_format = "no-placeholder"\n')
    assert main(["release", "next"]) == 3
    assert "tag_format" in capsys.readouterr().err


def test_not_a_repository_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["release", "next"]) == 3
    assert "not inside a git repository" in capsys.readouterr().err


def test_git_missing_exits_2(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert main(["release", "next"]) == 2
    assert "git is not installed" in capsys.readouterr().err


def test_installed_entry_point_in_a_hook_like_environment(repo: Path) -> None:
    """As in a git hook: GIT_DIR points elsewhere; pitstop still reads its own repo."""
    commit(repo, "feat: via subprocess")
    env = {"PATH": "/usr/bin:/bin", "GIT_DIR": "/nonexistent/.git", "HOME": str(repo)}
    result = subprocess.run([sys.executable, "-m", "pitstop", "release", "next"], cwd=repo,
                            env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1.1.0\n"


def test_help_texts(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["release", "--help"], ["release", "tag", "--help"]):
        assert main(args) == 0
    out = capsys.readouterr().out
    assert "--allow-dirty" in out and "Conventional Commits" in out


def test_works_from_a_subdirectory_with_pyproject_config(
        repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "pyproject.toml").write_text('[tool.pitstop.release]\ninitial = "1.0.0"\n'
                                         'zero_breaking = "major"\n')
    sub = repo / "src" / "pkg"
    sub.mkdir(parents=True)
    commit(repo, "feat: nested")
    monkeypatch.chdir(sub)
    assert main(["release", "next"]) == 0
    assert capsys.readouterr().out == "1.1.0\n"
    assert main(["release", "changelog", "--write"]) == 0
    assert (repo / "CHANGELOG.md").is_file()
