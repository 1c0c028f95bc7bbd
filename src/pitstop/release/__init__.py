"""Releases: the next semantic version from tags and Conventional Commits, annotated
tags and changelog sections.

The public API is what this module exports; the verbs take the project's settings
(the repository is ``settings.project_dir``)::

    from pitstop.registry import load_settings
    from pitstop.release import next_version, tag, changelog

    settings = load_settings(Path("."), env=os.environ)
    result = next_version(settings, level="auto")
    print(result.version, result.to_dict())

Importing this package is cheap: each name loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.release.commits import Commit, parse_commit
    from pitstop.release.git import GitError
    from pitstop.release.notes import ChangelogGroup
    from pitstop.release.settings import ReleaseSettings
    from pitstop.release.verbs import (
        ChangelogResult,
        NextVersion,
        TagResult,
        changelog,
        next_version,
        tag,
    )
    from pitstop.release.version import Version, bump

_EXPORTS: dict[str, str] = {
    "ChangelogGroup": "pitstop.release.notes",
    "ChangelogResult": "pitstop.release.verbs",
    "Commit": "pitstop.release.commits",
    "GitError": "pitstop.release.git",
    "NextVersion": "pitstop.release.verbs",
    "ReleaseSettings": "pitstop.release.settings",
    "TagResult": "pitstop.release.verbs",
    "Version": "pitstop.release.version",
    "bump": "pitstop.release.version",
    "changelog": "pitstop.release.verbs",
    "next_version": "pitstop.release.verbs",
    "parse_commit": "pitstop.release.commits",
    "tag": "pitstop.release.verbs",
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
