"""git for release: the shared :mod:`pitstop.git` with failures raised as
:class:`GitError`, a :class:`~pitstop.errors.ReleaseError` (exit 1)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pitstop import git as _git
from pitstop.errors import ReleaseError
from pitstop.git import Git

__all__ = ["Git", "GitError", "open_repository"]


class GitError(_git.GitError, ReleaseError):
    """A git command failed during a release step; ``stderr`` holds what git said."""


def open_repository(path: Path, *, env: Mapping[str, str], executable: str = "git") -> Git:
    """git at the top of the work tree containing ``path`` (``env``: the environment the
    front started with).  :class:`~pitstop.errors.DependencyError` (exit 2) when git is
    missing, :class:`~pitstop.errors.ConfigError` (exit 3) outside a work tree."""
    return _git.open_repository(path, env, executable=executable, error=GitError)
