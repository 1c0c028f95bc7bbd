"""What the file system or the database refuses: a name that is not UTF-8 (exit 1), a
directory pitstop may not read, a database or directory it may not write (exit 5).

The tests run as root, whom file modes do not stop; the CLI then runs as ``nobody``
through ``setpriv``, in a directory every user may enter, so the refusal is real."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import pitstop.migrate as m
from pitstop.cli.main import main
from pitstop.errors import MigrationError, PermissionDeniedError

from .conftest import make_settings, query, simple, tables, write_layout

NOBODY = 65534
BAD = os.fsdecode(b"V2__caf\xe9.sql")  # Latin-1 "café": not UTF-8


# --- names that are not UTF-8 ---------------------------------------------------------

def test_a_name_that_is_not_utf8_stops_up_naming_it(project: Path, sqlite_url: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    folder = project / "migrations"
    write_layout("flyway", folder, [simple(1)])
    assert main(["migrate", "up", "--database", sqlite_url]) == 0
    (folder / BAD).write_text("CREATE TABLE cafe (id INTEGER);\n")
    capsys.readouterr()
    for verb in ("up", "up", "status"):  # every later run, not a crash
        assert main(["migrate", verb, "--database", sqlite_url]) == 1
        err = capsys.readouterr().err
        assert "V2__caf\\xe9.sql: the name is not valid UTF-8" in err and "rename" in err
        assert "unexpected error" not in err
    assert "cafe" not in tables(sqlite_url)
    assert query(sqlite_url, "SELECT file FROM pitstop_migrations") == [("V1__step_1.sql",)]
    os.rename(folder / BAD, folder / "V2__cafe.sql")
    assert main(["migrate", "up", "--database", sqlite_url]) == 0


@pytest.mark.parametrize("layout, name", [
    ("diesel", b"2024-01-02-000000_caf\xe9"),
    ("flyway", b"sub\xe9/V2__x.sql"),
    ("dbmate", b"20240102000000_caf\xe9.sql"),
])
def test_names_that_are_not_utf8_in_every_layout(tmp_path: Path, layout: str,
                                                 name: bytes) -> None:
    from pitstop.migrate.layouts import read_scripts

    write_layout(layout, tmp_path, [simple(1)])
    path = tmp_path / os.fsdecode(name)
    if name.endswith(b".sql"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("-- migrate:up\nSELECT 1;\n")
    else:
        path.mkdir()
        (path / "up.sql").write_text("SELECT 1;\n")
    with pytest.raises(MigrationError, match=r"\\xe9") as caught:
        read_scripts(tmp_path, layout)
    assert caught.value.exit_code == 1 and "not valid UTF-8" in caught.value.message


# --- running as an unprivileged user ----------------------------------------------------

@pytest.fixture
def shared() -> Iterator[Path]:
    """A project directory ``nobody`` can reach (pytest's own tmp is root-only)."""
    if shutil.which("setpriv") is None and os.geteuid() == 0:
        pytest.skip("setpriv is not installed: cannot run pitstop as an unprivileged user")
    root = Path(tempfile.mkdtemp(prefix="pitstop-shared-", dir="/tmp"))
    root.chmod(0o777)
    try:
        yield root
    finally:
        for path in [root, *root.rglob("*")]:
            try:
                path.chmod(0o777)
            except OSError:
                pass
        shutil.rmtree(root, ignore_errors=True)


def _as_nobody(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] \
        if os.geteuid() == 0 else []
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(project),
           "NO_COLOR": "1", "LANG": "C.UTF-8"}
    return subprocess.run([*prefix, sys.executable, "-m", "pitstop", *args], cwd=project,
                          env=env, capture_output=True, text=True, timeout=120)


