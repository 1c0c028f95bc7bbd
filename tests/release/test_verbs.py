"""The release verbs in the one capability shape: settings in, a Result out (one
``to_dict``), git run in ``settings.environ``, every call recorded in the history."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from gitutil import git
from pitstop.capability import Result
from pitstop.cli.main import main
from pitstop.errors import DependencyError, ReleaseError, UsageError
from pitstop.registry import load_settings
from pitstop.release import ReleaseSettings, changelog, next_version, tag

from .conftest import at, commit


def test_with_section_replaces_one_section_and_keeps_the_rest(released: Path) -> None:
    settings = load_settings(released, discover=False, env={"DATABASE_URL": "sqlite:///x.db"})
    custom = settings.with_section(ReleaseSettings(initial="2.0.0"))
    assert custom.section(ReleaseSettings).initial == "2.0.0"
    assert settings.section(ReleaseSettings).initial == "0.1.0"  # the original is untouched
    assert custom.database_url == settings.database_url
    assert custom.project_dir == settings.project_dir
    with pytest.raises(KeyError, match="not a registered settings section"):
        settings.with_section(object())


def test_results_are_results_with_one_dict(released: Path) -> None:
    commit(released, "feat: search")
    settings = at(released)
    nxt = next_version(settings)
    assert isinstance(nxt, Result) and nxt.exit_code == 0
    data = nxt.to_dict()
    assert data["version"] == "1.1.0" and data["reasons"] == ["feat: search"]
    assert data["nothing_to_release"] is False
    planned = tag(settings, dry_run=True)
    assert planned.exit_code == 10 and planned.to_dict()["status"] == "dry-run"
    assert planned.to_dict()["actions"] == list(planned.actions)
    notes = changelog(settings, write=True)
    assert notes.to_dict()["path"] == str(released / "CHANGELOG.md")
    assert notes.to_dict()["groups"] == [{"title": "Features",
                                          "entries": [notes.groups[0].entries[0]]}]
    done = tag(settings, allow_dirty=True)
    assert done.exit_code == 0 and done.to_dict()["status"] == "created"


def test_dry_run_comes_from_the_settings(released: Path) -> None:
    commit(released, "fix: a")
    settings = load_settings(released, discover=False, env={**os.environ, "DRY_RUN": "1"})
    assert tag(settings).status == "dry-run"
    assert tag(settings, dry_run=False).status == "created"  # the option wins


def test_git_runs_in_the_settings_environment_not_the_process(
        released: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commit(released, "fix: a")
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    real_path = os.environ["PATH"]
    monkeypatch.setenv("PATH", str(empty))  # the process's own PATH has no git …
    assert next_version(at(released, env={"PATH": real_path})).version == "1.0.1"
    monkeypatch.setenv("PATH", real_path)  # … and a settings PATH without git is used
    with pytest.raises(DependencyError, match="git is not installed"):
        next_version(at(released, env={"PATH": str(empty)}))


def _release_flags() -> set[str]:
    import click

    from pitstop.cli.release_cmd import release

    return {opt for command in release.commands.values() for param in command.params
            if isinstance(param, click.Option) for opt in param.opts if opt.startswith("--")}


def test_errors_name_options_in_words_not_flags(released: Path) -> None:
    commit(released, "fix: a", file="a.txt")
    settings = at(released)
    errors: list[Any] = []
    for call in (lambda: changelog(settings, since="nope"),
                 lambda: changelog(settings, version="1.x"),
                 lambda: tag(settings, message=" "),
                 lambda: tag(settings.with_section(ReleaseSettings(remote="gone")), push=True)):
        with pytest.raises((UsageError, ReleaseError)) as info:
            call()
        errors.append(info.value)
    (released / "a.txt").write_text("changed\n")
    with pytest.raises(ReleaseError) as dirty:
        tag(settings)
    errors.append(dirty.value)
    flags = _release_flags()
    assert {"--since", "--version", "--message", "--push", "--allow-dirty"} <= flags
    for error in errors:
        said = f"{error.message} {error.hint or ''}"
        assert not [flag for flag in flags if flag in said], said


def test_pitstops_own_state_directory_does_not_make_the_tree_dirty(released: Path) -> None:
    commit(released, "fix: a")
    state = released / ".pitstop"
    state.mkdir()
    (state / "state.db").write_text("written by the history of this very command\n")
    assert tag(at(released)).status == "created"
    (released / "other.txt").write_text("a real change\n")
    commit(released, "fix: b")
    (released / "stray.txt").write_text("untracked\n")
    with pytest.raises(ReleaseError, match=r"stray\.txt"):
        tag(at(released))


def _history(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["history", "--json"]) == 0
    runs: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["runs"]
    return runs


def test_every_verb_is_recorded_from_the_cli(released: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A project with a committed pitstop.toml and no .gitignore: the history that the
    commands write into .pitstop/ never makes `release tag` refuse a dirty tree."""
    (released / "pitstop.toml").write_text('[release]\ninitial = "0.1.0"\n')
    git(released, "add", "pitstop.toml")
    git(released, "commit", "-q", "-m", "feat: configure pitstop")
    monkeypatch.chdir(released)
    assert main(["release", "next"]) == 0
    assert main(["release", "changelog"]) == 0
    assert main(["release", "tag", "--dry-run"]) == 10
    assert main(["release", "tag"]) == 0
    assert main(["release", "changelog", "--since", "nope"]) == 3
    runs = _history(capsys)
    assert [r["target"] for r in runs] == ["release changelog", "release tag", "release tag",
                                           "release changelog", "release next"]
    failed, created, dry, notes, nxt = runs
    for run in runs:
        assert run["kind"] == "verb" and run["capability"] == "release"
        assert run["trigger"] == "cli"
    assert nxt["status"] == "success" and nxt["result"]["version"] == "1.1.0"
    assert nxt["result"]["nothing_to_release"] is False
    assert notes["result"]["version"] == "1.1.0" and notes["result"]["commits"] == 1
    assert dry["status"] == "dry-run" and dry["exit_code"] == 10
    assert dry["options"]["dry_run"] is True and dry["result"]["status"] == "dry-run"
    assert created["status"] == "success" and created["result"]["tag"] == "v1.1.0"
    assert failed["status"] == "failed" and failed["exit_code"] == 3
    assert "no tag named 'nope'" in failed["error"]
    assert failed["options"]["since"] == "nope"
