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

import shutil
from pathlib import Path

import pytest

from pitstop.cli.main import main
from venvs import cached_venv

FIXTURE = Path(__file__).with_name("fixture")
PACKAGES = ("fastapi>=0.115,<1", "uvicorn>=0.30,<1", "pydantic>=2.7,<3", "httpx>=0.27,<1",
            "attrs>=23", "python-dateutil>=2.8")


@pytest.fixture(scope="session")
def shop_venv() -> Path:
    """The shop's own virtualenv (see the module docstring)."""
    return cached_venv("shop", PACKAGES)


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
