"""``[release]``: how versions, tags and the changelog are made.  Every default is here."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Literal

from pitstop.release.version import Version


@dataclasses.dataclass(frozen=True)
class ReleaseSettings:
    """The ``[release]`` table of ``pitstop.toml``."""

    tag_format: str = "v{version}"
    """Tag names: ``{version}`` is replaced by the version (``v{version}``, ``api-{version}``)."""
    initial: str = "0.1.0"
    """The first version, used when no tag matches ``tag_format``."""
    zero_breaking: Literal["major", "minor"] = "minor"
    """What a breaking change bumps while the major version is 0."""
    zero_feature: Literal["minor", "patch"] = "minor"
    """What a feature bumps while the major version is 0."""
    minor_types: tuple[str, ...] = ("feat",)
    """Conventional commit types that bump the minor version."""
    patch_types: tuple[str, ...] = ("fix", "perf")
    """Conventional commit types that bump the patch version."""
    other_level: Literal["patch", "none"] = "patch"
    """What other commits (docs, chore, plain messages) bump with ``--level auto``."""
    revision_file: Path | None = None
    """A file holding the project's revision number (the "single source of truth")."""
    revision_pattern: str = r"Revision:\s*(\d+)"
    """Regex with one group that captures the revision in ``revision_file``."""
    revision_format: str = "-rev{revision}"
    """Suffix appended to the version in the tag when ``revision_file`` is set."""
    remote: str = "origin"
    """Remote that ``release tag --push`` pushes the new tag to."""
    sign: bool = False
    """Sign tags with GPG (``git tag -s``) by default."""
    changelog_file: Path = Path("CHANGELOG.md")
    """Default file for ``release changelog --write`` without a value."""

    def __post_init__(self) -> None:
        if self.tag_format.count("{version}") != 1:
            raise ValueError(
                f"tag_format: expected exactly one '{{version}}', got {self.tag_format!r}"
            )
        if any(c in self.tag_format for c in " ~^:?*[\\") or ".." in self.tag_format:
            raise ValueError(f"tag_format: {self.tag_format!r} is not a valid git tag name")
        try:
            Version.parse(self.initial)
        except ValueError as exc:
            raise ValueError(f"initial: {exc}") from None
        try:
            pattern = re.compile(self.revision_pattern, re.MULTILINE)
        except re.error as exc:
            raise ValueError(f"revision_pattern: invalid regex: {exc}") from None
        if pattern.groups != 1:
            raise ValueError(
                f"revision_pattern: expected exactly one capture group, got {pattern.groups}"
            )
        if self.revision_format.count("{revision}") != 1:
            raise ValueError("revision_format: expected exactly one '{revision}'")
