"""A project virtualenv that is *not* pitstop's: SQLAlchemy, Alembic, sqlmodel, psycopg2
(not pitstop's psycopg 3) and pytest, but no pitstop.

It is built once (``python -m venv`` and ``pip install`` through the configured package
index) into the system temporary directory, keyed by what is installed, and reused by
later sessions; a build that was interrupted is never reused.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from venvs import cached_venv

APP_PACKAGES = ("SQLAlchemy>=2,<2.2", "alembic>=1.13,<2", "sqlmodel", "psycopg2-binary",
                "pytest>=8")


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python*/site-packages"))


@pytest.fixture(scope="session")
def app_venv() -> Path:
    """The project's own virtualenv (see the module docstring)."""
    venv = cached_venv("app", APP_PACKAGES)
    # what makes these tests mean something: pitstop's interpreter cannot import the app
    import importlib.util

    assert importlib.util.find_spec("sqlmodel") is None, "pitstop's venv must not have sqlmodel"
    return venv


@pytest.fixture(scope="session")
def uv_binary() -> Path:
    """``uv`` from the package index, in a tool virtualenv of its own."""
    venv = cached_venv("uv", ("uv",))
    found = venv / "bin" / "uv"
    if not found.is_file():
        pytest.skip("the uv package installed no uv binary")
    return found


def share_packages(venv: Path, app: Path) -> None:
    """Make ``app``'s packages importable in the fresh, empty ``venv`` (a ``.pth`` file),
    so a test can make a real virtualenv in a second without installing anything."""
    (site_packages(venv) / "_shared_app.pth").write_text(f"{site_packages(app)}\n")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """CLI runs point the ``pitstop`` logger at the test's captured stderr; undo it."""
    logger = logging.getLogger("pitstop")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    yield
    logger.handlers[:] = saved[0]
    logger.propagate, logger.level = saved[1], saved[2]
