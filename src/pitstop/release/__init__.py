"""Releases: the next semantic version from tags and Conventional Commits, annotated
tags and changelog sections.

The public API is what this module exports::

    from pitstop.release import next_version, tag, changelog
    result = next_version(settings.section(ReleaseSettings), project_dir, level="auto")

Importing this package is cheap: each name loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.release.api import (
        ChangelogResult,
        NextVersion,
        TagResult,
        changelog,
        next_version,
        tag,
    )
    from pitstop.release.commits import Commit, parse_commit
    from pitstop.release.git import GitError
    from pitstop.release.notes import ChangelogGroup
    from pitstop.release.settings import ReleaseSettings
    from pitstop.release.version import Version, bump

_EXPORTS: dict[str, str] = {
    "ChangelogGroup": "pitstop.release.notes",
    "ChangelogResult": "pitstop.release.api",
    "Commit": "pitstop.release.commits",
    "GitError": "pitstop.release.git",
    "NextVersion": "pitstop.release.api",
    "ReleaseSettings": "pitstop.release.settings",
    "TagResult": "pitstop.release.api",
    "Version": "pitstop.release.version",
    "bump": "pitstop.release.version",
    "changelog": "pitstop.release.api",
    "next_version": "pitstop.release.api",
    "parse_commit": "pitstop.release.commits",
    "tag": "pitstop.release.api",
}

__all__ = [
    "ChangelogGroup",
    "ChangelogResult",
    "Commit",
    "GitError",
    "NextVersion",
    "ReleaseSettings",
    "TagResult",
    "Version",
    "bump",
    "changelog",
    "next_version",
    "parse_commit",
    "tag",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pitstop.release' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
