"""The run list with 100,000 runs in the state store: `pitstop serve` pages against the
same page read the usual way (``LIMIT … OFFSET`` and a ``COUNT(*)`` for the page
count, what makes run lists slow once executions pile up), and `pitstop history`.

Fills an SQLite state store (and a PostgreSQL one when a server answers on
127.0.0.1:5432, or ``--pg URL``) with 100,000 runs and 200,000 task attempts, starts a
real `pitstop serve`, logs in, and times whole HTTP requests (median of 15).

Target: every page of the run list under 200 ms.
"""

from __future__ import annotations

import argparse
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from _util import PITSTOP

RUNS = 100_000
TARGET = 0.200
PASSWORD = "benchmark-password"


def _rows(count: int) -> Iterator[tuple[object, ...]]:
    rng = random.Random(7)
    now = time.time()
    workflows = ["deploy", "setup", "nightly", "backup", "check"]
    for index in range(count):
        started = now - (count - index) * 30.0 - rng.random()
        status = rng.choices(["success", "failed", "interrupted"], [90, 8, 2])[0]
        trigger = rng.choices(["cli", "web", "schedule", "workflow"], [40, 20, 30, 10])[0]
        verb = trigger == "workflow"
        yield (uuid.uuid4().hex[:12], "migrate up" if verb else rng.choice(workflows),
               "verb" if verb else "workflow", trigger, rng.choice(["ada", "otto", "ops", None]),
               "bench", 1000 + index % 5000, "{}", started, started + 12.5, started + 12.5,
               status, 0 if status == "success" else 1, "migrate" if verb else None,
               "up" if verb else None, None)


def fill(url: str, count: int) -> None:
    """``count`` runs, two attempts each, in the state store at ``url`` (created by
    pitstop first, so the tables and indexes are its own)."""
    from pitstop.state.store import StateStore

    StateStore.connect(url).close()
    insert_run = ('INSERT INTO pitstop_runs (id, target, kind, "trigger", "user", host, pid, '
                  "params, started_at, finished_at, heartbeat_at, status, exit_code, "
                  "capability, verb, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                  "?, ?, ?)")
    insert_task = ("INSERT INTO pitstop_task_runs (run_id, task, attempt, started_at, "
                   "finished_at, status, exit_code, data) VALUES (?, ?, 1, ?, ?, ?, ?, '{}')")
    rows = list(_rows(count))
    tasks = [(r[0], name, r[8], r[9], r[11], r[12]) for r in rows for name in ("a", "b")]
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.executemany(insert_run, rows)
        conn.executemany(insert_task, tasks)
        conn.commit()
        conn.execute("ANALYZE")
        conn.close()
        return
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        cursor.executemany(insert_run.replace("?", "%s"), rows)
        cursor.executemany(insert_task.replace("?", "%s"), tasks)
        conn.commit()
        cursor.execute("ANALYZE")


def offset_page(conn: object, offset: int, where: str = "") -> Callable[[], object]:
    """The usual way, on an open connection: one page by OFFSET, and the count for
    "page N of M"."""

    def run() -> object:
        cursor = conn.cursor()  # type: ignore[attr-defined]
        cursor.execute(f"SELECT COUNT(*) FROM pitstop_runs {where}")
        cursor.fetchone()
        cursor.execute(f"SELECT * FROM pitstop_runs {where} ORDER BY started_at DESC "
                       f"LIMIT 50 OFFSET {offset}")
        return cursor.fetchall()

    return run


def connect(url: str) -> object:
    if url.startswith("sqlite"):
        import sqlite3

        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg

    return psycopg.connect(url, autocommit=True)


