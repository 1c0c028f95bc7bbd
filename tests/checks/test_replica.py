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
from urllib.parse import unquote, urlsplit

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
           ) -> tuple[int, str, dict[str, Any], str | None]:
    """``pitstop check database --json`` against ``url``: exit code, message, observed
    values, hint."""
    (project / "pitstop.toml").write_text(toml, encoding="utf-8")
    code = main(["check", "database", "--database", url, "--json", "--no-record"])
    document = json.loads(capsys.readouterr().out)
    [head, *figures] = document["checks"]["database"]
    observed = {f["measurement"]: f["observedValue"] for f in figures}
    return code, head["output"], observed, head.get("hint")


def _within(probe: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not probe():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _until(probe: Callable[[], bool], seconds: float, what: str) -> None:
    if not _within(probe, seconds):
        pytest.fail(f"{what}: not within {seconds:g} s")


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


def _pg_url(port: int, user: str = "postgres") -> str:
    return f"postgresql://{user}@127.0.0.1:{port}/postgres"


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


def _assert_pg_replica(project: Path, capsys: pytest.CaptureFixture[str], port: int,
                       user: str = "postgres") -> None:
    code, message, observed, _hint = _check(project, _pg_url(port, user), capsys)
    assert code == 0, message
    assert message.startswith("PostgreSQL 15") and "(replica)" in message
    assert observed["in_recovery"] is True
    assert isinstance(observed["replication_lag"], float | int)
    assert 0 <= observed["replication_lag"] < 30
    assert "replicas" not in observed


@pytest.mark.postgres
def test_pg_replica_of_the_local_server(pg_lab: PgLab, project: Path, pg_url: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    refusal = _local_pg_refusal(pg_url)
    if refusal:
        pytest.skip(refusal)
    replica = pg_lab.start(pg_lab.basebackup("replica", pg_url))
    _until(lambda: _pg_streaming(_pg_url(replica)), STARTUP, "standby streaming from the local server")
    _assert_pg_replica(project, capsys, replica)
    code, message, observed, _hint = _check(project, pg_url, capsys)
    assert code == 0 and "(primary)" in message
    assert observed["in_recovery"] is False and observed["replicas"] >= 1


@pytest.fixture
def pg_pair(pg_lab: PgLab) -> tuple[Path, int, int]:
    """A throwaway primary and a streaming standby of it: (primary dir, its port, standby port)."""
    primary_dir = pg_lab.initdb("primary")
    primary = pg_lab.start(primary_dir)
    _pg_sql(_pg_url(primary), "CREATE TABLE beat (at timestamptz DEFAULT now()); "
                              "CREATE ROLE watcher LOGIN")  # no pg_monitor: details hidden
    replica = pg_lab.start(pg_lab.basebackup("replica", _pg_url(primary)))
    _until(lambda: _pg_streaming(_pg_url(replica)), STARTUP, "standby streaming from its primary")
    return primary_dir, primary, replica


def test_pg_standby_and_its_primary(pg_pair: tuple[Path, int, int], project: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    _, primary, replica = pg_pair
    _assert_pg_replica(project, capsys, replica)
    _assert_pg_replica(project, capsys, replica, user="watcher")
    code, message, observed, _hint = _check(project, _pg_url(primary), capsys)
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
    code, message, observed, _hint = _check(project, replica, capsys,
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
    code, message, observed, hint = _check(project, _pg_url(replica), capsys)
    assert code == 1, message
    assert "(replica)" in message and "not streaming" in message
    assert observed["in_recovery"] is True and observed["replication_lag"] is None
    assert hint is not None and "primary_conninfo" in hint
    code, message, _, _ = _check(project, _pg_url(replica, "watcher"), capsys)
    assert code == 1 and "not streaming" in message, message


# --------------------------------------------------------------------------- MariaDB

def _tool(name: str) -> str:
    found = shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/usr/local/sbin")
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


class MariaLab:
    """``mariadbd`` instances under one scratch directory; :meth:`close` shuts down every
    one that was started (SIGTERM, then SIGKILL after 20 s)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.server, self.install_db = _tool("mariadbd"), _tool("mariadb-install-db")
        self.user = ["--user=mysql"] if os.geteuid() == 0 else []
        self.running: dict[int, subprocess.Popen[bytes]] = {}

    def install(self, name: str) -> Path:
        data = self.root / name
        _run([self.install_db, "--no-defaults", *self.user, f"--datadir={data}",
              "--auth-root-authentication-method=normal", "--skip-test-db"], "mariadb-install-db")
        return data

    def start(self, data: Path, server_id: int, *extra: str) -> int:
        port = free_port()
        log = data.with_suffix(".err")
        process = subprocess.Popen(
            [self.server, "--no-defaults", *self.user, f"--datadir={data}", f"--port={port}",
             "--bind-address=127.0.0.1", f"--socket={data}.sock", f"--pid-file={data}.pid",
             f"--server-id={server_id}", f"--log-error={log}", "--innodb-buffer-pool-size=16M",
             f"--log-basename={data.name}", *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.running[port] = process

        def ready() -> bool:
            if process.poll() is not None:
                text = log.read_text(errors="replace") if log.exists() else ""
                pytest.fail(f"mariadbd exited ({process.returncode}): {text[-2000:]}")
            try:
                _my_sql(_my_url(port), "SELECT 1")
            except Exception:  # noqa: BLE001 - not accepting connections yet
                return False
            return True

        _until(ready, STARTUP, f"mariadbd on port {port}")
        return port

    def stop(self, port: int) -> None:
        process = self.running.pop(port)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def close(self) -> None:
        for port in list(self.running):
            self.stop(port)


@pytest.fixture
def maria_lab() -> Iterator[MariaLab]:
    with _scratch("mysql") as root:
        lab = MariaLab(root)
        try:
            yield lab
        finally:
            lab.close()


def _my_url(port: int, database: str = "") -> str:
    return f"mysql://root@127.0.0.1:{port}/{database}"


def _my_sql(url: str, sql: str) -> list[dict[str, Any]]:
    import pymysql
    import pymysql.cursors

    db = urlsplit(url)
    conn = pymysql.connect(host=db.hostname or "127.0.0.1", port=db.port or 3306,
                           user=unquote(db.username or "root"),
                           password=unquote(db.password or ""),
                           autocommit=True, connect_timeout=5,
                           cursorclass=pymysql.cursors.DictCursor)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    finally:
        conn.close()


def _replicating(url: str) -> bool:
    rows = _my_sql(url, "SHOW SLAVE STATUS")
    return bool(rows) and (rows[0]["Slave_IO_Running"], rows[0]["Slave_SQL_Running"]) == (
        "Yes", "Yes")


def _follow(replica: str, host: str, port: int, user: str, password: str, position: str) -> None:
    _my_sql(replica, f"CHANGE MASTER TO MASTER_HOST='{host}', MASTER_PORT={port}, "
                     f"MASTER_USER='{user}', MASTER_PASSWORD='{password}', "
                     f"MASTER_CONNECT_RETRY=1, {position}")
    _my_sql(replica, "START SLAVE")


def _assert_my_replica(project: Path, capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, message, observed, _hint = _check(project, url, capsys)
    assert code == 0, message
    assert message.startswith("MariaDB ") and "(replica" in message
    assert isinstance(observed["replication_lag"], float | int)
    assert 0 <= observed["replication_lag"] < 30


@pytest.mark.mysql
def test_mariadb_replica_of_the_local_server(maria_lab: MariaLab, project: Path,
                                             mysql_url: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    [log_bin] = _my_sql(mysql_url, "SHOW VARIABLES LIKE 'log_bin'")
    if log_bin["Value"] != "ON":
        pytest.skip("the local MariaDB has binary logging off (log_bin=OFF), so it cannot "
                    "feed a replica; the primary is not reconfigured")
    [status] = _my_sql(mysql_url, "SHOW MASTER STATUS")
    [server_id] = _my_sql(mysql_url, "SELECT @@server_id AS id")
    # Only the replication link is under test: replicate no table and skip any error, so
    # what other tests do on the shared server cannot stop the replica.
    replica = maria_lab.start(maria_lab.install("replica"), int(server_id["id"]) + 1000,
                              "--replicate-wild-do-table=pitstop_replica_none.%",
                              "--slave-skip-errors=all")
    db = urlsplit(mysql_url)
    position = f"MASTER_LOG_FILE='{status['File']}', MASTER_LOG_POS={status['Position']}"
    _follow(_my_url(replica), db.hostname or "127.0.0.1", db.port or 3306,
            unquote(db.username or "root"), unquote(db.password or ""), position)
    if not _within(lambda: _replicating(_my_url(replica)), 15):
        [link] = _my_sql(_my_url(replica), "SHOW SLAVE STATUS")
        pytest.skip(f"the local MariaDB does not feed a replica: {link['Last_IO_Error']}")
    _assert_my_replica(project, capsys, _my_url(replica))
    code, message, _, _ = _check(project, mysql_url, capsys)
    assert code == 0 and "(primary" in message, message


@pytest.fixture
def maria_pair(maria_lab: MariaLab) -> tuple[int, int]:
    """A throwaway primary with a binary log and a replica of it: (primary port, replica port)."""
    primary = maria_lab.start(maria_lab.install("primary"), 1, "--log-bin")
    replica = maria_lab.start(maria_lab.install("replica"), 2)
    _follow(_my_url(replica), "127.0.0.1", primary, "root", "", "MASTER_USE_GTID=slave_pos")
    _my_sql(_my_url(primary), "CREATE DATABASE app")
    _my_sql(_my_url(primary), "CREATE TABLE app.beat (at TIMESTAMP(6))")
    assert _within(lambda: _replicating(_my_url(replica)), 15), _my_sql(_my_url(replica),
                                                                         "SHOW SLAVE STATUS")
    _until(lambda: bool(_my_sql(_my_url(replica), "SHOW TABLES IN app")), 10, "table replicated")
    return primary, replica


def test_mariadb_replica_and_its_primary(maria_pair: tuple[int, int], project: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    primary, replica = maria_pair
    _assert_my_replica(project, capsys, _my_url(replica, "app"))
    code, message, observed, _hint = _check(project, _my_url(primary, "app"), capsys)
    assert code == 0 and "(primary" in message, message
    assert "replication_lag" not in observed
    _my_sql(_my_url(replica), "STOP SLAVE SQL_THREAD")
    code, message, observed, _hint = _check(project, _my_url(replica, "app"), capsys)
    assert code == 1 and "(replica" in message, message
    assert message.endswith("replication is not running (SQL thread No)")
    assert observed["replication_lag"] is None


def test_mariadb_replica_whose_primary_is_gone_fails(maria_lab: MariaLab,
                                                     maria_pair: tuple[int, int], project: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    primary, replica = maria_pair
    maria_lab.stop(primary)
    _until(lambda: not _replicating(_my_url(replica)), 10, "replica noticed")
    code, message, observed, hint = _check(project, _my_url(replica, "app"), capsys)
    assert code == 1 and "(replica" in message, message
    assert message.endswith("replication is not running (IO thread Connecting)")
    assert hint is not None and "Can't connect" in hint
    assert observed["replication_lag"] is None


def test_mariadb_replica_lag_warns(maria_pair: tuple[int, int], project: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    primary, replica = maria_pair
    _my_sql(_my_url(replica), "STOP SLAVE")
    _my_sql(_my_url(replica), "CHANGE MASTER TO MASTER_DELAY=3")
    _my_sql(_my_url(replica), "START SLAVE")
    _my_sql(_my_url(primary), "INSERT INTO app.beat VALUES (NOW(6))")
    time.sleep(1.5)
    code, message, observed, _hint = _check(project, _my_url(replica, "app"), capsys,
                                            '[checks.database]\nmax_replication_lag = "0.5s"\n')
    assert code == 0, message  # a warning, not a failure
    assert "replication lag" in message
    assert observed["replication_lag"] >= 1


def test_mariadb_named_connection_replica(maria_lab: MariaLab, project: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A MariaDB multi-source replica (``CHANGE MASTER 'name' TO``) is a replica too,
    although plain ``SHOW SLAVE STATUS`` shows only the unnamed connection."""
    primary = maria_lab.start(maria_lab.install("primary"), 1, "--log-bin")
    replica = _my_url(maria_lab.start(maria_lab.install("replica"), 2))
    _my_sql(replica, f"CHANGE MASTER 'upstream' TO MASTER_HOST='127.0.0.1', "
                     f"MASTER_PORT={primary}, MASTER_USER='root', MASTER_CONNECT_RETRY=1, "
                     "MASTER_USE_GTID=slave_pos")
    _my_sql(replica, "START SLAVE 'upstream'")
    _until(lambda: [(r["Slave_IO_Running"], r["Slave_SQL_Running"]) for r in
                    _my_sql(replica, "SHOW ALL SLAVES STATUS")] == [("Yes", "Yes")],
           15, "named connection running")
    _assert_my_replica(project, capsys, replica)
    maria_lab.stop(primary)
    _until(lambda: _my_sql(replica, "SHOW ALL SLAVES STATUS")[0]["Slave_IO_Running"] != "Yes",
           10, "replica noticed")
    code, message, observed, _hint = _check(project, replica, capsys)
    assert code == 1 and "'upstream'" in message and "IO thread Connecting" in message, message
    assert observed["replication_lag"] is None
