"""How closely the checks, ``wait`` and ``test smoke`` keep their time limits: the
timings the unit tests used to assert (tests/checks/test_runner.py,
tests/checks/test_schema_wait.py, tests/suite) — measured here, where a busy machine
makes a number slow instead of a test red.

Each row prints the median wall time and its ratio to the limit or the ideal:
concurrency (three 1 s checks: ideal 1 s, sequential would be 3×), a hanging service
under a 1 s check timeout, a wait that gives up at its timeout, a smoke run stopped at
its budget, and a cancelled smoke run (ratio to the moment of the cancel).

    .venv/bin/python benchmarks/stop_latency.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import http.server
import socket
import statistics
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from _util import row

from pitstop.registry import load_settings


class _Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(1.0)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def slow_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def median(func: Callable[[], object], rounds: int) -> float:
    """Median wall time of ``func`` after one untimed run (drivers imported, pytest's
    files cached)."""
    func()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def project(root: Path, toml: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pitstop.toml").write_text(toml, encoding="utf-8")
    for name, text in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


HANG = {"tests/test_hang.py": """
    import time


    def test_quick():
        pass


    def test_hangs():
        time.sleep(120)
"""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds

    from pitstop.checks import check
    from pitstop.checks.wait import wait
    from pitstop.errors import TestRunError
    from pitstop.suite import smoke

    with tempfile.TemporaryDirectory(prefix="pitstop-stop-") as tmp, slow_server() as url, \
            silent_port() as silent:
        base = Path(tmp)
        three = load_settings(project(base / "three", "".join(
            f'[checks.http.s{i}]\nurl = "{url}/s{i}"\n' for i in range(3))), env={})
        hang = load_settings(project(base / "hang", f'[checks.http.hang]\nurl = '
                                     f'"http://127.0.0.1:{silent}/"\ntimeout = "1s"\n'), env={})
        db = load_settings(project(base / "db", "[checks]\ntimeout = 1\n"), env={},
                           overrides={"database_url": f"postgresql://u:pw@127.0.0.1:{silent}/d"})
        plain = load_settings(project(base / "plain", ""), env={})
        tests = load_settings(project(base / "smoke", f'[test]\npython = "{sys.executable}"\n',
                                      HANG), env={})

        print(f"stop latency, median of {rounds} round(s) (ratio to the limit or the ideal)")
        seconds = median(lambda: check(three, names=["http"], save=False), rounds)
        print(row("three 1 s checks (ideal 1 s; sequential 3x)", seconds, 1.0))
        seconds = median(lambda: check(hang, names=["http"], save=False), rounds)
        print(row("hanging HTTP, check timeout 1 s", seconds, 1.0))
        seconds = median(lambda: check(db, names=["database"], save=False), rounds)
        print(row("database on a silent socket, timeout 1 s", seconds, 1.0))
        seconds = median(lambda: wait(plain, targets=[f"127.0.0.1:{closed_port()}"],
                                      timeout=1.2, interval=0.3), rounds)
        print(row("wait for a closed port, timeout 1.2 s", seconds, 1.2))
        seconds = median(lambda: wait(plain, targets=[f"redis://127.0.0.1:{silent}/0"],
                                      timeout=1.0, interval=0.2), rounds)
        print(row("wait for a silent Redis, timeout 1 s", seconds, 1.0))
        seconds = median(lambda: smoke(tests, patterns=["tests/test_hang.py"], budget=3),
                         rounds)
        print(row("smoke with a hanging test, budget 3 s", seconds, 3.0))

        def cancelled() -> None:
            cancel = threading.Event()
            threading.Timer(1.0, cancel.set).start()
            try:
                smoke(tests, patterns=["tests/test_hang.py"], cancel=cancel)
            except TestRunError:
                pass

        seconds = median(cancelled, rounds)
        print(row("smoke cancelled after 1 s", seconds, 1.0))


if __name__ == "__main__":
    main()
