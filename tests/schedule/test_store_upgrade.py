"""State store version 3: the firings and notifications tables, added to an older store
in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pitstop.state import SCHEMA_VERSION
from pitstop.state.store import StateStore


def test_a_version_2_store_gains_the_new_tables(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    with StateStore.open(f"sqlite:///{db}"):
        pass
    with sqlite3.connect(db) as conn:  # as pitstop with schema version 2 left it
        conn.execute("DROP TABLE pitstop_schedule_firings")
        conn.execute("DROP TABLE pitstop_notifications")
        conn.execute("UPDATE pitstop_meta SET value = '2' WHERE key = 'schema_version'")
        conn.execute("INSERT INTO pitstop_runs (id, target, kind, \"trigger\", host, pid, params, "
                     "started_at, heartbeat_at, status) VALUES ('r1', 'w', 'workflow', 'cli', "
                     "'h', 1, '{}', 1.0, 1.0, 'success')")
    with StateStore.open(f"sqlite:///{db}") as store:
        assert store.get_run("r1") is not None
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = conn.execute("SELECT value FROM pitstop_meta WHERE key='schema_version'"
                               ).fetchone()[0]
    assert {"pitstop_schedule_firings", "pitstop_notifications"} <= tables
    assert SCHEMA_VERSION == 3 and version == "3"
