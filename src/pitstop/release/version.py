"""Semantic versions: parsing, precedence and bumping (with pre-releases).

A :class:`Version` is ``MAJOR.MINOR.PATCH[-PRE][+BUILD]`` as in Semantic Versioning
2.0.0.  Precedence ignores build metadata; pre-release identifiers compare numerically
when both are numbers, as text otherwise, numbers before text.

Bumping follows the rule most release tools share: a pre-release already *is* the
next version in the making, so ``1.3.0-rc.1`` bumped by ``minor`` finalises to
``1.3.0`` rather than jumping to ``1.4.0``; with a pre-release label the same line is
continued (``rc.1`` → ``rc.2``) or promoted (``beta.3`` → ``rc.1``), never demoted.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Literal

Level = Literal["major", "minor", "patch"]
PreLabel = Literal["alpha", "beta", "rc"]
LEVELS: tuple[Level, ...] = ("major", "minor", "patch")
PRE_LABELS: tuple[PreLabel, ...] = ("alpha", "beta", "rc")

_NUM = r"0|[1-9]\d*"
_IDENT = r"[0-9A-Za-z-]+"
_SEMVER = re.compile(
    rf"(?P<major>{_NUM})\.(?P<minor>{_NUM})\.(?P<patch>{_NUM})"
    rf"(?:-(?P<pre>{_IDENT}(?:\.{_IDENT})*))?"
    rf"(?:\+(?P<build>{_IDENT}(?:\.{_IDENT})*))?"
)


@dataclasses.dataclass(frozen=True)
class Version:
    """One semantic version.  ``pre`` and ``build`` hold the dot-separated identifiers."""

    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if min(self.major, self.minor, self.patch) < 0:
            raise ValueError("version numbers cannot be negative")
        for ident in (*self.pre, *self.build):
            if not re.fullmatch(_IDENT, ident):
                raise ValueError(f"invalid version identifier {ident!r}")
        for ident in self.pre:
            if ident.isdigit() and len(ident) > 1 and ident.startswith("0"):
                raise ValueError(f"numeric pre-release identifier with a leading zero: {ident!r}")

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse ``1.2.3``, ``1.2.3-rc.1``, ``1.2.3+build.5`` (no ``v`` prefix).

        Raises :class:`ValueError` naming the text on anything else.
        """
        match = _SEMVER.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"not a semantic version (MAJOR.MINOR.PATCH[-PRE][+BUILD]): {text!r}")
        pre = match["pre"]
        build = match["build"]
        return cls(
            int(match["major"]),
            int(match["minor"]),
            int(match["patch"]),
            tuple(pre.split(".")) if pre else (),
            tuple(build.split(".")) if build else (),
        )

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            text += "-" + ".".join(self.pre)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    @property
    def core(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    @property
    def is_prerelease(self) -> bool:
        return bool(self.pre)

    @property
    def pre_label(self) -> str | None:
        """The leading pre-release identifier (``rc`` of ``rc.2``), if any."""
        return self.pre[0] if self.pre else None

    @property
    def pre_number(self) -> int | None:
        """The trailing number of a ``label.N`` pre-release (``2`` of ``rc.2``)."""
        if len(self.pre) >= 2 and self.pre[-1].isdigit():
            return int(self.pre[-1])
        return None

    def precedence(self) -> tuple[object, ...]:
        """A sort key implementing SemVer precedence (build metadata ignored)."""
        if not self.pre:
            pre_key: tuple[object, ...] = (1,)
        else:
            pre_key = (0, tuple((0, int(i), "") if i.isdigit() else (1, 0, i) for i in self.pre))
        return (self.major, self.minor, self.patch, pre_key)

    def __lt__(self, other: Version) -> bool:
        return self.precedence() < other.precedence()

    def __le__(self, other: Version) -> bool:
        return self.precedence() <= other.precedence()

    def __gt__(self, other: Version) -> bool:
        return self.precedence() > other.precedence()

    def __ge__(self, other: Version) -> bool:
        return self.precedence() >= other.precedence()

    def finalize(self) -> Version:
        """The release this version leads to: pre-release and build dropped."""
        return Version(self.major, self.minor, self.patch)


def _bump_core(version: Version, level: Level) -> Version:
    pre = version.is_prerelease
    if level == "major":
        if pre and version.minor == 0 and version.patch == 0:
            return version.finalize()
        return Version(version.major + 1, 0, 0)
    if level == "minor":
        if pre and version.patch == 0:
            return version.finalize()
        return Version(version.major, version.minor + 1, 0)
    if pre:
        return version.finalize()
    return Version(version.major, version.minor, version.patch + 1)


def bump(version: Version, level: Level, pre: PreLabel | None = None) -> Version:
    """The next version after ``version`` at ``level``, optionally as a pre-release.

    ``bump(1.2.3, "minor")`` → ``1.3.0``; ``bump(1.2.3, "minor", "rc")`` →
    ``1.3.0-rc.1``; ``bump(1.3.0-rc.1, "patch", "rc")`` → ``1.3.0-rc.2``;
    ``bump(1.3.0-rc.2, "patch")`` → ``1.3.0``.  The result is always greater than
    ``version``; asking to go from ``rc`` back to ``beta`` on the same line raises
    :class:`ValueError`.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    target = _bump_core(version, level)
    if pre is None:
        return target
    if pre not in PRE_LABELS:
        raise ValueError(f"unknown pre-release label {pre!r}; expected one of {', '.join(PRE_LABELS)}")
    if version.is_prerelease and target.core == version.core:
        current = version.pre_label
        if current == pre:
            if len(version.pre) == 2 and version.pre[1].isdigit():
                return Version(*target.core, (pre, str(int(version.pre[1]) + 1)))
            # an unusual shape (``rc``, ``rc.x.2``): one more identifier always sorts later
            return Version(*target.core, (*version.pre, "1"))
        candidate = Version(*target.core, (pre, "1"))
        if candidate <= version:
            raise ValueError(
                f"{version} is already past {pre}; continue with the pre-release label "
                f"{current}, or release it without a pre-release label"
            )
        return candidate
    return Version(*target.core, (pre, "1"))


def parse_or_none(text: str) -> Version | None:
    """:meth:`Version.parse`, returning ``None`` instead of raising."""
    try:
        return Version.parse(text)
    except ValueError:
        return None