def median(func: Callable[[], object], runs: int = 15) -> float:
    func()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def served(project: Path) -> Iterator[str]:
    port = _port()
    proc = subprocess.Popen([PITSTOP, "serve", "--port", str(port)], cwd=project,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if "Uvicorn running on" in line:
            break
    else:
        raise SystemExit("pitstop serve did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
        proc.stderr.close()


def log_in(http: httpx.Client, base: str) -> None:
    form = http.get(f"{base}/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    answer = http.post(f"{base}/login", data={"username": "bench", "password": PASSWORD,
                                              "csrf_token": token.group(1)})
    assert answer.status_code == 303, answer.text


def deep_cursor(url: str, offset: int) -> str:
    from pitstop.serve.history import RunFilter, page_of_runs
    from pitstop.state.store import StateStore

    with StateStore.open(url) as store:
        cursor = None
        for _ in range(offset // 500):
            cursor = page_of_runs(store.engine, RunFilter(nested=True), cursor=cursor,
                                  limit=500).next_cursor
    assert cursor is not None
    return cursor


def bench(label: str, url: str, runs: int) -> list[tuple[str, float]]:
    from pitstop.serve.passwords import hash_password
    from pitstop.state.accounts import Accounts
    from pitstop.state.store import StateStore

    print(f"\n{label}: filling {runs:,} runs …", flush=True)
    start = time.perf_counter()
    fill(url, runs)
    print(f"  filled in {time.perf_counter() - start:.1f} s", flush=True)
    with StateStore.open(url) as store:
        Accounts(store.engine).add_user("bench", "admin", hash_password(PASSWORD))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "pitstop.toml").write_text(f'[state]\nurl = "{url}"\n\n[workflows]\n'
                                              'deploy = ["check-env"]\n')
        cursor = deep_cursor(url, 50_000)
        peer = connect(url)
        with served(project) as base, httpx.Client(timeout=60) as http:
            log_in(http, base)
            pages: list[tuple[str, str, str | None, int]] = [
                ("runs, newest page", "/runs", "", 0),
                ("runs, status=failed", "/runs?status=failed", "WHERE status = 'failed'", 0),
                ("runs, user=otto", "/runs?user=otto", "WHERE \"user\" = 'otto'", 0),
                ("runs, trigger=schedule", "/runs?trigger=schedule",
                 "WHERE \"trigger\" = 'schedule'", 0),
                ("runs, page at run 50,000", f"/runs?nested=true&after={cursor}", "", 50_000),
                ("api/runs, newest 50", "/api/runs", None, 0),
                ("dashboard", "/", None, 0),
            ]
            for name, path, where, offset in pages:
                def get(path: str = path) -> object:
                    answer = http.get(base + path)
                    assert answer.status_code == 200, (path, answer.status_code)
                    return answer

                ours = median(get)
                results.append((name, ours))
                line = f"  {name:<28} whole request {ours * 1000:7.1f} ms"
                if where is not None:
                    theirs = median(offset_page(peer, offset, where))
                    line += (f"   | the same rows by OFFSET {offset} + COUNT(*), the query "
                             f"alone: {theirs * 1000:7.1f} ms")
                print(line, flush=True)
        peer.close()  # type: ignore[attr-defined]
        history = median(lambda: subprocess.run(
            [PITSTOP, "history", "-n", "50", "--json"], cwd=project, check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), runs=5)
        print(f"  {'pitstop history -n 50':<28} (whole command) {history * 1000:7.1f} ms")
    return results


def _pg_url(given: str | None) -> str | None:
    if given:
        return given
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError:
        return None
    import psycopg

    name = f"pitstop_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def _drop(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--pg", help="a PostgreSQL URL to fill (default: a new database on "
                                     "127.0.0.1:5432 when it answers)")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        results = bench("SQLite", f"sqlite:///{Path(tmp) / 'state.db'}", args.runs)
        worst = max(worst, *(t for _, t in results))
    pg = None if args.no_pg else _pg_url(args.pg)
    if pg is not None:
        try:
            results = bench("PostgreSQL", pg, args.runs)
            worst = max(worst, *(t for _, t in results))
        finally:
            if not args.pg:
                _drop(pg)
    verdict = "ok" if worst < TARGET else "OVER"
    print(f"\nslowest page {worst * 1000:.1f} ms; target {TARGET * 1000:.0f} ms: {verdict}")
    return 0 if worst < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
