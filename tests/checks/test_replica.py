"""The ``database`` check against real replicas: PostgreSQL streaming standbys and
MariaDB replicas started for the test in a scratch directory under /tmp, always
stopped and removed afterwards (also when a test fails).

Two setups per server kind:

* a replica of the local server (127.0.0.1:5432 / 127.0.0.1:3306), only when that
  server already allows it (a ``replication`` entry in ``pg_hba.conf`` / binary
  logging on); otherwise the test is skipped with the reason.  The local server's
  configuration is never changed.
* a throwaway primary of our own plus its replica, so the replica code paths run on
  every machine that has the server binaries, whatever the local server allows.

PostgreSQL refuses to run as root: when the tests run as root, the server commands run
as the ``postgres`` OS user (``runuser``), MariaDB drops to ``mysql`` (``--user``).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from checks_support import free_port

from pitstop.cli.main import main

PG_BIN = Path(os.environ.get("PITSTOP_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
STARTUP = 20.0  # seconds a server may take to accept connections


def _owner_argv(user: str, argv: list[str]) -> list[str]:
    """``argv`` run as ``user`` when we are root (servers refuse or should not run as root)."""
    if os.geteuid() != 0:
        return argv
    if shutil.which("runuser") is None:
        pytest.skip("running as root and runuser is not installed")
    return ["runuser", "-u", user, "--", *argv]


@contextmanager
def _scratch(user: str) -> Iterator[Path]:
    """A short, private directory under /tmp owned by ``user`` (sockets need short paths)."""
    if os.geteuid() == 0:
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            pytest.skip(f"running as root and there is no {user!r} OS user to run the server")
    path = Path(tempfile.mkdtemp(prefix="pitstop-replica-", dir="/tmp"))
    try:
        if os.geteuid() == 0:
            os.chown(path, entry.pw_uid, entry.pw_gid)
        path.chmod(0o700)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _run(argv: list[str], what: str, timeout: float = 60) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        pytest.fail(f"{what} failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
    return done.stdout


def _check(project: Path, url: str, capsys: pytest.CaptureFixture[str], toml: str = ""
           ) -> tuple[int, str, dict[str, Any]]:
    """``pitstop check database --json`` against ``url``: exit code, message, observed values."""
    (project / "pitstop.toml").write_text(toml, encoding="utf-8")
    code = main(["check", "database", "--database", url, "--json", "--no-record"])
    document = json.loads(capsys.readouterr().out)
    [head, *figures] = document["checks"]["database"]
    return code, head["output"], {f["measurement"]: f["observedValue"] for f in figures}


def _until(probe: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not probe():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds:g} s")
        time.sleep(0.1)


# --------------------------------------------------------------------------- PostgreSQL

class PgLab:
    """Clusters under one scratch directory, started with ``pg_ctl``; :meth:`close`
    stops every one that was started."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.started: list[Path] = []

    def _ctl(self, *args: str) -> list[str]:
        return _owner_argv("postgres", [str(PG_BIN / "pg_ctl"), *args])

    def initdb(self, name: str) -> Path:
        data = self.root / name
        _run(_owner_argv("postgres", [str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust",
                                      "-U", "postgres", "--no-sync", "-E", "UTF8"]), "initdb")
        return data

    def basebackup(self, name: str, primary_url: str) -> Path:
        data = self.root / name
        _run(_owner_argv("postgres", [str(PG_BIN / "pg_basebackup"), "-d", primary_url, "-D",
                                      str(data), "-R", "-X", "stream", "-c", "fast"]),
             "pg_basebackup")
        return data

    def start(self, data: Path) -> int:
        port = free_port()
        options = (f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c wal_receiver_status_interval=1s -c wal_retrieve_retry_interval=200ms")
        self.started.append(data)
        _run(self._ctl("-D", str(data), "-l", f"{data}.log", "-o", options, "-w", "-t",
                       str(int(STARTUP)), "start"), f"starting PostgreSQL in {data}")
        return port

    def stop(self, data: Path) -> None:
        pid_file = data / "postmaster.pid"
        if not pid_file.exists():
            return
        done = subprocess.run(self._ctl("-D", str(data), "-m", "immediate", "-w", "-t", "20",
                                        "stop"), capture_output=True, timeout=30, check=False)
        if done.returncode != 0 and pid_file.exists():  # pg_ctl failed: end our postmaster
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        for data in reversed(self.started):
            self.stop(data)


def _pg_tools() -> None:
    for tool in ("initdb", "pg_ctl", "pg_basebackup"):
        if not (PG_BIN / tool).exists():
            pytest.skip(f"{PG_BIN / tool} is not installed (set PITSTOP_TEST_PG_BIN)")


@pytest.fixture
def pg_lab() -> Iterator[PgLab]:
    _pg_tools()
    with _scratch("postgres") as root:
        lab = PgLab(root)
        try:
            yield lab
        finally:
            lab.close()


def _pg_sql(url: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def _pg_streaming(url: str) -> bool:
    return bool(_pg_sql(url, "SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'"))


def _pg_url(port: int) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def _local_pg_refusal(url: str) -> str | None:
    """Why the local server cannot feed a streaming replica, or ``None``."""
    import psycopg

    [(wal_level, senders, hba)] = _pg_sql(url, "SELECT current_setting('wal_level'), "
                                               "current_setting('max_wal_senders')::int, "
                                               "current_setting('hba_file')")
    if wal_level == "minimal" or senders < 1:
        return f"the local PostgreSQL has wal_level={wal_level}, max_wal_senders={senders}"
    try:
        psycopg.connect(url, replication="true", connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1].split("FATAL:")[-1].strip()
        return (f"the local PostgreSQL refuses replication connections ({reason}): {hba} "
                "would need a 'host replication ...' line; the primary is not reconfigured")
    return None


def _assert_pg_replica(project: Path, capsys: pytest.CaptureFixture[str], port: int) -> None:
    code, message, observed = _check(project, _pg_url(port), capsys)
    assert code == 0, message
    assert message.startswith("PostgreSQL 15") and "(replica)" in message
    assert observed["in_recovery"] is True
    assert isinstance(observed["replication_lag"], float | int)
    assert 0 <= observed["replication_lag"] < 30
    assert "replicas" not in observed


def test_pg_replica_of_the_local_server(pg_lab: PgLab, project: Path, pg_url: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    refusal = _local_pg_refusal(pg_url)
    if refusal:
        pytest.skip(refusal)
    replica = pg_lab.start(pg_lab.basebackup("replica", pg_url))
    _until(lambda: _pg_streaming(_pg_url(replica)), STARTUP, "standby streaming from the local server")
    _assert_pg_replica(project, capsys, replica)
    code, message, observed = _check(project, pg_url, capsys)
    assert code == 0 and "(primary)" in message
    assert observed["in_recovery"] is False and observed["replicas"] >= 1


@pytest.fixture
def pg_pair(pg_lab: PgLab) -> tuple[Path, int, int]:
    """A throwaway primary and a streaming standby of it: (primary dir, its port, standby port)."""
    primary_dir = pg_lab.initdb("primary")
    primary = pg_lab.start(primary_dir)
    _pg_sql(_pg_url(primary), "CREATE TABLE beat (at timestamptz DEFAULT now())")
    replica = pg_lab.start(pg_lab.basebackup("replica", _pg_url(primary)))
    _until(lambda: _pg_streaming(_pg_url(replica)), STARTUP, "standby streaming from its primary")
    return primary_dir, primary, replica


def test_pg_standby_and_its_primary(pg_pair: tuple[Path, int, int], project: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    _, primary, replica = pg_pair
    _assert_pg_replica(project, capsys, replica)
    code, message, observed = _check(project, _pg_url(primary), capsys)
    assert code == 0 and "(primary)" in message, message
    assert observed["in_recovery"] is False and observed["replicas"] == 1


def test_pg_standby_lag_warns_while_replay_is_paused(pg_pair: tuple[Path, int, int],
                                                     project: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    primary, replica = (_pg_url(port) for port in pg_pair[1:])
    _pg_sql(primary, "INSERT INTO beat DEFAULT VALUES")
    _until(lambda: bool(_pg_sql(replica, "SELECT 1 FROM beat")), 10, "insert replayed")
    _pg_sql(replica, "SELECT pg_wal_replay_pause()")
    time.sleep(1.2)
    _pg_sql(primary, "INSERT INTO beat DEFAULT VALUES")
    _until(lambda: bool(_pg_sql(replica, "SELECT 1 WHERE pg_last_wal_receive_lsn() > "
                                         "pg_last_wal_replay_lsn()")), 10, "WAL received")
    code, message, observed = _check(project, replica, capsys,
                                     '[checks.database]\nmax_replication_lag = "0.5s"\n')
    assert code == 0, message  # a warning, not a failure
    assert "replication lag" in message
    assert observed["replication_lag"] > 1.0


def test_pg_standby_whose_primary_is_gone_fails(pg_lab: PgLab, pg_pair: tuple[Path, int, int],
                                                project: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: a standby that lost its primary has replayed all it received, so it
    used to report a replication lag of 0 s and pass."""
    primary_dir, _, replica = pg_pair
    pg_lab.stop(primary_dir)
    _until(lambda: not _pg_streaming(_pg_url(replica)), 10, "WAL receiver stopped")
    code, message, observed = _check(project, _pg_url(replica), capsys)
    assert code == 1, message
    assert "(replica)" in message and "not streaming" in message
    assert observed["in_recovery"] is True and observed["replication_lag"] is None