def _project(shared: Path, migrations: int = 1) -> Path:
    project = shared / "project"
    write_layout("flyway", project / "migrations", [simple(i) for i in range(1, migrations + 1)])
    for path in [project, *project.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    return project


@pytest.mark.parametrize("how", ["config", "--dir"])
def test_an_unreadable_migrations_directory_is_exit_5_naming_it(shared: Path, how: str) -> None:
    project = _project(shared)
    (project / "migrations").chmod(0o000)
    extra = ["--dir", "migrations"] if how == "--dir" else []
    for verb in ("status", "up"):
        done = _as_nobody(project, "migrate", verb, *extra,
                          "--database", f"sqlite:///{project / 'app.db'}")
        assert done.returncode == 5, done.stderr
        assert f"migrations directory {project / 'migrations'}: cannot be read: " \
               "Permission denied" in done.stderr
        assert "unexpected error" not in done.stderr and "Traceback" not in done.stderr


def test_an_unreadable_folder_inside_is_exit_5_naming_it(shared: Path) -> None:
    project = _project(shared)
    shutil.rmtree(project / "migrations")
    write_layout("diesel", project / "migrations", [simple(1)])
    sub = next((project / "migrations").iterdir())
    (project / "migrations").chmod(0o777)
    sub.chmod(0o000)
    done = _as_nobody(project, "migrate", "status", "--database",
                      f"sqlite:///{project / 'app.db'}")
    assert done.returncode == 5, done.stderr
    assert f"{sub / 'up.sql'}: cannot be read: Permission denied" in done.stderr


def test_a_read_only_sqlite_database_with_work_pending_is_exit_5(shared: Path) -> None:
    project = _project(shared)
    db = project / "app.db"
    url = f"sqlite:///{db}"
    assert _as_nobody(project, "migrate", "up", "--database", url).returncode == 0
    write_layout("flyway", project / "migrations", [simple(2)], start=2)
    db.chmod(0o444)
    done = _as_nobody(project, "migrate", "up", "--database", url)
    assert done.returncode == 5, done.stderr
    assert "V2__step_2.sql:1: attempt to write a readonly database" in done.stderr
    assert "fix the file" not in done.stderr and "the database refused it" in done.stderr
    assert "t2" not in tables(url)


def test_a_read_only_project_directory_is_exit_5_naming_the_lock_file(shared: Path) -> None:
    project = _project(shared)
    project.chmod(0o555)
    done = _as_nobody(project, "migrate", "up", "--database", f"sqlite:///{project / 'app.db'}")
    assert done.returncode == 5, done.stderr
    assert f"cannot create the lock file {project / 'app.db.pitstop-lock'}: " \
           "Permission denied" in done.stderr
    assert f"make {project} writable" in done.stderr
    done = _as_nobody(project, "migrate", "up")  # the default .pitstop/app.db
    assert done.returncode == 5, done.stderr
    assert f"cannot create {project / '.pitstop'}" in done.stderr


# --- servers that refuse ------------------------------------------------------------------

def test_a_read_only_postgresql_database_is_exit_5(project: Path, pg_url: str) -> None:
    folder = project / "migrations"
    write_layout("flyway", folder, [simple(1)])
    settings = make_settings(project, pg_url)
    m.up(settings)
    name = pg_url.rsplit("/", 1)[1]
    query(pg_url, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    write_layout("flyway", folder, [simple(2)], start=2)
    with pytest.raises(m.MigrationDeniedError) as caught:
        m.up(settings)
    assert caught.value.exit_code == 5 and isinstance(caught.value, PermissionDeniedError)
    assert caught.value.file == "V2__step_2.sql" and "read-only transaction" in \
        caught.value.message and "fix the file" not in (caught.value.hint or "")


def test_a_mariadb_user_without_create_is_exit_5(project: Path, mysql_url: str) -> None:
    import uuid

    folder = project / "migrations"
    write_layout("flyway", folder, [simple(1)])
    m.up(make_settings(project, mysql_url))
    database = mysql_url.rsplit("/", 1)[1]
    user = f"pitstop_ro_{uuid.uuid4().hex[:8]}"
    query(mysql_url, f"CREATE USER '{user}'@'%%' IDENTIFIED BY 'pw'")
    try:
        query(mysql_url, f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{database}`.* "
                         f"TO '{user}'@'%%'")
        limited = mysql_url.replace("root@", f"{user}:pw@")
        write_layout("flyway", folder, [simple(2)], start=2)
        with pytest.raises(m.MigrationDeniedError) as caught:
            m.up(make_settings(project, limited))
        assert caught.value.exit_code == 5 and "command denied" in caught.value.message
        assert ":pw@" not in str(caught.value)
    finally:
        query(mysql_url, f"DROP USER '{user}'@'%%'")
