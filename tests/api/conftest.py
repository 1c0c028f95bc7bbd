"""The shop fixture app (``fixture/``: three routers with tags, enums, nested and
optional models, a 204 route, a route relying on its return annotation, a WebSocket
route with declared messages and one without) in a project virtualenv of its own:
FastAPI, uvicorn and pydantic, plus httpx, attrs and python-dateutil for the generated
clients — never pitstop, so the project-interpreter path is what the tests exercise.

The virtualenv is built once per machine (keyed by what it holds) in the system
temporary directory and reused; a build that cannot install skips the tests with the
reason (fails under ``PITSTOP_REQUIRE_SERVICES=1``).
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

from pitstop.cli.main import main

FIXTURE = Path(__file__).with_name("fixture")
PACKAGES = ("fastapi>=0.115,<1", "uvicorn>=0.30,<1", "pydantic>=2.7,<3", "httpx>=0.27,<1",
            "attrs>=23", "python-dateutil>=2.8")
CACHE = Path(tempfile.gettempdir()) / "pitstop-test-venvs"


def _build_venv(packages: tuple[str, ...]) -> Path:
    import fcntl

    key = hashlib.sha256(f"{sys.version}|{'|'.join(packages)}".encode()).hexdigest()[:12]
    venv = CACHE / f"shop-{key}"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"shop-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (venv / ".complete").is_file() and (venv / "bin" / "python").is_file():
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                       capture_output=True)
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                               "--disable-pip-version-check", *packages],
                              capture_output=True, text=True, env=env, timeout=900, check=False)
        if done.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            said = done.stderr.strip().splitlines()
            message = (f"cannot install {', '.join(packages)} into the shop's virtualenv: "
                       f"{said[-1] if said else done.returncode}")
            if os.environ.get("PITSTOP_REQUIRE_SERVICES") == "1":
                pytest.fail(f"{message} and PITSTOP_REQUIRE_SERVICES=1")
            pytest.skip(message)
        (venv / ".complete").write_text("ok\n")
    return venv


@pytest.fixture(scope="session")
def shop_venv() -> Path:
    """The shop's own virtualenv (see the module docstring)."""
    return _build_venv(PACKAGES)


def make_project(root: Path, venv: Path, extra: str = "") -> Path:
    """A copy of the shop project in ``root`` whose ``[api] python`` is ``venv``."""
    project = root / "shop-project"
    shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns("__pycache__"))
    (project / ".env").write_text("SHOP_NAME=corner-shop\n", encoding="utf-8")
    config = (project / "pitstop.toml").read_text(encoding="utf-8")
    config = config.replace('env_file = ".env"\n', f'env_file = ".env"\npython = "{venv}"\n')
    (project / "pitstop.toml").write_text(config + extra, encoding="utf-8")
    return project


@pytest.fixture
def shop(tmp_path: Path, shop_venv: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the shop project, the current directory."""
    project = make_project(tmp_path, shop_venv)
    monkeypatch.chdir(project)
    return project


def load(project: Path):  # type: ignore[no-untyped-def]
    from pitstop.registry import load_settings

    return load_settings(project, env={})


def cli(*args: str) -> int:
    return main(list(args))


def tree(output: Path) -> dict[str, bytes]:
    """Every file under ``output`` (relative path → bytes)."""
    return {p.relative_to(output).as_posix(): p.read_bytes()
            for p in sorted(output.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def generated_baseline(shop_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop project after one `api generate` (made once per session)."""
    from pitstop.api import generate

    project = make_project(tmp_path_factory.mktemp("baseline"), shop_venv)
    result = generate(load(project))
    assert result.exit_code == 0, result.to_dict()
    return project


@pytest.fixture
def generated(tmp_path: Path, generated_baseline: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the generated shop project, the current directory."""
    project = tmp_path / "shop-project"
    shutil.copytree(generated_baseline, project,
                    ignore=shutil.ignore_patterns("__pycache__", ".pitstop"))
    monkeypatch.chdir(project)
    return project
