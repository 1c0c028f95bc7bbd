"""Fixtures for the ``pitstop.db`` tests: a database URL per dialect."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

DIALECTS = ("sqlite", "postgresql", "mysql")


@pytest.fixture(params=DIALECTS)
def db_url(request: pytest.FixtureRequest) -> str:
    """The same test on SQLite, PostgreSQL and MariaDB, each a fresh database."""
    name = {"sqlite": "sqlite_url", "postgresql": "pg_url", "mysql": "mysql_url"}[request.param]
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """CLI runs configure the ``pitstop`` logger; leave it as it was for other tests."""
    import logging

    logger = logging.getLogger("pitstop")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    yield
    logger.handlers[:] = saved[0]
    logger.propagate, logger.level = saved[1], saved[2]


@pytest.fixture(scope="session")
def project_python() -> Path:
    """The interpreter of a project virtualenv with SQLAlchemy and SQLModel (not
    pitstop's), built once and cached like the interpreter tests' one."""
    from interpreter.conftest import APP_PACKAGES
    from venvs import cached_venv

    return cached_venv("app", APP_PACKAGES) / "bin" / "python"
