"""Regressions found in the acceptance review: Ctrl-C in the middle of a migration, bad
paths and odd arguments.  Each must end with the documented exit code and a one-line
message naming the file (and a hint), never a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pitstop.migrate as m
from pitstop.cli.main import main
from pitstop.errors import MigrationError

from .conftest import make_settings, query, simple, tables, write_layout

_HEAVY_SQLITE = ("INSERT INTO heavy WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
                 "FROM c WHERE x < 50000000) SELECT count(*) FROM c;")


def _start(url: str, folder: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.Popen(
        [sys.executable, "-m", "pitstop", "migrate", "up", "--database", url, "--dir",
         str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=folder.parent)


def _interrupt(proc: subprocess.Popen[str], line: str) -> tuple[float, str]:
    """Wait for ``line`` on stderr, send SIGINT, return (seconds to exit, rest of stderr)."""
    assert proc.stderr is not None
    for text in proc.stderr:
        if line in text:
            break
    else:
        raise AssertionError(f"the runner ended before printing {line!r}")
    time.sleep(0.4)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    return time.monotonic() - sent, err


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_ctrl_c_mid_transactional_migration(project: Path, dialect: str,
                                            request: pytest.FixtureRequest) -> None:
    url: str = request.getfixturevalue("sqlite_url" if dialect == "sqlite" else "pg_url")
    slow = _HEAVY_SQLITE if dialect == "sqlite" else "SELECT pg_sleep(8);"
    folder = project / "migrations"
    write_layout("flyway", folder, [simple(1), (f"CREATE TABLE heavy (n INTEGER);\n{slow}\n"
                                                "CREATE TABLE after_heavy (n INTEGER);", None)])
    proc = _start(url, folder)
    took, err = _interrupt(proc, "applying V2__step_2.sql")
    assert proc.returncode == 130
    assert took < 5, "SQLite must stop the running statement, not finish the file first"
    assert "Traceback" not in err
    assert "V2__step_2.sql: interrupted while applying it" in err and "hint:" in err
    assert not {"heavy", "after_heavy"} & tables(url)  # nothing of it is left
    settings = make_settings(project, url)
    assert [e.state for e in m.status(settings).migrations] == ["applied", "pending"]


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_ctrl_c_outside_a_transaction_is_recorded(project: Path, dialect: str,
                                                  request: pytest.FixtureRequest) -> None:
    url: str = request.getfixturevalue("sqlite_url" if dialect == "sqlite" else "mysql_url")
    slow = _HEAVY_SQLITE if dialect == "sqlite" else "SELECT SLEEP(8);"
    folder = project / "migrations"
    write_layout("flyway", folder, [(f"-- pitstop:no-transaction\nCREATE TABLE heavy (n INTEGER);"
                                     f"\n{slow}\nCREATE TABLE after_heavy (n INTEGER);", None)])
    proc = _start(url, folder)
    took, err = _interrupt(proc, "applying V1__step_1.sql")
    assert proc.returncode == 130 and took < 5
    assert "Traceback" not in err
    assert "V1__step_1.sql: interrupted while applying it" in err
    assert "1 of 3 statements had finished" in err and "repair" in err
    entry = m.status(make_settings(project, url)).migrations[0]
    assert entry.state == "failed" and entry.note.startswith("1/3")
    assert "after_heavy" not in tables(url)


def test_bad_paths_and_arguments(project: Path, sqlite_url: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    folder = project / "migrations"
    write_layout("flyway", folder, [simple(1)])

    def run(*args: str) -> tuple[int, str]:
        code = main(["migrate", *args])
        return code, capsys.readouterr().err

    db = ["--database", sqlite_url]
    code, err = run("status", "--dir", str(folder / "V1__step_1.sql"), *db)
    assert code == 3 and "is not a directory" in err and "does not exist" not in err
    code, err = run("status", "--database", f"sqlite:///{folder / 'V1__step_1.sql'}")
    assert code == 4 and "V1__step_1.sql" in err and "hint:" in err
    code, err = run("down", "--steps", "0", *db)
    assert code == 3 and "--steps 0" in err and "hint:" in err
    code, err = run("down", "--steps", "1", "--to", "1", *db)
    assert code == 3 and "hint:" in err
    assert run("up", "--lock-timeout", "-1", *db)[0] == 3
    assert run("up", "--wait", "-1", *db)[0] == 3
    code, err = run("new", "x" * 400, *db)
    assert code == 0 and "unexpected" not in err
    created = [p.name for p in folder.iterdir() if p.name.startswith("V2__")]
    assert len(created) == 1 and len(created[0]) < 120
    code, err = run("new", "", *db)
    assert code == 3 and "hint:" in err
    code, err = run("new", "users", "--dir", str(folder / "V1__step_1.sql"), *db)
    assert code == 1 and "V1__step_1.sql" in err and "unexpected" not in err
    assert query(sqlite_url, "SELECT 1") == [(1,)]  # the database is still usable


def test_duplicate_versions_are_errors_in_every_pairing_layout(project: Path,
                                                               sqlite_url: str) -> None:
    folder = project / "migrations"
    folder.mkdir()
    settings = make_settings(project, sqlite_url)
    (folder / "000001_a.up.sql").write_text("CREATE TABLE a (id INTEGER);")
    (folder / "000001_b.up.sql").write_text("CREATE TABLE b (id INTEGER);")
    with pytest.raises(MigrationError, match=r"000001_(a|b)\.up\.sql: version 1 is also"):
        m.status(settings)  # was: one of the two silently dropped
    (folder / "000001_b.up.sql").unlink()
    (folder / "000001_a.down.sql").write_text("DROP TABLE a;")
    (folder / "1_a.down.sql").write_text("DROP TABLE a;")
    with pytest.raises(MigrationError, match=r"version 1 is also used"):
        m.status(settings)
    for path in folder.iterdir():
        path.unlink()
    (folder / "V1__a.sql").write_text("CREATE TABLE a (id INTEGER);")
    (folder / "U1__a.sql").write_text("DROP TABLE a;")
    (folder / "U1__other.sql").write_text("DROP TABLE a;")
    with pytest.raises(MigrationError, match=r"U1__\w+\.sql: undo migration for version 1"):
        m.status(settings)


def test_flyway_reads_sub_folders(project: Path, sqlite_url: str) -> None:
    folder = project / "migrations"
    (folder / "v1" / "deep").mkdir(parents=True)
    (folder / "v1" / "V1__a.sql").write_text("CREATE TABLE a (id INTEGER);")
    (folder / "v1" / "deep" / "V2__b.sql").write_text("CREATE TABLE b (id INTEGER);")
    (folder / "v1" / "deep" / "V2__b.sql.conf").write_text("executeInTransaction=false\n")
    settings = make_settings(project, sqlite_url)
    st = m.status(settings)
    assert st.layout == "flyway"  # detected although no file sits at the top
    assert [(e.file, e.transactional) for e in st.migrations] == [
        ("v1/V1__a.sql", True), ("v1/deep/V2__b.sql", False)]
    (folder / "V3__c.sql").write_text("CREATE TABLE c (id INTEGER);")
    assert [a.file for a in m.up(settings).applied] == [
        "v1/V1__a.sql", "v1/deep/V2__b.sql", "V3__c.sql"]
    assert {"a", "b", "c"} <= tables(sqlite_url)


def test_alembic_project_errors_are_clean(project: Path, sqlite_url: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from .test_alembic import REVISION, alembic_project

    alembic_project(project)
    (project / "pitstop.toml").write_text('[migrate]\ndir = "alembic"\n')

    def run(*args: str, url: str = sqlite_url) -> tuple[int, str]:
        code = main(["migrate", *args, "--database", url])
        return code, capsys.readouterr().err

    code, err = run("status", url="postgresql://u:hidden-pw@127.0.0.1:1/x")
    assert code == 4 and "127.0.0.1:1" in err and "hidden-pw" not in err
    assert "unexpected" not in err  # was a crash report
    code, err = run("up", "--to", "nope")
    assert code == 3 and "nope" in err and "hint:" in err
    bad = project / "alembic" / "versions" / "a3_bad.py"
    bad.write_text(REVISION.format(doc="bad", rev="a3", down="a2", up="undefined_name()",
                                   down_sql="pass"))
    code, err = run("up")
    assert code == 1 and "a3_bad.py:" in err and "NameError" in err and "unexpected" not in err
    bad.write_text("import module_that_is_not_there_xyz\n")
    code, err = run("status")  # not installed in the project's interpreter: exit 3 naming both
    assert code == 3 and "a3_bad.py:1" in err and "error: module_that_is_not_there_xyz cannot " \
        f"be imported by {sys.executable}" in err
    bad.unlink()
    (project / "alembic" / "env.py").write_text("this is not python(\n")
    code, err = run("down")
    assert code == 1 and "env.py:1" in err and "SyntaxError" in err


def test_unreadable_file_names_it(project: Path, sqlite_url: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    folder = project / "migrations"
    write_layout("flyway", folder, [simple(1)])
    (folder / "V2__gone.sql").symlink_to(project / "nowhere.sql")
    assert main(["migrate", "status", "--database", sqlite_url]) == 1
    err = capsys.readouterr().err
    assert "V2__gone.sql: cannot be read" in err and "hint:" in err


def test_down_scripts_follow_their_own_transaction_marker(project: Path,
                                                          sqlite_url: str) -> None:
    folder = project / "migrations"
    folder.mkdir()
    (folder / "20240101000000_a.sql").write_text(
        "-- migrate:up transaction:false\nCREATE TABLE a (id INTEGER);\n"
        "-- migrate:down\nDROP TABLE a;\n")
    (folder / "20240102000000_b.sql").write_text(
        "-- migrate:up\nCREATE TABLE b (id INTEGER);\n"
        "-- migrate:down transaction:false\nDROP TABLE b;\n")
    settings = make_settings(project, sqlite_url)
    assert [s.transactional for s in m.up(settings, dry_run=True).plan] == [False, True]
    m.up(settings)
    plan = m.down(settings, steps=2, dry_run=True).plan
    assert [(p.file, p.transactional) for p in plan] == [
        ("20240102000000_b.sql", False), ("20240101000000_a.sql", True)]
    for path in folder.iterdir():
        path.unlink()
    (folder / "000001_a.up.sql").write_text("-- pitstop:no-transaction\nCREATE TABLE c (id INT);")
    (folder / "000001_a.down.sql").write_text("DROP TABLE c;")
    (folder / "000002_b.up.sql").write_text("CREATE TABLE d (id INT);")
    (folder / "000002_b.down.sql").write_text("-- pitstop:no-transaction\nDROP TABLE d;")
    url = sqlite_url.replace("app.db", "golang.db")
    m.up(settings, database_url=url)
    plan = m.down(settings, database_url=url, steps=2, dry_run=True).plan
    assert [p.transactional for p in plan] == [False, True]


def test_dry_run_env_is_honoured_by_baseline_and_import(
        project: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import json

    folder = project / "migrations"
    write_layout("flyway", folder, [simple(1), simple(2)])
    (folder / "migrations_applied.txt").write_text("V1__step_1.sql\n")
    db_file = Path(sqlite_url.removeprefix("sqlite:///"))
    monkeypatch.setenv("DRY_RUN", "1")
    assert main(["migrate", "baseline", "--version", "1", "--database", sqlite_url]) == 10
    assert main(["migrate", "import-history", "--from", "plain-file", "--json",
                 "--database", sqlite_url]) == 10
    out = capsys.readouterr().out
    assert json.loads(out) == {"source": "plain-file", "imported": ["V1__step_1.sql"],
                               "skipped": [], "dry_run": True}
    assert main(["migrate", "import-history", "--from", "flyway",
                 "--database", sqlite_url]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not db_file.exists()  # nothing written, not even the SQLite file
    monkeypatch.delenv("DRY_RUN")
    assert main(["migrate", "import-history", "--from", "plain-file",
                 "--database", sqlite_url]) == 0
    settings = make_settings(project, sqlite_url)
    again = m.import_history(settings, source="plain-file", dry_run=True)
    assert again.imported == () and again.dry_run  # already recorded
    with pytest.raises(MigrationError, match="already records migrations"):
        m.baseline(settings, version="1", dry_run=True)  # refused without writing too


def test_migration_that_moves_search_path_keeps_history_in_place(project: Path,
                                                                 pg_url: str) -> None:
    folder = project / "migrations"
    write_layout("flyway", folder, [
        # what pg_dump writes at the top of every dump
        ("SELECT pg_catalog.set_config('search_path', '', false);\n"
         "CREATE TABLE public.dumped (id integer);", None),
        ("CREATE SCHEMA app;\nSET search_path TO app;\nCREATE TABLE app.t (id integer);",
         None),
        ("CREATE INDEX CONCURRENTLY t_id ON app.t (id);", None),
        ("CREATE TABLE later (id integer);", None),
    ])
    settings = make_settings(project, pg_url)
    assert len(m.up(settings).applied) == 4  # was: relation "pitstop_migrations" does not exist
    assert [e.state for e in m.status(settings).migrations] == ["applied"] * 4
    assert query(pg_url, "SELECT table_schema, table_name FROM information_schema.tables "
                         "WHERE table_name IN ('pitstop_migrations', 'later') "
                         "ORDER BY table_name") == [("public", "later"),
                                                    ("public", "pitstop_migrations")]


def test_migration_that_uses_another_database_keeps_history_in_place(project: Path,
                                                                     mysql_url: str) -> None:
    folder = project / "migrations"
    write_layout("flyway", folder, [("CREATE TABLE a (id INTEGER);\nUSE information_schema;\n"
                                     "SELECT 1;", None), simple(2)])
    settings = make_settings(project, mysql_url)
    assert len(m.up(settings).applied) == 2
    assert [e.state for e in m.status(settings).migrations] == ["applied", "applied"]


def test_history_table_further_down_search_path_is_found(project: Path, pg_url: str) -> None:
    folder = project / "migrations"
    write_layout("flyway", folder, [("CREATE SCHEMA app;", None)])
    role = pg_url.rsplit("/", 1)[1]
    query(pg_url, f"ALTER DATABASE {role} SET search_path TO app, public")
    settings = make_settings(project, pg_url)
    m.up(settings)  # app did not exist yet: the history table went to public
    write_layout("flyway", folder, [("CREATE TABLE t (id integer);", None)], start=2)
    assert [a.file for a in m.up(settings).applied] == ["V2__step_2.sql"]  # not V1 again
    assert query(pg_url, "SELECT table_schema, table_name FROM information_schema.tables "
                         "WHERE table_schema IN ('app', 'public') ORDER BY 2") == [
        ("public", "pitstop_migrations"), ("app", "t")]


def test_wait_on_a_fresh_sqlite_project(project: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    write_layout("flyway", project / "migrations", [simple(1)])
    started = time.monotonic()
    assert main(["migrate", "status", "--wait", "3"]) == 0  # was: exit 4 after 3 s
    assert time.monotonic() - started < 2.5
    assert not (project / ".pitstop").exists()
    assert main(["migrate", "up", "--wait", "3"]) == 0
    assert "1 migration applied" in capsys.readouterr().err


@pytest.mark.parametrize("layout", ["dbmate", "golang-migrate", "diesel", "plain"])
def test_new_twice_in_one_second_and_explicit_plain(project: Path, sqlite_url: str,
                                                    layout: str) -> None:
    import datetime as dt

    settings = make_settings(project, sqlite_url, f'[migrate]\nlayout = "{layout}"\n')
    moment = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    first = m.new(settings, name="first", now=moment)
    second = m.new(settings, name="second", now=moment)  # was: the same version twice
    assert first.layout == second.layout == layout  # plain stays plain on an empty dir
    st = m.status(settings)
    assert [e.description.split()[-1] for e in st.migrations] == ["first", "second"]
    assert len({e.version for e in st.migrations}) == 2


def test_down_to_base_rolls_back_everything(project: Path, sqlite_url: str) -> None:
    write_layout("golang-migrate", project / "migrations", [simple(1), simple(2), simple(3)])
    settings = make_settings(project, sqlite_url)
    m.up(settings)
    assert len(m.down(settings, to="base", dry_run=True).plan) == 3
    assert [a.version for a in m.down(settings, to="0").applied] == ["3", "2", "1"]
    assert not {"t1", "t2", "t3"} & tables(sqlite_url)
    assert m.down(settings, steps=5).applied == ()  # past the first: nothing to do, no error


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_unterminated_string_is_named_as_such(project: Path, dialect: str,
                                              request: pytest.FixtureRequest) -> None:
    url: str = request.getfixturevalue("sqlite_url" if dialect == "sqlite" else "pg_url")
    write_layout("flyway", project / "migrations", [
        ("CREATE TABLE x (a TEXT);\nINSERT INTO x VALUES ('abc);\nSELECT 1;", None)])
    with pytest.raises(m.MigrationFailedError) as failed:
        m.up(make_settings(project, url))
    # was: 'near "3": syntax error', about the history row pitstop appends
    assert failed.value.line == 2 and failed.value.db_message.startswith("unterminated string")
    assert failed.value.statement.startswith("INSERT INTO x")
    assert "x" not in tables(url)


def test_unterminated_finds_the_open_literal() -> None:
    from pitstop.migrate.splitter import unterminated

    assert unterminated("SELECT 'a', \"b\", $$c$$, $t$d$t$ /* e */;") is None
    assert unterminated("SELECT 'it''s';\nSELECT 'x") == ("string", 23)
    assert unterminated("SELECT $f$ body") == ("dollar quote $f$", 7)
    assert unterminated("SELECT $f$ body", dollar=False) is None
    assert unterminated("SELECT 1; /* open") == ("/* comment", 10)
    assert unterminated('SELECT "open') == ('"quoted" identifier', 7)


def test_set_role_in_a_migration_does_not_write_history_as_that_role(project: Path,
                                                                     pg_url: str) -> None:
    import uuid

    role = f"migrev_r_{uuid.uuid4().hex[:8]}"
    query(pg_url, f"CREATE ROLE {role}")
    try:
        write_layout("flyway", project / "migrations", [
            (f"SET ROLE {role};\nSELECT 1;", None), simple(2)])
        settings = make_settings(project, pg_url)
        # was: permission denied for table pitstop_migrations (the row was written as role)
        assert len(m.up(settings).applied) == 2
        assert query(pg_url, "SELECT tableowner FROM pg_tables WHERE tablename = 't2'") == [
            ("postgres",)]  # the next migration ran as the runner again
    finally:
        query(pg_url, f"DROP ROLE {role}")
