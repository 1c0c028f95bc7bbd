"""Conventional Commits: parsing commit messages and deciding the release level.

A conventional header is ``type(scope)!: description``; the body is free text and
the footers are ``Token: value`` lines at the end.  A ``!`` after the type/scope or a
``BREAKING CHANGE:`` (or ``BREAKING-CHANGE:``) footer marks a breaking change.
Anything else is a plain commit: it is listed under "Other" and counts as a change.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Literal

from pitstop.release.version import Level, Version

BumpLevel = Literal["major", "minor", "patch", "none"]

_HEADER = re.compile(
    r"(?P<type>[A-Za-z][A-Za-z0-9_-]*)"
    r"(?:\((?P<scope>[^()\r\n]*)\))?"
    r"(?P<bang>!)?"
    r": (?P<description>\S.*)"
)
_BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGE: ?(?P<text>.*)$")
_FOOTER = re.compile(r"^(?:[A-Za-z][A-Za-z0-9-]*|BREAKING CHANGE)(?:: | #)")

_RANK: dict[BumpLevel, int] = {"none": 0, "patch": 1, "minor": 2, "major": 3}


@dataclasses.dataclass(frozen=True)
class Commit:
    """One commit as the release tools see it."""

    sha: str
    subject: str
    body: str = ""
    type: str | None = None
    scope: str | None = None
    description: str = ""
    breaking: bool = False
    breaking_note: str | None = None

    @property
    def conventional(self) -> bool:
        return self.type is not None

    @property
    def short_sha(self) -> str:
        return self.sha[:7]


def _breaking_note(body: str) -> str | None:
    """The text of a ``BREAKING CHANGE:`` footer (continuation lines joined)."""
    lines = body.splitlines()
    for i, line in enumerate(lines):
        match = _BREAKING_FOOTER.match(line)
        if match is None:
            continue
        parts = [match["text"].strip()]
        for follow in lines[i + 1:]:
            if not follow.strip() or _FOOTER.match(follow):
                break
            parts.append(follow.strip())
        return " ".join(p for p in parts if p)
    return None


def parse_commit(sha: str, message: str) -> Commit:
    """Parse a full commit message (subject, blank line, body) into a :class:`Commit`."""
    message = message.replace("\r\n", "\n").strip("\n")
    subject, _, body = message.partition("\n")
    subject = subject.strip()
    body = body.strip("\n")
    note = _breaking_note(body)
    match = _HEADER.fullmatch(subject)
    if match is None:
        return Commit(sha, subject, body, description=subject)
    scope = match["scope"].strip() if match["scope"] is not None else None
    breaking = bool(match["bang"]) or note is not None
    return Commit(
        sha,
        subject,
        body,
        type=match["type"].lower(),
        scope=scope or None,
        description=match["description"].strip(),
        breaking=breaking,
        breaking_note=note if note else None,
    )


@dataclasses.dataclass(frozen=True)
class LevelRules:
    """How commit types map to release levels (see ``[release]`` settings)."""

    minor_types: tuple[str, ...] = ("feat",)
    patch_types: tuple[str, ...] = ("fix", "perf")
    zero_breaking: Level = "minor"
    zero_feature: Level = "minor"
    other: BumpLevel = "patch"


def commit_level(commit: Commit, rules: LevelRules) -> BumpLevel:
    """The level one commit asks for, before the 0.x rules."""
    if commit.breaking:
        return "major"
    if commit.type in rules.minor_types:
        return "minor"
    if commit.type in rules.patch_types:
        return "patch"
    return rules.other


def decide_level(
    commits: Iterable[Commit], rules: LevelRules, current: Version | None
) -> tuple[BumpLevel, tuple[Commit, ...]]:
    """The release level for ``commits`` and the commits that decided it.

    While the major version is 0, a breaking change bumps ``rules.zero_breaking``
    and a feature ``rules.zero_feature`` (both configurable).
    """
    best: BumpLevel = "none"
    deciders: list[Commit] = []
    for commit in commits:
        level = commit_level(commit, rules)
        if _RANK[level] > _RANK[best]:
            best, deciders = level, [commit]
        elif level == best and level != "none":
            deciders.append(commit)
    if current is not None and current.major == 0:
        if best == "major":
            best = rules.zero_breaking
        elif best == "minor":
            best = rules.zero_feature
    return best, tuple(deciders)
