"""The database a command targets: options of its URL the driver rejects (exit 3
naming the option), and a database that does not exist yet (``up`` creates it unless
``[migrate] create_database = false``; ``status`` says it does not exist, exit 4)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import pitstop.migrate as m
from pitstop.cli.main import main
from pitstop.errors import ConnectError

from .conftest import make_settings, simple, tables, write_layout


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["migrate", *args])
    out, err = capsys.readouterr()
    logging.getLogger("pitstop").handlers.clear()
    return code, out, err


# --- options of the URL -----------------------------------------------------------------

@pytest.mark.parametrize("option, says", [
    ("sslmode=bogus", 'invalid sslmode value: "bogus"'),
    ("bogus=1", 'invalid connection option "bogus"'),
    ("connect_timeout=abc", "connect_timeout"),
    ("keepalives=abc", 'for connection option "keepalives"'),
    ("target_session_attrs=nope", "target_session_attrs"),
    ("options=-cno_such_setting%3D1", 'unrecognized configuration parameter "no_such_setting"'),
])
def test_postgresql_url_options_the_driver_rejects_are_exit_3(
        project: Path, pg_url: str, capsys: pytest.CaptureFixture[str], option: str,
        says: str) -> None:
    write_layout("flyway", project / "migrations", [simple(1)])
    name = option.split("=", 1)[0]
    url = pg_url.replace("postgres@", "postgres:s3cret@") + f"?{option}"
    for verb in ("status", "up"):  # the libpq read and the psycopg write paths
        code, _, err = _run(capsys, verb, "--database", url)
        assert code == 3, err
        assert f"option {name}=" in err and says in err
        assert "is the server running" not in err and "s3cret" not in err
    assert "t1" not in tables(pg_url)


@pytest.mark.parametrize("option, says", [
    ("ssl_mode=REQUIRED", "PyMySQL has no such connection option"),
    ("charset=bogus", "unknown character set 'bogus'"),
    ("connect_timeout=abc", "invalid literal"),
    ("compress=maybe", "not true/false"),
    ("ssl_ca=/nonexistent/ca.pem", "/nonexistent/ca.pem: no such file"),
])
def test_mysql_url_options_the_driver_rejects_are_exit_3(
        project: Path, mysql_url: str, capsys: pytest.CaptureFixture[str], option: str,
        says: str) -> None:
    write_layout("flyway", project / "migrations", [simple(1)])
    name = option.split("=", 1)[0]
    for verb in ("status", "up"):
        code, _, err = _run(capsys, verb, "--database", f"{mysql_url}?{option}")
        assert code == 3, err
        assert f"option {name}=" in err and says in err
        assert "unexpected error" not in err


def test_an_option_set_by_the_environment_is_not_blamed_on_the_url(
        project: Path, pg_url: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    write_layout("flyway", project / "migrations", [simple(1)])
    monkeypatch.setenv("PGSSLMODE", "bogus")
    code, _, err = _run(capsys, "status", "--database", pg_url)
    assert code == 4 and "option sslmode" not in err and "bogus" in err


def test_wait_does_not_wait_for_a_bad_option(project: Path, pg_url: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    write_layout("flyway", project / "migrations", [simple(1)])
    code, _, err = _run(capsys, "up", "--wait", "30s", "--database", f"{pg_url}?sslmode=bogus")
    assert code == 3 and "option sslmode=bogus" in err and "waited" not in err


# --- a database that does not exist yet ---------------------------------------------------

def _missing(request: pytest.FixtureRequest, kind: str) -> Iterator[str]:
    """The URL of a database the server does not have (dropped afterwards if made)."""
    from pitstop.db.url import create_engine

    existing: str = request.getfixturevalue("pg_url" if kind == "postgresql" else "mysql_url")
    name = f"pitstop_new_{uuid.uuid4().hex[:10]}"
    try:
        yield existing.rsplit("/", 1)[0] + f"/{name}"
    finally:
        engine = create_engine(existing, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                                 if kind == "postgresql" else
                                 f"DROP DATABASE IF EXISTS `{name}`")
        engine.dispose()


@pytest.fixture(params=["postgresql", "mysql"])
def missing_url(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from _missing(request, request.param)


@pytest.fixture
def missing_pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from _missing(request, "postgresql")


def _exists(url: str) -> bool:
    from pitstop.db.url import DatabaseMissingError

    try:
        m.current_version(url)
    except DatabaseMissingError:
        return False
    return True


def test_status_says_the_database_does_not_exist(project: Path, missing_url: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    write_layout("flyway", project / "migrations", [simple(1)])
    name = missing_url.rsplit("/", 1)[1]
    for verb in ("status", "history", "validate", "down"):
        code, _, err = _run(capsys, verb, "--database", missing_url)
        assert code == 4, err
        assert f"database '{name}' does not exist" in err
        assert "hint: `pitstop migrate up` creates it" in err and "pitstop db init" in err
        assert "connection failed" not in err
    assert not _exists(missing_url)


def test_up_creates_the_database(project: Path, missing_url: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    write_layout("flyway", project / "migrations", [simple(1), simple(2)])
    code, out, err = _run(capsys, "up", "--dry-run", "--json", "--database", missing_url)
    assert code == 10 and json.loads(out)["created_database"] is True
    assert len(json.loads(out)["plan"]) == 2 and not _exists(missing_url)
    code, _, err = _run(capsys, "up", "--dry-run", "--database", missing_url)
    assert "does not exist yet; it would be created" in err
    code, out, err = _run(capsys, "up", "--json", "--database", missing_url)
    assert code == 0, err
    data = json.loads(out)
    assert data["created_database"] is True and len(data["applied"]) == 2
    assert {"t1", "t2"} <= tables(missing_url)
    code, _, err = _run(capsys, "up", "--database", missing_url)
    assert code == 0 and "created the database" not in err and "0 migrations applied" in err


def test_wait_then_create(project: Path, missing_url: str,
                          capsys: pytest.CaptureFixture[str]) -> None:
    """`up --wait` on a server that answers "no such database" stops waiting and
    creates it, instead of waiting for a database nobody else will create."""
    write_layout("flyway", project / "migrations", [simple(1)])
    code, _, err = _run(capsys, "up", "--wait", "2m", "--database", missing_url)
    assert code == 0 and "created the database" in err and "waiting" not in err


def test_create_database_false_refuses(project: Path, missing_url: str) -> None:
    write_layout("flyway", project / "migrations", [simple(1)])
    from pitstop.db.url import DatabaseMissingError

    settings = make_settings(project, missing_url, "[migrate]\ncreate_database = false\n")
    for call in (lambda: m.up(settings), lambda: m.up(settings, dry_run=True)):
        with pytest.raises(DatabaseMissingError) as caught:
            call()
        assert caught.value.exit_code == 4
        assert "create_database = false" in (caught.value.hint or "")
    assert not _exists(missing_url)


def test_runners_racing_to_create_the_database_all_succeed(project: Path,
                                                           missing_url: str) -> None:
    folder = project / "migrations"
    write_layout("flyway", folder, [simple(i) for i in range(1, 4)])
    procs = [subprocess.Popen([sys.executable, "-m", "pitstop", "migrate", "up", "--json",
                               "--database", missing_url, "--dir", str(folder)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert [code for code, _, _ in results] == [0, 0, 0], [err for _, _, err in results]
    applied = [a["file"] for _, out, _ in results for a in json.loads(out)["applied"]]
    assert sorted(applied) == ["V1__step_1.sql", "V2__step_2.sql", "V3__step_3.sql"]


def test_sqlite_file_is_created_unless_refused(project: Path, tmp_path: Path) -> None:
    write_layout("flyway", project / "migrations", [simple(1)])
    db = tmp_path / "new.db"
    refusing = make_settings(project, f"sqlite:///{db}", "[migrate]\ncreate_database = false\n")
    with pytest.raises(ConnectError, match="the database file does not exist") as caught:
        m.up(refusing)
    assert caught.value.exit_code == 4 and not db.exists()
    assert m.status(refusing).migrations[0].state == "pending"  # reading still works
    (project / "pitstop.toml").unlink()
    result = m.up(make_settings(project, f"sqlite:///{db}"))
    assert result.created_database and db.is_file() and len(result.applied) == 1


def test_up_creates_the_database_of_an_alembic_project(project: Path,
                                                       missing_pg_url: str) -> None:
    from .test_alembic import alembic_project

    alembic_project(project)
    settings = make_settings(project, missing_pg_url, "[migrate]\ndir = 'alembic'\n")
    with pytest.raises(ConnectError, match="does not exist"):
        m.status(settings)
    result = m.up(settings)
    assert result.created_database and "things" in tables(missing_pg_url)
    assert not m.up(settings).created_database
