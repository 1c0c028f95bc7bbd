"""Builders for release tests: commits and tags in real repositories."""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from gitutil import git
from pitstop.config import Settings
from pitstop.registry import load_settings
from pitstop.release import ReleaseSettings

_counter = itertools.count()


def commit(repo: Path, message: str, *, file: str | None = None) -> str:
    """Commit a change to ``file`` (a fresh file by default); return the new sha."""
    name = file or f"file{next(_counter)}.txt"
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"{message}\n")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def tag(repo: Path, name: str, *, annotated: bool = True) -> None:
    if annotated:
        git(repo, "tag", "-a", name, "-m", name)
    else:
        git(repo, "tag", name)


def at(repo: Path, section: ReleaseSettings | None = None, *,
       env: Mapping[str, str] | None = None) -> Settings:
    """The settings of the project at ``repo`` (no ``pitstop.toml``) with ``section`` as
    its ``[release]`` table; git sees this test's environment unless ``env`` is given."""
    settings = load_settings(repo, discover=False, env=dict(os.environ) if env is None else env)
    return settings if section is None else settings.with_section(section)


@pytest.fixture
def section() -> ReleaseSettings:
    """The ``[release]`` defaults (tests derive variants with ``dataclasses.replace``)."""
    return ReleaseSettings()


@pytest.fixture
def released(git_repo: Path) -> Path:
    """A repository with ``v1.0.0`` on its second commit."""
    commit(git_repo, "initial import")
    commit(git_repo, "feat: first feature")
    tag(git_repo, "v1.0.0")
    return git_repo
