"""One table of dialects, one module per dialect behind one small interface per
concern (connect, lock, wait, create and drop a database, version) — and no dialect
names compared anywhere else."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from pathlib import Path

import pytest

from pitstop.db import connect as db_connect
from pitstop.db import databases, dialects
from pitstop.db.lock import LockTimeout, lock
from pitstop.db.url import DatabaseMissingError, parse_url
from pitstop.errors import ConfigError, ConnectError

SRC = Path(__file__).resolve().parents[2] / "src" / "pitstop"
NAMES = "|".join(sorted({s for e in dialects.TABLE for s in (e.name, *e.schemes)}, key=len,
                        reverse=True))
BRANCH = re.compile(rf"""(dialect|\.name|database)\s*(==|!=)\s*["']({NAMES})["']"""
                    rf"""|dialect\s+(not\s+)?in\s*[\(\[\{{]""")


def test_every_scheme_of_the_table_parses_to_its_dialect() -> None:
    for entry in dialects.TABLE:
        for scheme in entry.schemes:
            db = parse_url(f"{scheme}:///x.db" if entry.file else f"{scheme}://u@h/x")
            assert db.dialect == entry.name and db.entry is entry
            assert db.system is dialects.dialect_of(db)


@pytest.mark.parametrize("pattern", [
    "pitstop.db.dialects.{dialect}", "pitstop.migrate.dialects.{dialect}",
    "pitstop.backup.dumpers.{dialect}", "pitstop.checks.database_{dialect}"])
def test_every_dialect_has_its_module_in_each_capability(pattern: str) -> None:
    for entry in dialects.TABLE:
        assert dialects.implementation(pattern, entry.name) is not None, (pattern, entry.name)
    assert dialects.implementation(pattern, "oracle") is None


# the dialects themselves, and the helpers that run in the project's interpreter (which
# cannot import pitstop: they pick a driver of the project's own)
EXEMPT = (SRC / "db" / "dialects", SRC / "project_python" / "helpers")


def test_no_module_outside_the_dialects_branches_on_a_dialect_name() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.parent in EXEMPT:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BRANCH.search(line):
                found.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_connect_gives_the_drivers_connection(db_url: str) -> None:
    conn = db_connect.connect(db_url, autocommit=True)
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1
    finally:
        conn.close()
    with db_connect.session(db_url, timeout=5, query_timeout=5) as session:
        assert session.exec_driver_sql("SELECT 2").scalar() == 2


def test_a_light_postgresql_reader_needs_no_psycopg(pg_url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from pitstop.db import libpq

    if libpq._load() is None:
        pytest.skip("no libpq library found")
    monkeypatch.setattr(libpq, "available", lambda: True)  # psycopg is loaded in tests
    reader = db_connect.connect(pg_url, light=True)
    try:
        assert isinstance(reader, libpq.Connection)
        assert reader.execute("SELECT 41 + 1").fetchone() == (42,)
    finally:
        reader.close()


def test_create_and_drop_a_database(db_url: str) -> None:
    db = parse_url(db_url)
    other = db.with_database(f"{db.database}_x") if not db.entry.file \
        else parse_url(f"sqlite:///{db.sqlite_path}.x")
    assert databases.create_database(other, dry_run=True) is True
    assert databases.create_database(other) is True
    assert databases.create_database(other) is False  # already there: nothing to do
    assert db_connect.ping(other).startswith(("SQLite", "postgresql", "mysql"))
    databases.drop_database(other)
    if db.entry.file:
        with pytest.raises(DatabaseMissingError):
            db_connect.ping(other)
    else:
        assert databases.create_database(other, dry_run=True) is True  # gone again


@pytest.mark.parametrize("url", ["postgresql://postgres@127.0.0.1/", "mysql://root@h/a;b"])
def test_a_database_name_pitstop_will_not_create_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="missing or unusual"):
        databases.create_database(url)


def test_ping_says_what_answered_or_why_not(db_url: str, tmp_path: Path) -> None:
    db = parse_url(db_url)
    if db.entry.file:
        sqlite3.connect(db.sqlite_path).close()
    answer = db_connect.ping(db_url, timeout=5)
    if db.entry.file:
        assert answer == f"SQLite {sqlite3.sqlite_version} at {db.sqlite_path}"
        bad = tmp_path / "bad.db"
        bad.write_text("not a database " * 20)
        with pytest.raises(ConnectError, match="file is not a database"):
            db_connect.ping(f"sqlite:///{bad}")
        assert not (tmp_path / "never.db").exists()
        with pytest.raises(DatabaseMissingError):
            db_connect.ping(f"sqlite:///{tmp_path / 'never.db'}")
        assert not (tmp_path / "never.db").exists()  # a wait never creates the file
    else:
        assert answer == f"{db.dialect} {db_connect.server_version(db)} at {db.host}"
        with pytest.raises(DatabaseMissingError):
            db_connect.ping(db.with_database("pitstop_no_such_database"))


def test_a_lock_is_held_until_released_and_a_waiter_names_the_holder(db_url: str) -> None:
    if parse_url(db_url).entry.file:
        sqlite3.connect(parse_url(db_url).sqlite_path).close()
    held = lock(db_url, "pitstop-test", 5, holder=f"test pid {os.getpid()}")
    try:
        with pytest.raises(LockTimeout) as caught:
            lock(db_url, "pitstop-test", 0.2, others="another test")
        assert "another test holds the lock" in caught.value.message
        assert caught.value.exit_code == 4
        expected = "connection " if parse_url(db_url).dialect == "mysql" \
            else f"pid {os.getpid()}"
        assert expected in caught.value.holder
        if parse_url(db_url).entry.file:  # one lock file per SQLite database
            with pytest.raises(LockTimeout):
                lock(db_url, "pitstop-other", 0.2)
        else:
            lock(db_url, "pitstop-other", 0.2).release()  # another name: no wait
        granted = threading.Event()

        def waiter() -> None:
            lock(db_url, "pitstop-test", 20).release()
            granted.set()

        thread = threading.Thread(target=waiter)
        thread.start()
    finally:
        held.release()
    thread.join(30)
    assert granted.is_set()
