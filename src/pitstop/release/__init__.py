"""Releases: the next semantic version from tags and Conventional Commits, annotated
tags and changelog sections.

The public API is what this module exports::

    from pitstop.release import next_version, tag, changelog
    result = next_version(settings.section("release"), project_dir, level="auto")
"""

from __future__ import annotations

from pitstop.release.api import ChangelogResult, NextVersion, TagResult, changelog, next_version, tag
from pitstop.release.changelog import ChangelogGroup
from pitstop.release.commits import Commit, parse_commit
from pitstop.release.git import GitError
from pitstop.release.settings import ReleaseSettings
from pitstop.release.version import Version, bump

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
