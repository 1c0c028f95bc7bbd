"""Builders for release tests: commits and tags in real repositories."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from gitutil import git
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


@pytest.fixture
def settings() -> ReleaseSettings:
    return ReleaseSettings()


@pytest.fixture
def released(git_repo: Path) -> Path:
    """A repository with ``v1.0.0`` on its second commit."""
    commit(git_repo, "initial import")
    commit(git_repo, "feat: first feature")
    tag(git_repo, "v1.0.0")
    return git_repo
