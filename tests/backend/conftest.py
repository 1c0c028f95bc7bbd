"""Fixtures for the backend tests: the project's own virtualenv with FastAPI, uvicorn
and websockets (not pitstop's), Debian's nginx, a tiny app, free ports, and the CLI
run as a real subprocess (the supervisor it detaches is one too)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from venvs import cached_venv

APP_PACKAGES = ("fastapi>=0.110,<1", "uvicorn>=0.30,<1", "websockets>=12")
NGINX_PACKAGE = "nginx-light"

APP_SOURCE = '''
import os
from pathlib import Path
from fastapi import FastAPI, Response, WebSocket

app = FastAPI()
SICK = Path(os.environ.get("SICK_DIR", "/nonexistent")) / os.environ.get("PORT", "")

@app.get("/health")
def health(response: Response):
    if SICK.exists():
        response.status_code = 500
        return {"ok": False}
    return {"ok": True}

@app.get("/")
def root():
    return {"pid": os.getpid(), "port": int(os.environ["PORT"]),
            "greeting": os.environ.get("GREETING")}

@app.websocket("/ws/echo")
async def echo(ws: WebSocket):
    await ws.accept()
    while True:
        await ws.send_text("echo:" + await ws.receive_text())
'''


@pytest.fixture(scope="session")
def backend_venv() -> Path:
    return cached_venv("backend-app", APP_PACKAGES)


@pytest.fixture(scope="session")
def nginx_binary() -> Path:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
    if found is None:
        message = (f"nginx is not installed (apt-get install {NGINX_PACKAGE}; `make test` "
                   "installs it when run as root)")
        if os.environ.get("PITSTOP_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message} and PITSTOP_REQUIRE_SERVICES=1")
        pytest.skip(message)
    return Path(found)


def free_ports(count: int) -> int:
    """A base port with ``count`` consecutive free ports after it, and one more (an
    app's spare port)."""
    count += 1
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count > 65000:
            continue
        ok = True
        for port in range(base, base + count):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no run of free ports")


class Backend:
    """A project with the tiny app, and its CLI."""

    def __init__(self, root: Path, venv: Path) -> None:
        self.root, self.venv = root, venv
        self.python = venv / "bin" / "python"
        self.gateway = free_ports(1)

    def write(self, body: str, *, extra: str = "") -> None:
        (self.root / "app").mkdir(exist_ok=True)
        (self.root / "app" / "__init__.py").write_text("")
        (self.root / "app" / "main.py").write_text(APP_SOURCE)
        (self.root / "pitstop.toml").write_text(textwrap.dedent(f"""\
            [project]
            python = "{self.venv}"
            [backend]
            gateway_port = {self.gateway}
            health_interval = "200ms"
            restart_backoff = "50ms"
            stop_timeout = "5s"
            """) + textwrap.dedent(body) + textwrap.dedent(extra))

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        return subprocess.run([sys.executable, "-m", "pitstop", *args], cwd=self.root, env=env,
                              capture_output=True, text=True, timeout=timeout, check=False)

    def status(self) -> dict[str, Any]:
        done = self.cli("backend", "status", "--json")
        data: dict[str, Any] = json.loads(done.stdout)
        return data

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.gateway}{path}"

    def wait_for(self, what: Callable[[dict[str, Any]], bool], timeout: float = 30) -> dict[str, Any]:
        """Poll ``status --json`` until ``what(status)``, failing after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            data = self.status()
            if what(data):
                return data
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; last status: {json.dumps(data, indent=1)}")
            time.sleep(0.2)  # another process's state: polled, with a deadline


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


@pytest.fixture
def backend_project(project: Path, backend_venv: Path, nginx_binary: Path) -> Iterator[Backend]:
    backend = Backend(project, backend_venv)
    yield backend
    if (project / "pitstop.toml").exists():
        state = project / ".pitstop" / "backend" / "state.json"
        pids = []
        if state.exists():
            data = json.loads(state.read_text())
            pids = [p["pid"] for p in data.get("processes", ()) if p.get("pid")]
            pids += [data["supervisor"]["pid"]] + ([data["gateway"]["pid"]]
                                                   if data["gateway"].get("pid") else [])
        backend.cli("backend", "stop")
        left = [pid for pid in pids if pid_alive(pid)]
        assert not left, f"processes left behind: {left}"
