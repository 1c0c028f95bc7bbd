"""`pitstop check` next to the shell-script way of checking the same services one after
another (`pg_isready`, `redis-cli ping`, `curl` per endpoint), and `pitstop wait`
next to `pg_isready`.

The HTTP endpoints are local and answer after 300 ms each, like a health endpoint
that queries its own dependencies; pitstop checks them concurrently, the script
sequentially.  Prints median wall times over several rounds and the ratios.

    .venv/bin/python benchmarks/check_parallel.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import http.server
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PITSTOP = str(Path(sys.executable).with_name("pitstop"))
PG = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/15"
ENDPOINTS = 5
DELAY = 0.3


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(DELAY)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


def timed(args: list[str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def sequential(url: str) -> float:
    started = time.perf_counter()
    subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-t", "5"], check=True,
                   capture_output=True)
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"], check=True,
                   capture_output=True)
    for i in range(ENDPOINTS):
        subprocess.run(["curl", "-fsS", "-m", "5", f"{url}/e{i}"], check=True,
                       capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    for tool in ("pg_isready", "redis-cli", "curl"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed", file=sys.stderr)
            return 2
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        tables = "".join(f'[checks.http.e{i}]\nurl = "{url}/e{i}"\n' for i in range(ENDPOINTS))
        (project / "pitstop.toml").write_text(
            f'database_url = "{PG}"\nredis_url = "{REDIS}"\n{tables}', encoding="utf-8")
        check_cmd = [PITSTOP, "check", "database", "redis", "http", "--no-record"]
        ours, theirs, wait_ours, wait_theirs = [], [], [], []
        for _ in range(args.rounds):
            ours.append(timed(check_cmd, project))
            theirs.append(sequential(url))
            wait_ours.append(timed([PITSTOP, "wait", "database", "--timeout", "5"], project))
            wait_theirs.append(timed(["pg_isready", "-h", "127.0.0.1", "-t", "5"]))
    server.shutdown()
    rows = [
        (f"check db+redis+{ENDPOINTS} http", ours, "sequential pg_isready/redis-cli/curl", theirs),
        ("wait database (ready)", wait_ours, "pg_isready", wait_theirs),
    ]
    print(f"{'pitstop':<28}{'median s':>10}   {'peer':<38}{'median s':>10}{'ratio':>8}")
    for name, a, peer, b in rows:
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"{name:<28}{ma:>10.3f}   {peer:<38}{mb:>10.3f}{ma / mb:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
