"""Shared fixtures: guard rails for every test, real servers, real git repositories.

Server fixtures skip with a reason when the server is absent, and fail instead when
``PITSTOP_REQUIRE_SERVICES=1`` (what CI sets).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitutil import git

REQUIRE_SERVICES = os.environ.get("PITSTOP_REQUIRE_SERVICES") == "1"
PG_ADMIN_URL = os.environ.get("PITSTOP_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN_URL = os.environ.get("PITSTOP_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
REDIS_TEST_URL = os.environ.get("PITSTOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

ROOT = Path(__file__).resolve().parents[1]
REAL_HOME = os.path.realpath(os.path.expanduser("~"))
"""The developer's home directory, read before any test points ``HOME`` elsewhere."""

_HOME_GUARD: dict[str, Any] = {"active": False, "allowed": ()}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_WRITING_EVENTS = {"os.mkdir": (0,), "os.remove": (0,), "os.rmdir": (0,), "os.rename": (0, 1),
                   "os.symlink": (1,), "os.link": (1,), "os.truncate": (0,),
                   "os.chmod": (0,), "shutil.rmtree": (0,), "sqlite3.connect": (0,)}


def _in_real_home(path: object) -> str | None:
    """``path`` made absolute when it is inside the real home directory (and not in
    the checkout or a temporary directory, which may live there)."""
    if not isinstance(path, str | bytes | os.PathLike):
        return None
    text = os.path.abspath(os.fsdecode(path))
    inside = lambda base: text == base or text.startswith(base.rstrip(os.sep) + os.sep)  # noqa: E731
    if not inside(REAL_HOME) or any(inside(base) for base in _HOME_GUARD["allowed"]):
        return None
    return text


def _home_guard(event: str, args: tuple[Any, ...]) -> None:
    """An audit hook: while a test runs, writing anywhere in the real home directory
    raises :class:`PermissionError` (the write fails, it is not merely redirected)."""
    if not _HOME_GUARD["active"]:
        return
    if event == "open":
        path, mode, flags = (*tuple(args), None, None, None)[:3]
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and bool(flags & _WRITE_FLAGS))
        paths: tuple[object, ...] = (path,) if writing else ()
    elif event in _WRITING_EVENTS:
        paths = tuple(args[i] for i in _WRITING_EVENTS[event] if i < len(args))
    else:
        return
    for path in paths:
        found = _in_real_home(path)
        if found is not None:
            raise PermissionError(f"a test tried to write to the real home directory: {found}")


if os.path.realpath(os.sep) != REAL_HOME:  # a home of "/" would forbid everything
    sys.addaudithook(_home_guard)



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
    """No test sees the developer's DATABASE_URL/PITSTOP_* and no test can write to the
    real home directory: ``HOME`` points at a fresh directory, and an audit hook makes
    any write under the real home fail with :class:`PermissionError`."""
    for var in list(os.environ):
        if var.startswith(("PITSTOP_", "GIT_")) and not var.startswith("PITSTOP_TEST_") \
                and var != "PITSTOP_REQUIRE_SERVICES":
            monkeypatch.delenv(var, raising=False)
    for var in ("DATABASE_URL", "REDIS_URL", "LOG_LEVEL", "ENVIRONMENT", "DRY_RUN", "VIRTUAL_ENV"):
        monkeypatch.delenv(var, raising=False)
    home = tmp_path_factory.mktemp("home")
    _HOME_GUARD["allowed"] = tuple(os.path.realpath(p) for p in (
        tempfile.gettempdir(), tmp_path_factory.getbasetemp(), ROOT))
    monkeypatch.setattr(sys.modules[__name__], "_HOME_GUARD",
                        {**_HOME_GUARD, "active": True})  # undone after the test
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


@contextlib.contextmanager
def fresh_pg_database(prefix: str = "pitstop_t") -> Iterator[str]:
    """A new PostgreSQL database named ``PREFIX_<random>``, dropped afterwards; its URL."""
    require_server("PostgreSQL", "127.0.0.1", 5432)
    import sqlalchemy

    name = _unique(prefix)
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
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test, dropped afterwards."""
    with fresh_pg_database() as url:
        yield url


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
