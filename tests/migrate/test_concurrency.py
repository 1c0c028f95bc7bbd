"""Concurrent runners, lock timeouts and runners killed in the middle of a migration."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pitstop.migrate as m
from pitstop.errors import ConnectError
from pitstop.migrate.dialects import dialect_for

from .conftest import make_settings, query, simple, tables, write_layout


def _runner(url: str, folder: Path, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.Popen(
        [sys.executable, "-m", "pitstop", "migrate", "up", "--database", url, "--dir",
         str(folder), "--json", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=folder.parent)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_eight_runners_race(project: Path, dialect: str, request: pytest.FixtureRequest) -> None:
    import json

    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url",
                                   "mysql": "mysql_url"}[dialect])
    folder = project / "migrations"
    write_layout("flyway", folder, [simple(i) for i in range(1, 11)])
    procs = [_runner(url, folder) for _ in range(8)]
    outputs = [p.communicate(timeout=120) for p in procs]
    results = [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)]
    assert [code for code, _, _ in results] == [0] * 8, [err for _, _, err in results]
    applied = [f for _, out, _ in results for f in
               (a["file"] for a in json.loads(out)["applied"])]
    assert sorted(applied) == sorted(f"V{i}__step_{i}.sql" for i in range(1, 11))
    history = m.history(make_settings(project, url)).records
    assert len(history) == 10  # each migration exactly once


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_lock_timeout_names_the_holder(project: Path, dialect: str,
                                       request: pytest.FixtureRequest) -> None:
    from pitstop.cli.main import main

    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url",
                                   "mysql": "mysql_url"}[dialect])
    write_layout("flyway", project / "migrations", [simple(1)])
    if dialect == "sqlite":
        m.status(make_settings(project, url))  # the database file must exist for the lock
        query(url, "SELECT 1")
    held = dialect_for(url).lock(url, "pitstop_migrations", 5)
    try:
        started = time.monotonic()
        with pytest.raises(ConnectError) as info:
            m.up(make_settings(project, url), lock_timeout=0.5)
        assert time.monotonic() - started < 5
        assert "holds the lock" in info.value.message
        expected = {"sqlite": f"pid {os.getpid()}", "postgresql": f"pid {os.getpid()}",
                    "mysql": "connection"}[dialect]
        assert expected in info.value.message
        code = main(["migrate", "up", "--database", url, "--lock-timeout", "0.2"])
        assert code == 4
    finally:
        held.release()
    assert m.up(make_settings(project, url)).applied[0].file == "V1__step_1.sql"


def _wait_for(predicate: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_kill_9_mid_migration_postgresql(project: Path, pg_url: str) -> None:
    folder = project / "migrations"
    write_layout("flyway", folder, [
        simple(1),
        ("CREATE TABLE slow (id INTEGER);\nSELECT pg_sleep(2);\nINSERT INTO slow VALUES (1);",
         None),
    ])
    proc = _runner(pg_url, folder)
    _wait_for(lambda: query(pg_url, "SELECT count(*) FROM pg_stat_activity WHERE "
                                    "query LIKE '%%pg_sleep(2)%%' AND pid <> pg_backend_pid()")
              [0][0] == 1)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    assert "slow" not in tables(pg_url)  # rolled back with its transaction
    result = m.up(make_settings(project, pg_url), lock_timeout=20)  # no lock left behind
    assert [a.file for a in result.applied] == ["V2__step_2.sql"]
    assert query(pg_url, "SELECT id FROM slow") == [(1,)]


def test_kill_9_mid_migration_mysql(project: Path, mysql_url: str) -> None:
    folder = project / "migrations"
    write_layout("flyway", folder, [
        ("CREATE TABLE k1 (id INTEGER);\nSELECT SLEEP(2);\nCREATE TABLE k2 (id INTEGER);",
         None),
    ])
    settings = make_settings(project, mysql_url)
    proc = _runner(mysql_url, folder)
    _wait_for_line(proc, "applying V1__step_1.sql")
    _wait_for(lambda: "k1" in tables(mysql_url))
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    entry = m.status(settings).migrations[0]
    assert entry.state == "failed"
    assert "did not finish" in entry.note and entry.note.startswith("1/3")
    with pytest.raises(m.ValidationError, match=r"V1__step_1.sql"):
        m.up(settings, lock_timeout=10)  # a normal run refuses: the lock is free, the row says why
    query(mysql_url, "DROP TABLE k1")
    m.repair(settings)
    assert [a.file for a in m.up(settings).applied] == ["V1__step_1.sql"]
    assert {"k1", "k2"} <= tables(mysql_url)


def _wait_for_line(proc: subprocess.Popen[str], text: str) -> None:
    assert proc.stderr is not None
    for line in proc.stderr:
        if text in line:
            return
    raise AssertionError(f"the runner ended before printing {text!r}")


def test_kill_9_mid_migration_sqlite(project: Path, sqlite_url: str) -> None:
    folder = project / "migrations"
    heavy = ("CREATE TABLE heavy (n INTEGER);\n"
             "INSERT INTO heavy WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
             "WHERE x < 30000000) SELECT x FROM c;")
    write_layout("flyway", folder, [simple(1), (heavy, None)])
    proc = _runner(sqlite_url, folder)
    _wait_for_line(proc, "applying V2__step_2.sql")
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    write_layout("flyway", folder, [(heavy.replace("30000000", "10"), None)], start=2)
    result = m.up(make_settings(project, sqlite_url), lock_timeout=10)
    assert [a.file for a in result.applied] == ["V2__step_2.sql"]
    assert query(sqlite_url, "SELECT count(*) FROM heavy") == [(10,)]


def test_connection_lost_mid_migration_is_a_clean_error(project: Path, pg_url: str) -> None:
    import threading

    write_layout("flyway", project / "migrations", [
        ("CREATE TABLE lost (id INTEGER);\nSELECT pg_sleep(5);", None)])

    def terminate() -> None:
        sql = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
               "query LIKE '%%pg_sleep(5)%%' AND pid <> pg_backend_pid()")
        _wait_for(lambda: query(pg_url, sql) != [])

    killer = threading.Thread(target=terminate)
    killer.start()
    with pytest.raises(m.MigrationFailedError, match=r"V1__step_1\.sql"):
        m.up(make_settings(project, pg_url))
    killer.join()
    assert "lost" not in tables(pg_url)
    assert m.status(make_settings(project, pg_url)).migrations[0].state == "pending"
