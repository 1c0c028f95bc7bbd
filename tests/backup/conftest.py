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

import pytest

from pitstop.config import Settings
from pitstop.registry import load_settings


@pytest.fixture
def make_settings(project: Path) -> Callable[..., Settings]:
    """Settings for ``project`` with an optional database URL and pitstop.toml text."""

    def make(database_url: str | None = None, toml: str = "") -> Settings:
        if toml:
            (project / "pitstop.toml").write_text(toml)
        return load_settings(project, overrides={"database_url": database_url})

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
