"""Test virtualenvs that are *not* pitstop's — the project interpreters the tests run
the user's code in (importable from any test folder as ``from venvs import cached_venv``).

Each is built once per machine (``python -m venv`` and ``pip install`` through the
configured package index) into the system temporary directory, keyed by what is
installed, and reused by later sessions; a lock keeps two sessions from building it at
once, and a build that was interrupted is never reused.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

CACHE = Path(tempfile.gettempdir()) / "pitstop-test-venvs"


def cached_venv(name: str, packages: tuple[str, ...]) -> Path:
    """A virtualenv named ``name`` with ``packages``; a failed install skips the test
    (fails it under ``PITSTOP_REQUIRE_SERVICES=1``) naming what could not be installed."""
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
            message = (f"cannot install {', '.join(packages)} into the test virtualenv "
                       f"{name}: {said[-1] if said else done.returncode}")
            if os.environ.get("PITSTOP_REQUIRE_SERVICES") == "1":
                pytest.fail(f"{message} and PITSTOP_REQUIRE_SERVICES=1")
            pytest.skip(message)
        (venv / ".complete").write_text("ok\n")
    return venv
