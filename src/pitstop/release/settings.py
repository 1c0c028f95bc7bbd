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
                f"tag_format: expected exactly one '{{version}}', got {self.tag_format!r} "
                "(for example 'v{version}' or 'api/v{version}')"
            )
        if self.revision_format.count("{revision}") != 1:
            raise ValueError(
                f"revision_format: expected exactly one '{{revision}}', got "
                f"{self.revision_format!r} (for example '-rev{{revision}}')"
            )
        suffix = "" if self.revision_file is None else self.revision_format.replace(
            "{revision}", "12")
        example = self.tag_format.replace("{version}", "1.2.3-rc.1" + suffix)
        problem = tag_name_problem(example)
        if problem:
            raise ValueError(
                f"tag_format/revision_format: the tags would not be valid git tag names "
                f"(e.g. {example!r}: {problem}); use letters, digits, '.', '-', '_' and '/'"
            )
        try:
            Version.parse(self.initial)
        except ValueError as exc:
            raise ValueError(f"initial: {exc}") from None
        try:
            pattern = re.compile(self.revision_pattern, re.MULTILINE)
        except re.error as exc:
            raise ValueError(f"revision_pattern: invalid regex ({exc}), for example "
                             "'Revision:\\s*(\\d+)'") from None
        if pattern.groups != 1:
            raise ValueError(
                f"revision_pattern: expected exactly one capture group around the revision, "
                f"got {pattern.groups} (for example 'Revision:\\s*(\\d+)')"
            )


def tag_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a git tag (the rules of ``git check-ref-format``, plus no
    leading '-', which git would read as an option), or ``None`` when it can."""
    if name.startswith("-"):
        return "it starts with '-'"
    bad = sorted({c for c in name if c in " ~^:?*[\\" or ord(c) < 32 or ord(c) == 127})
    if bad:
        return "it contains " + " ".join(repr(c) for c in bad)
    if ".." in name or "@{" in name or name == "@":
        return "it contains '..' or '@{'"
    if name.endswith("."):
        return "it ends with '.'"
    for part in name.split("/"):
        if not part:
            return "it has an empty '/' component (leading, trailing or double '/')"
        if part.startswith(".") or part.endswith(".lock"):
            return f"the component {part!r} starts with '.' or ends with '.lock'"
    return None
