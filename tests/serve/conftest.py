"""A project served by pitstop: its state store (SQLite, and PostgreSQL when the
server is there), three users, the FastAPI test client, and logging in."""

from __future__ import annotations

import functools
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install 'pitstop[web]'")

from fastapi.testclient import TestClient

from pitstop import registry
from pitstop.config import Settings

PASSWORDS = {"ada": "admin-password-1", "otto": "operator-password-1",
             "vera": "viewer-password-1"}
ROLES = {"ada": "admin", "otto": "operator", "vera": "viewer"}
PY = sys.executable

CONFIG = f"""
database_url = "sqlite:///app.db"

[state]
url = "{{state_url}}"

[migrate]
dir = "migrations"

[serve]
login_attempts = 3
address_attempts = 10

[tasks.greet]
run = ["{PY}", "scripts/greet.py"]
level = "read"
description = "Say hello"

[tasks.gated]
run = ["{PY}", "scripts/gated.py"]
timeout = "60s"
description = "Print, wait for the file 'release', print again"

[tasks.wipe]
run = ["{PY}", "-c", "print('wiped')"]
level = "admin"

[workflows]
hello = ["greet"]
gate = ["gated"]
deploy = ["greet", "migrate"]
reset = ["greet", "wipe"]
"""

GREET = """\
for i in range(3):
    print("hello", i, flush=True)
"""

GATED = """\
import pathlib, time
print("waiting for release", flush=True)
gate = pathlib.Path("release")
deadline = time.monotonic() + 50
while not gate.exists() and time.monotonic() < deadline:
    time.sleep(0.05)
print("released" if gate.exists() else "never released", flush=True)
raise SystemExit(0 if gate.exists() else 1)
"""


def write_project(root: Path, state_url: str) -> Path:
    (root / "pitstop.toml").write_text(CONFIG.replace("{state_url}", state_url))
    scripts = root / "scripts"
    scripts.mkdir()
    (scripts / "greet.py").write_text(GREET)
    (scripts / "gated.py").write_text(GATED)
    migrations = root / "migrations"
    migrations.mkdir()
    (migrations / "1_items.up.sql").write_text("CREATE TABLE items (id INTEGER PRIMARY KEY);\n")
    (migrations / "1_items.down.sql").write_text("DROP TABLE items;\n")
    (migrations / "2_tags.up.sql").write_text("CREATE TABLE tags (id INTEGER PRIMARY KEY);\n")
    (migrations / "2_tags.down.sql").write_text("DROP TABLE tags;\n")
    return root


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def sqlite_state(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


def load(root: Path) -> Settings:
    return registry.load_settings(root, env={})


@functools.cache
def _hash(password: str) -> str:
    from pitstop.serve.passwords import hash_password

    return hash_password(password)


def add_users(settings: Settings) -> None:
    """ada (admin), otto (operator), vera (viewer).  Their Argon2 hashes are made once
    per test session (each costs about half a second here); `pitstop user add` itself
    is tested in test_users.py."""
    from pitstop.state.accounts import Accounts
    from pitstop.state.store import StateStore

    with StateStore.open(settings.state.url) as store:
        accounts = Accounts(store.engine)
        for name, role in ROLES.items():
            assert accounts.add_user(name, role, _hash(PASSWORDS[name]))


@pytest.fixture
def served(project: Path, state_url: str) -> Settings:
    """The project (SQLite and PostgreSQL state stores), with ada, otto and vera."""
    settings = load(write_project(project, state_url))
    add_users(settings)
    return settings


@pytest.fixture
def served_sqlite(project: Path, sqlite_state: str) -> Settings:
    """The project on an SQLite state store only (for tests about the page itself)."""
    settings = load(write_project(project, sqlite_state))
    add_users(settings)
    return settings


def client_for(settings: Settings) -> Iterator[TestClient]:
    from pitstop.serve.app import create_app

    app = create_app(settings)
    with TestClient(app) as client:
        yield client
        assert app.state.ctx.jobs.wait_all(60)


@pytest.fixture
def client(served: Settings) -> Iterator[TestClient]:
    yield from client_for(served)


@pytest.fixture
def page(served_sqlite: Settings) -> Iterator[TestClient]:
    yield from client_for(served_sqlite)


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def login(client: TestClient, name: str, password: str | None = None) -> str:
    """Log ``name`` in; returns the session's CSRF token."""
    form = client.get("/login")
    token = _TOKEN.search(form.text)
    assert token, form.text
    answer = client.post("/login", data={"username": name,
                                         "password": password or PASSWORDS[name],
                                         "csrf_token": token.group(1), "next": "/"},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    home = client.get("/")
    found = _TOKEN.search(home.text)
    assert found, home.text
    return found.group(1)


def csrf_header(token: str) -> dict[str, Any]:
    return {"X-CSRF-Token": token}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def serve_process(project: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """``pitstop serve`` in ``project`` on a free port of 127.0.0.1, as a real process;
    yields once uvicorn says it listens, stops it with Ctrl-C (exit 0) afterwards."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pitstop", "serve", "--port", str(port),
                             *args], cwd=project, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # wait for uvicorn to say it listens
        seen.append(line)
        if "Uvicorn running on" in line:
            break
    else:
        proc.wait(10)
        pytest.fail("pitstop serve did not start:\n" + "".join(seen))
    try:
        yield proc, port
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            assert proc.wait(20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stderr.close()
