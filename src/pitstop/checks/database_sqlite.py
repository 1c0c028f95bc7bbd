"""SQLite figures for the ``database`` check: the file exists, ``PRAGMA quick_check``,
journal mode, size.  The file is opened read-only, so a check never creates it."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from pitstop.checks.base import Observed, Probe
from pitstop.checks.database import ms
from pitstop.checks.settings import DatabaseCheckSettings
from pitstop.errors import ConfigError, ConnectError

if TYPE_CHECKING:
    from pitstop.db.url import DatabaseURL


def probe(db: DatabaseURL, cfg: DatabaseCheckSettings, timeout: float) -> Probe:
    path = db.sqlite_path
    if path is None:
        return Probe("in-memory SQLite database: nothing to check", {}, "pass")
    path = Path(path)
    if path.exists() and not path.is_file():
        raise ConfigError(f"SQLite database {path} is not a file", key="database_url",
                          hint="point database_url at the database file")
    if not path.is_file():
        raise ConnectError(
            f"SQLite database {path} does not exist",
            hint="create it with `pitstop run db-init` or `pitstop migrate up`, "
                 "or fix database_url",
        )
    started = time.perf_counter()
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=timeout)
    except sqlite3.Error as exc:
        raise ConnectError(f"cannot open SQLite database {path}: {exc}",
                           hint="check the file's permissions") from exc
    try:
        conn.execute("SELECT 1").fetchone()
        rtt = time.perf_counter() - started
        quick = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
        journal = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        return Probe(f"SQLite database {path} is unreadable: {exc}",
                     {"round_trip": ms(time.perf_counter() - started)}, "fail",
                     "restore it from a backup (`pitstop backup restore`)")
    finally:
        conn.close()
    intact = quick == ["ok"]
    observed = {
        "round_trip": ms(rtt),
        "server_version": Observed(sqlite3.sqlite_version),
        "quick_check": Observed("ok" if intact else "; ".join(quick[:5]), None,
                                None if intact else "fail"),
        "journal_mode": Observed(journal),
        "database_size": Observed(path.stat().st_size, "bytes"),
    }
    if not intact:
        return Probe(f"SQLite {sqlite3.sqlite_version}: quick_check found corruption: "
                     f"{quick[0]}", observed, "fail",
                     "restore it from a backup (`pitstop backup restore`)")
    return Probe(f"SQLite {sqlite3.sqlite_version} ({journal} journal)", observed)
