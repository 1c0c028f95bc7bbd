"""Fixtures for the backup tests: settings for a project, small SQLite databases,
a concurrent writer process, and git repositories with files."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from pitstop.config import Settings
from settings_builder import build_settings


@pytest.fixture
def make_settings(project: Path) -> Callable[..., Settings]:
    """Settings for ``project`` with an optional database URL and pitstop.toml text."""

    def make(database_url: str | None = None, toml: str = "") -> Settings:
        return build_settings(project, toml=toml or None, database_url=database_url)

    return make


def fill_sqlite(path: Path, rows: int = 200, *, wal: bool = False) -> None:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, bio BLOB);
        CREATE TABLE ledger (id INTEGER PRIMARY KEY, total INTEGER NOT NULL);
        CREATE INDEX users_name ON users(name);
        CREATE VIEW named AS SELECT name FROM users;
        INSERT INTO ledger (id, total) VALUES (1, 0);
    """)
    conn.executemany("INSERT INTO users (name, bio) VALUES (?, ?)",
                     [(f"user{i}", bytes([i % 256]) * 50) for i in range(rows)])
    conn.execute("UPDATE ledger SET total = (SELECT count(*) FROM users)")
    conn.commit()
    conn.close()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "app.db"
    path.parent.mkdir()
    fill_sqlite(path)
    return path


WRITER = textwrap.dedent("""
    import sqlite3, sys, itertools, time
    pause = float(sys.argv[2])
    conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
    print("ready", flush=True)
    for i in itertools.count():
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO users (name, bio) VALUES (?, ?)",
                         [(f"w{i}-{j}", b"x" * 200) for j in range(20)])
        conn.execute("UPDATE ledger SET total = total + 20 WHERE id = 1")
        conn.execute("COMMIT")
        if pause:
            time.sleep(pause)
""")


@pytest.fixture
def concurrent_writer() -> Iterator[Callable[[Path], subprocess.Popen[str]]]:
    """Start a process that writes to a SQLite file in a loop until the test ends."""
    procs: list[subprocess.Popen[str]] = []

    def start(path: Path, pause: float = 0.0) -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(pause)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        procs.append(proc)
        time.sleep(0.2)
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def tree_state(root: Path) -> dict[str, tuple[bytes, int]]:
    """Relative path -> (content or link target, permission bits), .git excluded."""
    import os
    import stat

    state: dict[str, tuple[bytes, int]] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel == ".git" or rel.startswith(".git/") or rel.startswith(".pitstop"):
            continue
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            state[rel] = (os.fsencode(os.readlink(path)), 0o120000)
        elif stat.S_ISREG(st.st_mode):
            state[rel] = (path.read_bytes(), stat.S_IMODE(st.st_mode))
    return state


# --- the database servers -------------------------------------------------

def sa_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://").replace(
        "mysql://", "mysql+pymysql://")


def run_sql(url: str, statements: list[str]) -> None:
    engine = sqlalchemy.create_engine(sa_url(url), poolclass=sqlalchemy.pool.NullPool)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


def describe(url: str) -> dict[str, Any]:
    """Tables with their columns and row counts, views, and routines."""
    engine = sqlalchemy.create_engine(sa_url(url), poolclass=sqlalchemy.pool.NullPool)
    inspector = sqlalchemy.inspect(engine)
    result: dict[str, Any] = {}
    schemas = [None, "archive"] if engine.dialect.name == "postgresql" else [None]
    with engine.connect() as conn:
        for schema in schemas:
            for table in inspector.get_table_names(schema=schema):
                name = f"{schema}.{table}" if schema else table
                columns = [(c["name"], str(c["type"])) for c in
                           inspector.get_columns(table, schema=schema)]
                count = conn.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar()
                result[name] = (columns, count)
            result[f"views:{schema}"] = sorted(inspector.get_view_names(schema=schema))
    engine.dispose()
    return result


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = sqlalchemy.create_engine(sa_url(url), poolclass=sqlalchemy.pool.NullPool)
    with engine.begin() as conn:
        rows = [tuple(r) for r in conn.exec_driver_sql(sql)]
    engine.dispose()
    return rows


_PG_OBJECTS = {
    "relations": "SELECT n.nspname, c.relname, c.relkind::text, c.relispartition "
                 "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                 "WHERE left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema' "
                 "ORDER BY 1, 2",
    "types": "SELECT n.nspname, t.typname, t.typtype::text FROM pg_type t "
             "JOIN pg_namespace n ON n.oid = t.typnamespace "
             "WHERE left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema' "
             "AND t.typtype IN ('c', 'd', 'e', 'r') ORDER BY 1, 2",
    "enum labels": "SELECT t.typname, e.enumlabel FROM pg_enum e "
                   "JOIN pg_type t ON t.oid = e.enumtypid ORDER BY 1, e.enumsortorder",
    "routines": "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema' "
                "ORDER BY 1",
    "triggers": "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
                "WHERE NOT tgisinternal ORDER BY 1, 2",
    "extensions": "SELECT extname FROM pg_extension ORDER BY 1",
    "identity": "SELECT attrelid::regclass::text, attname, attidentity::text FROM pg_attribute "
                "WHERE attidentity <> '' ORDER BY 1, 2",
    "sequences": "SELECT schemaname, sequencename, last_value FROM pg_sequences ORDER BY 1, 2",
}


def pg_objects(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """What a PostgreSQL database holds, object kind by object kind, and the rows of
    every table (each table's rows sorted, as text)."""
    state = {kind: query(url, sql) for kind, sql in _PG_OBJECTS.items()}
    for schema, name, kind, _ in state["relations"]:
        if kind in ("r", "p", "m"):
            qualified = f'"{schema}"."{name}"'
            rows = query(url, f"SELECT t::text FROM {qualified} t")
            state[f"rows {schema}.{name}"] = sorted(rows)
    return state


def script(directory: Path, name: str, body: str) -> str:
    """An executable shell script (a stand-in or wrapper for a tool)."""
    path = directory / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def start_slow_backup(project: Path, url: str, tmp_path: Path) -> subprocess.Popen[str]:
    """A real `pitstop backup create` of the MySQL database ``url`` whose dump tool
    writes a little and then hangs; returned once the backup's partial file exists.
    The dump tool's pid is in ``tmp_path/dump.pid`` (see :func:`stop_orphan`)."""
    wrapper = script(tmp_path, "slow-dump",
                     '[ "$1" = "--version" ] && exec echo "slow-dump 1.0"\n'
                     f"echo $$ > {tmp_path / 'dump.pid'}\n"
                     "printf 'CREATE TABLE x (y int);'\nsleep 30\n")
    (project / "pitstop.toml").write_text(f'[backup]\nmysql-dump = "{wrapper}"\n')
    exe = Path(sys.executable).with_name("pitstop")
    proc = subprocess.Popen([str(exe), "backup", "create", "--database", url], cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    backups = project / ".pitstop" / "backups"
    deadline = time.monotonic() + 20
    while not ((tmp_path / "dump.pid").exists() and any(backups.glob(".*.sql.zst.*.partial"))):
        assert time.monotonic() < deadline, "the backup never started writing"
        time.sleep(0.05)
    return proc


def stop_orphan(tmp_path: Path) -> None:
    """The dump tool runs in its own session: after pitstop is SIGKILLed it lives on."""
    import os
    import signal

    pid = int((tmp_path / "dump.pid").read_text())
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
