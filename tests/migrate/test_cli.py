"""``pitstop migrate`` from the command line: exit codes and output."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from pitstop.cli.main import main

from .conftest import simple, write_layout

COMMANDS = ["up", "down", "redo", "status", "history", "new", "validate", "repair", "baseline",
            "import-history"]


@pytest.fixture
def cli(project: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    write_layout("flyway", project / "migrations", [simple(1), simple(2)])

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["migrate", *args, "--database", sqlite_url])
        out, err = capsys.readouterr()
        logging.getLogger("pitstop").handlers.clear()
        return code, out, err

    return run


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in COMMANDS:
        assert main(["migrate", command, "--help"]) == 0
        assert "Usage:" in capsys.readouterr().out
    docs = (Path(__file__).parents[2] / "docs" / "migrate.md").read_text()
    for command in COMMANDS:
        assert f"migrate {command}" in docs


def test_dry_run_then_up_then_status(cli, project: Path,  # type: ignore[no-untyped-def]
                                     sqlite_url: str) -> None:
    code, out, err = cli("up", "--dry-run")
    assert code == 10
    assert "V1__step_1.sql" in out and "would be applied" in err
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()  # not even the file
    code, out, _ = cli("status", "--exit-code")
    assert code == 1
    code, out, _ = cli("up", "--json")
    assert code == 0
    assert [a["file"] for a in json.loads(out)["applied"]] == ["V1__step_1.sql", "V2__step_2.sql"]
    code, out, _ = cli("status", "--json", "--exit-code")
    assert code == 0
    data = json.loads(out)
    assert {"version", "description", "file", "state", "applied_at", "checksum"} <= set(
        data["migrations"][0])
    assert [m["state"] for m in data["migrations"]] == ["applied", "applied"]
    code, out, _ = cli("history", "--json")
    assert code == 0 and len(json.loads(out)["records"]) == 2
    code, out, _ = cli("history")
    assert code == 0 and "V2__step_2.sql" in out


def test_failure_exit_code_and_message(cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    (project / "migrations" / "V3__bad.sql").write_text("SELECT 1;\n\nSELEC oops;\n")
    code, out, err = cli("up")
    assert code == 1
    assert "V3__bad.sql:3:" in err and "SELEC oops" in err and "rolled back" in err
    code, out, err = cli("up", "--json")
    assert code == 1
    assert json.loads(out)["file"] == "V3__bad.sql"


def test_validate_repair_exit_codes(cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("up")[0] == 0
    (project / "migrations" / "V1__step_1.sql").write_text("-- edited\n")
    code, _, err = cli("validate")
    assert code == 1 and "V1__step_1.sql" in err
    code, _, err = cli("up")
    assert code == 1 and "changed after it was applied" in err
    code, _, err = cli("repair", "--dry-run")
    assert code == 10 and "would update-checksum" in err
    assert cli("repair")[0] == 0
    assert cli("validate")[0] == 0


def test_down_redo_new_baseline(cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("baseline", "--version", "1")
    assert code == 0 and "1 migration file counts as applied" in err
    assert cli("up")[0] == 0
    assert cli("redo")[0] == 0
    assert cli("down", "--steps", "0")[0] == 3
    assert cli("down", "--steps", "1", "--to", "1")[0] == 3
    assert cli("down")[0] == 0
    code, out, _ = cli("new", "Add users!", "--json")
    assert code == 0
    assert json.loads(out)["files"][0].endswith("V3__add_users.sql")


def test_usage_and_connection_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_layout("flyway", project / "migrations", [simple(1)])
    assert main(["migrate", "status", "--database", "oracle://x"]) == 3
    assert "unsupported database URL" in capsys.readouterr().err
    assert main(["migrate", "status", "--database",
                 "postgresql://u:secretpw@127.0.0.1:1/db"]) == 4
    err = capsys.readouterr().err
    assert "secretpw" not in err and "127.0.0.1:1" in err
    assert main(["migrate", "up", "--wait", "0.5", "--database",
                 "postgresql://u@127.0.0.1:1/db"]) == 4
    assert main(["migrate", "up", "--database", "sqlite:////nonexistent-dir/x.db"]) == 4
    assert "does not exist" in capsys.readouterr().err
    assert main(["migrate", "baseline"]) == 3
    assert main(["migrate", "import-history", "--from", "liquibase"]) == 3
    assert main(["migrate", "status", "--dir", "nowhere", "--database",
                 "sqlite:///x.db"]) == 3
    assert not (project / "x.db").exists()


def test_import_is_light() -> None:
    code = ("import sys, pitstop.migrate; "
            "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_api() -> None:
    import importlib
    import types

    import pitstop.migrate as m

    for name in ("up", "down", "status", "history", "new", "validate", "repair", "baseline",
                 "import_history", "redo", "current_version"):
        assert name in m.__all__ and callable(getattr(m, name))
    # what __all__ promises is exactly what the package resolves, each name from the
    # module that owns it; nothing else public lives in the package
    assert len(set(m.__all__)) == len(m.__all__)
    assert set(m.__all__) == set(m._EXPORTS)
    for name in m.__all__:
        owner = importlib.import_module(m._EXPORTS[name])
        assert getattr(m, name) is getattr(owner, name), name
    helpers = {"annotations", "importlib", "TYPE_CHECKING", "Any"}
    public = {n for n, v in vars(m).items() if not n.startswith("_")
              and not isinstance(v, types.ModuleType)} - helpers
    assert public <= set(m.__all__), sorted(public - set(m.__all__))
    with pytest.raises(AttributeError):
        m.no_such_verb  # noqa: B018


def test_migrate_task(project: Path, sqlite_url: str) -> None:
    import threading

    from pitstop.backup.premigrate import migrate_task
    from pitstop.capability import TaskContext
    from settings_builder import build_settings

    write_layout("flyway", project / "migrations", [simple(1)])
    settings = build_settings(project, discover=False, database_url=sqlite_url)
    log = logging.LoggerAdapter(logging.getLogger("pitstop.test"), {})
    ctx = TaskContext("migrate", settings, "run1", log, dry_run=True, cancel=threading.Event())
    outcome = migrate_task(ctx)
    assert (outcome.status, outcome.exit_code) == ("dry-run", 10)
    ctx.dry_run = False
    outcome = migrate_task(ctx)
    assert outcome.exit_code == 0
    assert [a["file"] for a in outcome.data["applied"]] == ["V1__step_1.sql"]
    assert outcome.data["current_version"] == "1"


def test_wait_then_run(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("up", "--wait", "5")
    assert code == 0 and "2 migrations applied" in err


def test_lock_timeout_via_cli_names_holder(project: Path, pg_url: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.migrate.dialects import dialect_for

    write_layout("flyway", project / "migrations", [simple(1)])
    held = dialect_for(pg_url).lock(pg_url, "pitstop_migrations", 5)
    try:
        code = main(["migrate", "up", "--database", pg_url, "--lock-timeout", "0.3"])
    finally:
        held.release()
    err = capsys.readouterr().err
    assert code == 4
    assert "another migration runner holds the lock" in err and "pitstop-migrate pid" in err


def test_import_history_cli(cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    (project / "migrations" / "migrations_applied.txt").write_text("V1__step_1.sql\nV9__x.sql\n")
    code, out, _ = cli("import-history", "--from", "plain-file", "--json")
    assert code == 0
    assert json.loads(out) == {"source": "plain-file", "imported": ["V1__step_1.sql"],
                               "skipped": ["V9__x.sql"], "dry_run": False}
    code, out, _ = cli("up", "--json")
    assert [a["file"] for a in json.loads(out)["applied"]] == ["V2__step_2.sql"]


def test_default_database_in_a_fresh_project(project: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    write_layout("flyway", project / "migrations", [simple(1)])
    assert main(["migrate", "status", "--exit-code"]) == 1
    assert not (project / ".pitstop").exists()  # reading creates nothing
    assert main(["migrate", "up"]) == 0
    assert (project / ".pitstop" / "app.db").is_file()
    logging.getLogger("pitstop").handlers.clear()
