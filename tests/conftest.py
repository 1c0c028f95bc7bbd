"""Shared fixtures: guard rails for every test, real servers, real git repositories.

Server fixtures skip with a reason when the server is absent, and fail instead when
``PITSTOP_REQUIRE_SERVICES=1`` (what CI sets).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitutil import git

REQUIRE_SERVICES = os.environ.get("PITSTOP_REQUIRE_SERVICES") == "1"
PG_ADMIN_URL = os.environ.get("PITSTOP_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN_URL = os.environ.get("PITSTOP_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
REDIS_TEST_URL = os.environ.get("PITSTOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")



def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_server(name: str, host: str, port: int) -> None:
    """Skip (or fail under PITSTOP_REQUIRE_SERVICES=1) when a server is not listening."""
    if _port_open(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} and PITSTOP_REQUIRE_SERVICES=1")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _guard_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
                       ) -> None:
    """No test sees the developer's DATABASE_URL/PITSTOP_* or writes to the real home."""
    for var in list(os.environ):
        if var.startswith(("PITSTOP_", "GIT_")) and not var.startswith("PITSTOP_TEST_") \
                and var != "PITSTOP_REQUIRE_SERVICES":
            monkeypatch.delenv(var, raising=False)
    for var in ("DATABASE_URL", "REDIS_URL", "LOG_LEVEL", "ENVIRONMENT", "DRY_RUN", "VIRTUAL_ENV"):
        monkeypatch.delenv(var, raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project directory, made the current directory."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'app.db'}"


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test, dropped afterwards."""
    require_server("PostgreSQL", "127.0.0.1", 5432)
    import sqlalchemy

    name = _unique("pitstop_t")
    admin = sqlalchemy.create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"),
                                     isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """A fresh MariaDB/MySQL database for this test, dropped afterwards."""
    require_server("MariaDB", "127.0.0.1", 3306)
    import sqlalchemy

    name = _unique("pitstop_t")
    admin = sqlalchemy.create_engine(MYSQL_ADMIN_URL.replace("mysql://", "mysql+pymysql://"),
                                     isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f"CREATE DATABASE `{name}`"))
    try:
        yield MYSQL_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


@pytest.fixture
def redis_url() -> str:
    require_server("Redis", "127.0.0.1", 6379)
    return REDIS_TEST_URL


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """An empty git repository with a pinned identity (main branch)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Test Author")
    git(repo, "config", "user.email", "author@example.com")
    git(repo, "config", "commit.gpgsign", "false")
    git(repo, "config", "tag.gpgsign", "false")
    return repo
