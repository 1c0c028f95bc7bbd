"""A project virtualenv that is *not* pitstop's: SQLAlchemy, Alembic, sqlmodel, psycopg2
(not pitstop's psycopg 3) and pytest, but no pitstop.

It is built once (``python -m venv`` and ``pip install`` through the configured package
index) into the system temporary directory, keyed by what is installed, and reused by
later sessions; a build that was interrupted is never reused.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

APP_PACKAGES = ("SQLAlchemy>=2,<2.2", "alembic>=1.13,<2", "sqlmodel", "psycopg2-binary",
                "pytest>=8")
CACHE = Path(tempfile.gettempdir()) / "pitstop-test-venvs"


def _cached_venv(name: str, packages: tuple[str, ...]) -> Path:
    """A virtualenv with ``packages``, built once per machine and reused (a lock file keeps
    two sessions from building it at once; ``.complete`` marks a finished build)."""
    import fcntl

    key = hashlib.sha256(f"{sys.version}|{'|'.join(packages)}".encode()).hexdigest()[:12]
    venv = CACHE / f"{name}-{key}"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (venv / ".complete").is_file() and (venv / "bin" / "python").is_file():
            return venv
        shutil.rmtree(venv, ignore_errors=True)  # an interrupted build
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                       capture_output=True)
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install",
                               "--quiet", "--disable-pip-version-check", *packages],
                              capture_output=True, text=True, env=env, timeout=900, check=False)
        if done.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            said = done.stderr.strip().splitlines()
            message = (f"cannot install {', '.join(packages)} into a test virtualenv: "
                       f"{said[-1] if said else done.returncode}")
            if os.environ.get("PITSTOP_REQUIRE_SERVICES") == "1":
                pytest.fail(f"{message} and PITSTOP_REQUIRE_SERVICES=1")
            pytest.skip(message)
        (venv / ".complete").write_text("ok\n")
    return venv


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python*/site-packages"))


@pytest.fixture(scope="session")
def app_venv() -> Path:
    """The project's own virtualenv (see the module docstring)."""
    venv = _cached_venv("app", APP_PACKAGES)
    # what makes these tests mean something: pitstop's interpreter cannot import the app
    import importlib.util

    assert importlib.util.find_spec("sqlmodel") is None, "pitstop's venv must not have sqlmodel"
    return venv


@pytest.fixture(scope="session")
def uv_binary() -> Path:
    """``uv`` from the package index, in a tool virtualenv of its own."""
    venv = _cached_venv("uv", ("uv",))
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
