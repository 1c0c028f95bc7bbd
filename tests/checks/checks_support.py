"""Fixtures for the checks tests: servers that misbehave on purpose (a socket that
accepts and never answers, a slow HTTP server, a password-protected Redis, a TLS-only
Redis) and a project builder.

Test modules import the fixtures they use from here.  This is deliberately not a
``conftest.py``: other test folders import the root conftest as ``conftest``, and a
second module of that name on ``sys.path`` would shadow it.
"""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pitstop.config import Settings
from pitstop.registry import load_settings


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def closed_port() -> int:
    return free_port()


@pytest.fixture
def hanging_port() -> Iterator[int]:
    """A local server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


class _SlowHandler(http.server.BaseHTTPRequestHandler):
    delay = 0.0

    def do_GET(self) -> None:
        if self.path.startswith("/slow"):
            time.sleep(1.0)
        status = 503 if self.path.startswith("/broken") else 200
        body = b'{"status": "ok"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[str]:
    """``http://127.0.0.1:PORT``: ``/slow`` answers after 1 s, ``/broken`` with 503."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def _start_redis(args: list[str], port: int, tmp: Path) -> subprocess.Popen[bytes]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(tmp), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    proc.wait()
    pytest.fail("the extra redis-server did not start")


@pytest.fixture
def auth_redis(tmp_path: Path) -> Iterator[tuple[int, str]]:
    """A second redis-server on a free port with ``requirepass``: ``(port, password)``."""
    port, password = free_port(), "s3cret-pass-word"
    proc = _start_redis(["--requirepass", password], port, tmp_path)
    try:
        yield port, password
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Write ``pitstop.toml`` with the given text into a fresh project; load it."""

    def build(toml: str = "", **overrides: object) -> Settings:
        root = tmp_path / "proj"
        root.mkdir(exist_ok=True)
        (root / "pitstop.toml").write_text(toml, encoding="utf-8")
        return load_settings(root, env={}, overrides=overrides)

    return build


@pytest.fixture
def tls_redis(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A redis-server that speaks only TLS: ``(port, ca_cert_path)``."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    port = free_port()
    proc = _start_redis(["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(cert),
                         "--tls-key-file", str(key), "--tls-ca-cert-file", str(cert),
                         "--tls-auth-clients", "no"], port, tmp_path)
    try:
        yield port, cert
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def start_redis(tmp_path: Path) -> Iterator[Callable[[list[str]], int]]:
    """Start extra redis-servers with the given arguments; each is stopped afterwards.
    Returns the port."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(args: list[str]) -> int:
        port = free_port()
        procs.append(_start_redis(args, port, tmp_path))
        return port

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
