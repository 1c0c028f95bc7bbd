"""Outside a project: pitstop says it uses defaults, and a command that fails before it
could do its work leaves no ``.pitstop/`` behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from pitstop.cli.main import main

UNREACHABLE = "postgresql://app:pw@127.0.0.1:1/app"


def cli(*args: str) -> int:
    return main(list(args))


def test_no_config_is_said_once(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("config", "show") == 0
    err = capsys.readouterr().err
    assert err.count(f"no pitstop.toml found above {project}: using defaults") == 1


def test_nothing_said_inside_a_project(project: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    (project / "pitstop.toml").write_text("")
    sub = project / "sub"
    sub.mkdir()
    assert cli("config", "show") == 0
    assert "no pitstop.toml" not in capsys.readouterr().err


def test_quiet_when_asked(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("--log-level", "ERROR", "config", "show") == 0
    assert "no pitstop.toml" not in capsys.readouterr().err


@pytest.mark.parametrize("args", [
    ("check", "database", "--database", UNREACHABLE),
    ("check", "--database", UNREACHABLE),
    ("backup", "create", "--database", UNREACHABLE),
    ("backup", "create"),  # the default SQLite database does not exist
    ("run", "migrate", "--database", UNREACHABLE),
    ("migrate", "up", "--database", UNREACHABLE),
    ("db", "init", "--database", UNREACHABLE),
    ("backup", "prune", "--keep-last", "0"),
    ("history", "show", "nope"),
])
def test_a_failed_command_leaves_no_state_behind(project: Path, args: tuple[str, ...],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (project / "migrations").mkdir()
    (project / "migrations" / "001_a.sql").write_text("create table a (x int);\n")
    code = cli(*args)
    assert code != 0, capsys.readouterr()
    assert not (project / ".pitstop").exists(), sorted(
        str(p.relative_to(project)) for p in (project / ".pitstop").rglob("*"))


def test_state_of_a_failed_run_that_did_something_is_kept(project: Path) -> None:
    # db-init creates the default SQLite database: that is work done, and stays
    assert cli("run", "db-init") == 0
    assert (project / ".pitstop" / "app.db").exists()


def test_an_existing_state_folder_is_never_touched(project: Path) -> None:
    (project / ".pitstop").mkdir()
    (project / ".pitstop" / "mine.txt").write_text("keep")
    assert cli("check", "database", "--database", UNREACHABLE) == 4
    assert (project / ".pitstop" / "mine.txt").read_text() == "keep"
    assert (project / ".pitstop" / "state.db").exists()  # history of an existing folder


def test_inside_a_project_state_is_kept(project: Path) -> None:
    (project / "pitstop.toml").write_text("")
    assert cli("check", "database", "--database", UNREACHABLE) == 4
    assert (project / ".pitstop" / "state.db").exists()
