"""A restore holds its target's migration lock: a second restore of the same database
waits for it (or gives up after --lock-timeout, exit 4, naming the holder), and so does
`migrate up` — real processes racing on the real servers."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import pitstop.backup as api
from pitstop.errors import EXIT_CONNECTION, ConnectError
from pitstop.migrate.dialects import dialect_for
from settings_builder import build_settings

from .conftest import fill_sqlite, query, run_sql, script

CLIENT = {"postgresql": ("psql", "psql"), "mysql": ("mysql-client", "mariadb")}


def _wait_for(predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what} did not happen in {timeout:g}s"
        time.sleep(0.05)


class Gate:
    """A stand-in for the restore client that, in the one process given ``GATE_DIR``,
    says it has started and then waits until the test opens the gate."""

    def __init__(self, directory: Path, real: str) -> None:
        self.directory = directory
        directory.mkdir()
        os.mkfifo(directory / "go")
        self.path = script(directory.parent, "gated-client",
                           'if [ -n "$GATE_DIR" ]; then\n'
                           '  touch "$GATE_DIR/started"\n'
                           '  read line < "$GATE_DIR/go"\n'
                           "fi\n"
                           f'exec {real} "$@"\n')

    @property
    def reached(self) -> bool:
        return (self.directory / "started").exists()

    def open(self) -> None:
        with contextlib.suppress(OSError):  # nobody waits any more
            fd = os.open(self.directory / "go", os.O_WRONLY | os.O_NONBLOCK)
            os.write(fd, b"go\n")
            os.close(fd)


def _pitstop(project: Path, *args: str, gate: Gate | None = None) -> subprocess.Popen[str]:
    exe = Path(sys.executable).with_name("pitstop")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GATE_DIR")}
    if gate is not None:
        env["GATE_DIR"] = str(gate.directory)
    return subprocess.Popen([str(exe), *args], cwd=project, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _connections(url: str) -> int:
    """Other sessions on the test database (the restores' lock connections)."""
    if url.startswith("postgresql"):
        sql = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
               "AND pid <> pg_backend_pid()")
    else:
        sql = ("SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() "
               "AND ID <> CONNECTION_ID()")
    return int(query(url, sql)[0][0])


def _tables(url: str) -> list[str]:
    if url.startswith("postgresql"):
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    else:
        sql = ("SELECT table_name FROM information_schema.tables "
               "WHERE table_schema = DATABASE() ORDER BY 1")
    return [str(r[0]) for r in query(url, sql)]


@pytest.fixture(params=["postgresql", "mysql"])
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.getfixturevalue({"postgresql": "pg_url", "mysql": "mysql_url"}[request.param])


def test_two_restores_of_one_database_never_mix(project: Path, server_url: str,
                                                tmp_path: Path) -> None:
    dialect = "postgresql" if server_url.startswith("postgresql") else "mysql"
    key, tool = CLIENT[dialect]
    real = shutil.which(tool) or pytest.fail(f"{tool} is not installed")
    gate = Gate(tmp_path / "gate", real)
    (project / "pitstop.toml").write_text(f'database_url = "{server_url}"\n'
                                          f'[backup]\n{key} = "{gate.path}"\n')
    (project / "migrations").mkdir()
    (project / "migrations" / "V1__m.sql").write_text("CREATE TABLE from_migration (x int);\n")
    settings = build_settings(project)
    run_sql(server_url, ["CREATE TABLE a1 (x int)", "CREATE TABLE a2 (x int)",
                         "INSERT INTO a1 VALUES (1)", "INSERT INTO a2 VALUES (2)"])
    backup_a = api.create_backup(settings, label="A")
    run_sql(server_url, ["DROP TABLE a1", "DROP TABLE a2", "CREATE TABLE b1 (y int)",
                         "CREATE TABLE b2 (y int)", "INSERT INTO b1 VALUES (3)"])
    backup_b = api.create_backup(settings, label="B")

    first = _pitstop(project, "backup", "restore", backup_a.id, "--yes", gate=gate)
    waiting = None
    try:
        _wait_for(lambda: gate.reached or first.poll() is not None, "the first restore")
        assert first.poll() is None, first.communicate()
        # the first restore holds the lock (for MariaDB it has emptied the target
        # already): a second one waits for it ...
        waiting = _pitstop(project, "backup", "restore", backup_b.id, "--yes")
        _wait_for(lambda: _connections(server_url) >= 2 or waiting.poll() is not None,
                  "the second restore's wait for the lock")
        assert waiting.poll() is None, waiting.communicate()
        # ... or gives up after its --lock-timeout, naming the holder; so does a migration
        late = _pitstop(project, "backup", "restore", backup_b.id, "--yes",
                        "--lock-timeout", "0.5s")
        _, err = late.communicate(timeout=60)
        assert late.returncode == EXIT_CONNECTION, err
        assert "cannot restore into" in err and "holds the lock" in err
        holder = f"pid {first.pid}" if dialect == "postgresql" else "connection "
        assert holder in err, err
        migrate = _pitstop(project, "migrate", "up", "--lock-timeout", "0.5s")
        _, err = migrate.communicate(timeout=60)
        assert migrate.returncode == EXIT_CONNECTION, err
        assert "holds the lock" in err
        gate.open()
        _, err = first.communicate(timeout=60)
        assert first.returncode == 0, err
        _, err = waiting.communicate(timeout=60)
        assert waiting.returncode == 0, err
    finally:
        gate.open()
        for proc in (first, waiting):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert _tables(server_url) == ["b1", "b2"]  # all of B, nothing of A
    assert query(server_url, "SELECT y FROM b1") == [(3,)]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_a_restore_waits_for_a_held_migration_lock(project: Path, dialect: str,
                                                   request: pytest.FixtureRequest,
                                                   tmp_path: Path) -> None:
    """The lock is the migration engine's own: held by a migration runner, a restore
    gives up after its lock timeout (exit 4) naming the holder, and succeeds after."""
    if dialect == "sqlite":
        db = tmp_path / "app.db"
        fill_sqlite(db, rows=5)
        url = f"sqlite:///{db}"
    else:
        url = request.getfixturevalue({"postgresql": "pg_url", "mysql": "mysql_url"}[dialect])
        run_sql(url, ["CREATE TABLE t (x int)", "INSERT INTO t VALUES (1)"])
    settings = build_settings(project, database_url=url)
    backup = api.create_backup(settings)
    held = dialect_for(url).lock(url, "pitstop_migrations", 5)
    try:
        with pytest.raises(ConnectError) as info:
            api.restore_backup(settings, backup_id=backup.id, yes=True, lock_timeout=0.2)
        assert info.value.exit_code == EXIT_CONNECTION
        assert "holds the lock" in info.value.message
        expected = "connection" if dialect == "mysql" else f"pid {os.getpid()}"
        assert expected in info.value.message
        assert "a restore or a migration" in (info.value.hint or "")
    finally:
        held.release()
    assert api.restore_backup(settings, backup_id=backup.id, yes=True).tables > 0
