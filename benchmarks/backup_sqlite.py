"""Benchmark: SQLite backups of a ~300 MB database, idle and under a continuous writer,
side by side with the sqlite3 backup API alone, `cp`, and gzip -6 vs zstd.

    .venv/bin/python benchmarks/backup_sqlite.py [--size-mb 300] [--workdir DIR]

Prints times and ratios; exits non-zero when a pitstop backup fails integrity_check.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pitstop.backup import create_backup, restore_backup
from pitstop.config import load_settings

WRITER = """
import sqlite3, sys, itertools, time
conn = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
pause = float(sys.argv[2])
print("ready", flush=True)
for i in itertools.count():
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO events (kind, payload) VALUES (?, ?)",
                     [("w", "x" * 300) for _ in range(50)])
    conn.execute("UPDATE counters SET n = n + 50 WHERE id = 1")
    conn.execute("COMMIT")
    if pause:
        time.sleep(pause)
"""


def make_db(path: Path, size_mb: int, wal: bool) -> None:
    rng = random.Random(42)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 10)))
             for _ in range(5000)]
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode={'WAL' if wal else 'DELETE'}")
    conn.executescript("""
        CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, payload TEXT);
        CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER);
        CREATE INDEX events_kind ON events(kind);
    """)
    rows = 0
    while path.stat().st_size < size_mb * 1_000_000:
        batch = [(rng.choice(("login", "order", "view", "error")),
                  " ".join(rng.choices(words, k=40))) for _ in range(20000)]
        conn.executemany("INSERT INTO events (kind, payload) VALUES (?, ?)", batch)
        rows += len(batch)
        conn.commit()
    conn.execute("INSERT INTO counters VALUES (1, ?)", (rows,))
    conn.commit()
    conn.close()


def integrity(path: Path) -> tuple[str, bool]:
    conn = sqlite3.connect(path)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        counter = conn.execute("SELECT n FROM counters").fetchone()[0]
        return verdict, events == counter
    except sqlite3.DatabaseError as exc:
        return f"unreadable: {exc}", False
    finally:
        conn.close()


def timed(label: str, func: object) -> float:
    start = time.perf_counter()
    func()  # type: ignore[operator]
    took = time.perf_counter() - start
    print(f"  {label:<52} {took:7.2f} s")
    return took


def api_backup(src: Path, dst: Path, *, durable: bool = False) -> None:
    source = sqlite3.connect(src, timeout=60)
    target = sqlite3.connect(dst)
    source.backup(target, pages=-1)
    target.close()
    source.close()
    if durable:  # what a backup needs before it can be trusted: the bytes on disk
        with open(dst, "rb") as handle:
            os.fsync(handle.fileno())


def run(workdir: Path, size_mb: int, wal: bool) -> bool:
    mode = "WAL" if wal else "rollback journal"
    db = workdir / f"bench-{'wal' if wal else 'delete'}.db"
    print(f"\n== {mode}: building a {size_mb} MB database …")
    make_db(db, size_mb, wal)
    print(f"   {db.stat().st_size / 1e6:.0f} MB, "
          f"{sqlite3.connect(db).execute('SELECT count(*) FROM events').fetchone()[0]} rows")
    settings = load_settings(workdir, overrides={"database_url": f"sqlite:///{db}"})
    idle_api = timed("sqlite3 backup API, idle (no compression)",
                     lambda: api_backup(db, workdir / "api-copy.db"))
    idle_durable = timed("sqlite3 backup API + fsync, idle (no compression)",
                         lambda: api_backup(db, workdir / "api-copy2.db", durable=True))
    idle_pitstop = timed("pitstop backup create, idle (zstd 3)",
                         lambda: create_backup(settings))
    pause = 0.0 if wal else 0.001
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(pause)],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    writer.stdout.readline()
    time.sleep(0.5)
    ok = True
    try:
        busy_api = timed("sqlite3 backup API, under a writer",
                         lambda: api_backup(db, workdir / "api-busy.db"))
        holder: list[object] = []
        busy_pitstop = timed("pitstop backup create, under a writer",
                             lambda: holder.append(create_backup(settings)))
        busy_plain = timed("pitstop backup create --compress none, under a writer",
                           lambda: create_backup(settings, compress="none"))
        timed("cp of the live file, under a writer",
              lambda: shutil.copyfile(db, workdir / "cp-copy.db"))
    finally:
        writer.kill()
        writer.wait()
    restored = workdir / "restored.db"
    restore_backup(settings, holder[0].id, to=f"sqlite:///{restored}")  # type: ignore[attr-defined]
    verdict, consistent = integrity(restored)
    cp_verdict, cp_consistent = integrity(workdir / "cp-copy.db")
    print(f"  pitstop copy under writer: integrity_check={verdict!r}, "
          f"counter consistent={consistent}")
    print(f"  cp copy under writer:      integrity_check={cp_verdict[:60]!r}, "
          f"counter consistent={cp_consistent}")
    print(f"  ratio busy/idle pitstop: {busy_pitstop / idle_pitstop:.2f}x "
          f"(target < 2x); busy/idle backup API: {busy_api / idle_api:.2f}x")
    print(f"  pitstop under a writer vs the backup API on the idle file: "
          f"{busy_pitstop / idle_api:.2f}x with zstd, {busy_plain / idle_api:.2f}x uncompressed")
    print(f"  ... vs the backup API + fsync on the idle file: "
          f"{busy_pitstop / idle_durable:.2f}x with zstd, "
          f"{busy_plain / idle_durable:.2f}x uncompressed")
    ok = verdict == "ok" and consistent
    for path in workdir.glob("*.db*"):
        path.unlink()
    shutil.rmtree(workdir / ".pitstop", ignore_errors=True)
    return ok


def compression(workdir: Path, size_mb: int) -> None:
    db = workdir / "compress.db"
    print(f"\n== compression of a {size_mb} MB SQLite file")
    make_db(db, size_mb, wal=False)
    raw = db.stat().st_size
    settings = load_settings(workdir, overrides={"database_url": f"sqlite:///{db}"})
    results = {}
    for method in ("zstd", "gzip"):
        holder: list[object] = []
        took = timed(f"pitstop backup create --compress {method}",
                     lambda m=method, h=holder: h.append(create_backup(settings, compress=m)))
        size = holder[0].size  # type: ignore[attr-defined]
        results[method] = (took, size)
        print(f"    ratio {raw / size:.2f}:1 ({size / 1e6:.0f} MB)")
    took = timed("gzip -6 (command line)",
                 lambda: subprocess.run(["gzip", "-6", "-k", "-f", str(db)], check=True))
    gz = db.with_suffix(".db.gz").stat().st_size
    print(f"    ratio {raw / gz:.2f}:1")
    print(f"  zstd vs gzip -6 time: {results['gzip'][0] / results['zstd'][0]:.1f}x faster; "
          f"size zstd/gzip = {results['zstd'][1] / results['gzip'][1]:.2f}")
    shutil.rmtree(workdir / ".pitstop", ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pitstop-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        ok = run(workdir, args.size_mb, wal=True)
        ok = run(workdir, args.size_mb, wal=False) and ok
        compression(workdir, args.size_mb)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
