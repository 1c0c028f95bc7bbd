"""The libpq reader (``pitstop.db.libpq``) against the real PostgreSQL:
the same history rows as psycopg gives, errors that name the host, no psycopg import
in a command that only reads, and a no-op ``up`` that does not wait for the lock."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from pitstop.db import libpq
from pitstop.db.connect import read_connect
from pitstop.db.dialects.postgresql import libpq_params
from pitstop.db.url import parse_url
from pitstop.errors import ConnectError
from pitstop.migrate import records as hist
from pitstop.migrate.dialects.postgresql import DIALECT

from .conftest import make_settings, write_layout

pytestmark = pytest.mark.skipif(libpq._load() is None, reason="no libpq library found")


def _lite(url: str) -> libpq.Connection:
    params = libpq_params(parse_url(url), {})
    assert params is not None
    return libpq.Connection(params, 10)


def _cli(project: Path, *args: str, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pitstop", *args], cwd=project,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_values_match_psycopg(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (i int, b bool, s text, e text, n text, "
                     "ts timestamptz, big bigint, d numeric)")
        conn.execute("INSERT INTO t VALUES (1, true, 'héllo ✓', '', NULL, "
                     "'2026-01-02 03:04:05.678+02', 9000000000, 1.50), "
                     "(-2, false, 'x', 'y', 'z', '2026-06-01 00:00:00+00', NULL, NULL)")
        expected = conn.execute("SELECT i, b, s, e, n, ts, big FROM t ORDER BY i").fetchall()
    lite = _lite(pg_url)
    try:
        rows = lite.execute("SELECT i, b, s, e, n, ts, big FROM t ORDER BY i").fetchall()
        assert rows == [tuple(r) for r in expected]
        assert lite.execute("SELECT d FROM t WHERE i = %s", (1,)).fetchone() == ("1.50",)
        assert lite.execute("SELECT to_regclass(%s)", ("no_such",)).fetchone() == (None,)
        with pytest.raises(libpq.LibpqError) as caught:
            lite.execute("SELECT * FROM no_such_table")
        assert caught.value.sqlstate == "42P01" and "no_such_table" in str(caught.value)
        with pytest.raises(libpq.LibpqError, match="placeholders"):
            lite.execute("SELECT %s, %s", (1,))
        assert lite.execute("SELECT 1").fetchall() == [(1,)]  # still usable after errors
    finally:
        lite.close()
        lite.close()  # twice is harmless


def test_history_rows_are_the_same_as_through_psycopg(pg_url: str, project: Path) -> None:
    import pitstop.migrate as m

    write_layout("flyway", project / "migrations",
                 [("CREATE TABLE a (id int);", None), ("CREATE TABLE b (id int);", None)])
    m.up(make_settings(project, pg_url))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO pitstop_migrations (version, description, type, success, "
                     "error) VALUES ('3', 'failed ✗', 'versioned', false, 'boom')")
        through_psycopg = hist.read_history(conn, DIALECT, "pitstop_migrations")
    lite = _lite(pg_url)
    try:
        assert hist.read_history(lite, DIALECT, "pitstop_migrations") == through_psycopg
    finally:
        lite.close()


def test_connection_errors_name_the_host(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # this test process has psycopg loaded, where pitstop would use it instead
    monkeypatch.setattr(libpq, "available", lambda: True)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    refused = f"postgresql://postgres@127.0.0.1:{port}/x"
    with pytest.raises(libpq.LibpqError, match="refused"):
        _lite(refused)
    with pytest.raises(ConnectError, match=re.escape(f"127.0.0.1:{port}")):
        read_connect(refused)
    missing = pg_url.rsplit("/", 1)[0] + "/pitstop_no_such_db"
    with pytest.raises(ConnectError, match="does not exist") as caught:
        read_connect(missing)
    assert "pitstop db init" in (caught.value.hint or "")


def test_connect_timeout_on_a_server_that_never_answers() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        started = time.monotonic()
        with pytest.raises(libpq.LibpqError, match="timeout"):
            libpq.Connection({"host": "127.0.0.1", "port": port, "dbname": "x",
                              "user": "x"}, 1.0)
        assert time.monotonic() - started < 5
    finally:
        server.close()


def test_ctrl_c_stops_a_connect_that_hangs(project: Path) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    (project / "migrations").mkdir()
    (project / "migrations" / "V1__a.sql").write_text("SELECT 1;")
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pitstop", "migrate", "status", "--database",
             f"postgresql://x@127.0.0.1:{port}/x"], cwd=project,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        assert proc.returncode == 130, err
        assert "Traceback" not in err
    finally:
        server.close()


def test_reading_commands_do_not_import_psycopg(pg_url: str, project: Path) -> None:
    import pitstop.migrate as m

    write_layout("flyway", project / "migrations", [("CREATE TABLE a (id int);", None)])
    m.up(make_settings(project, pg_url))
    probe = ("import sys, runpy\n"
             "sys.argv = ['pitstop', *sys.argv[1:]]\n"
             "try:\n"
             "    runpy.run_module('pitstop', run_name='__main__')\n"
             "except SystemExit as exc:\n"
             "    code = exc.code\n"
             "print('psycopg' in sys.modules, code, file=sys.stderr)\n")
    for args in (["up"], ["status", "--json"], ["validate"]):
        done = subprocess.run([sys.executable, "-c", probe, "migrate", *args,
                               "--database", pg_url], cwd=project, capture_output=True,
                              text=True, timeout=60)
        assert done.stderr.strip().splitlines()[-1] in ("False 0", "False None"), \
            (args, done.stderr)
    status = json.loads(_cli(project, "migrate", "status", "--json", "--database",
                             pg_url).stdout)
    assert [e["state"] for e in status["migrations"]] == ["applied"]


def test_noop_up_does_not_wait_for_the_lock(pg_url: str, project: Path) -> None:
    """Everything applied: ``up`` answers from the committed history at once, even while
    another runner holds the lock; with work pending it waits for the lock."""
    import zlib

    from pitstop.db.dialects.postgresql import _CLASS_ID
    from pitstop.db.lock import migration_lock_name

    write_layout("flyway", project / "migrations", [("CREATE TABLE a (id int);", None)])
    assert _cli(project, "migrate", "up", "--database", pg_url).returncode == 0
    key = zlib.crc32(migration_lock_name("pitstop_migrations").encode()) & 0x7FFFFFFF
    holder = psycopg.connect(pg_url, autocommit=True)
    try:
        assert holder.execute("SELECT pg_try_advisory_lock(%s, %s)",
                              (_CLASS_ID, key)).fetchone() == (True,)
        started = time.monotonic()
        done = _cli(project, "migrate", "up", "--database", pg_url, "--lock-timeout", "5")
        assert done.returncode == 0, done.stderr
        assert time.monotonic() - started < 4
        write_layout("flyway", project / "migrations", [("CREATE TABLE b (id int);", None)],
                     start=2)
        threading.Timer(1.0, holder.close).start()
        done = _cli(project, "migrate", "up", "--database", pg_url, "--lock-timeout", "20")
        assert done.returncode == 0, done.stderr
        assert "1 migration applied" in done.stderr
    finally:
        holder.close()
