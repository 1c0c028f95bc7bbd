"""Changelog sections from commits, and writing them into ``CHANGELOG.md`` so that
writing the same release twice changes nothing."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from pitstop.errors import PermissionDeniedError, ReleaseError
from pitstop.release.commits import Commit

GROUPS: tuple[str, ...] = ("Breaking changes", "Features", "Fixes", "Performance", "Other")
_TYPE_GROUP = {"feat": "Features", "fix": "Fixes", "perf": "Performance"}
_TITLE = "# Changelog\n"
_WRITE_HINT = ("check the changelog file's path (the one given, or [release] changelog_file) "
               "and its permissions")


@dataclasses.dataclass(frozen=True)
class ChangelogGroup:
    """One heading of a release section and its entries, newest first."""

    title: str
    entries: tuple[str, ...]


def group_of(commit: Commit) -> str:
    if commit.breaking:
        return "Breaking changes"
    return _TYPE_GROUP.get(commit.type or "", "Other")


def entry(commit: Commit) -> str:
    """One bullet's text: ``**scope:** description (abc1234)``."""
    text = commit.description or commit.subject or "(no commit message)"
    if commit.breaking and commit.breaking_note:
        text = f"{text} — {commit.breaking_note}"
    if commit.scope:
        text = f"**{commit.scope}:** {text}"
    return f"{text} ({commit.short_sha})"


def group_commits(commits: Sequence[Commit]) -> tuple[ChangelogGroup, ...]:
    """Commits grouped in the fixed order of :data:`GROUPS`, empty groups left out."""
    buckets: dict[str, list[str]] = {title: [] for title in GROUPS}
    for commit in commits:
        buckets[group_of(commit)].append(entry(commit))
    return tuple(ChangelogGroup(t, tuple(e)) for t, e in buckets.items() if e)


def render_section(version: str, date: str, groups: Sequence[ChangelogGroup]) -> str:
    """A Markdown section: ``## [1.3.0] - 2025-06-17`` and one ``###`` per group."""
    lines = [f"## [{version}] - {date}", ""]
    for group in groups:
        lines.append(f"### {group.title}")
        lines.extend(f"- {e}" for e in group.entries)
        lines.append("")
    return "\n".join(lines)


def render_message(tag: str, groups: Sequence[ChangelogGroup]) -> str:
    """The annotated tag message: the tag name, then the section's groups."""
    lines = [tag, ""]
    for group in groups:
        lines.append(f"{group.title}:")
        lines.extend(f"- {e}" for e in group.entries)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _heading_re(version: str) -> re.Pattern[str]:
    return re.compile(rf"^## \[?{re.escape(version)}\]?(?:\s|$)")


def merge_section(existing: str, version: str, section: str) -> str:
    """``existing`` changelog text with ``section`` put in: replacing the section of the
    same version if there is one, else above the newest release (below the title and
    an ``Unreleased`` section)."""
    if not existing.strip():
        return f"{_TITLE}\n{section.rstrip()}\n"
    lines = existing.splitlines()
    heading = _heading_re(version)
    start = next((i for i, line in enumerate(lines) if heading.match(line)), None)
    if start is not None:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
                   len(lines))
        new = [*lines[:start], *section.rstrip().splitlines(), *([""] if end < len(lines) else []),
               *lines[end:]]
        return "\n".join(new).rstrip() + "\n"
    insert = len(lines)
    for i, line in enumerate(lines):
        if line.startswith("## ") and "unreleased" not in line.lower():
            insert = i
            break
    before = "\n".join(lines[:insert]).rstrip()
    after = "\n".join(lines[insert:]).strip()
    parts = [before, section.rstrip()] + ([after] if after else [])
    return "\n\n".join(p for p in parts if p) + "\n"


_ANY_HEADING = re.compile(r"^## \[?([^\]\s]+)\]?(?:\s|$)")


def drop_sections(existing: str, stale: Callable[[str], bool]) -> str:
    """``existing`` without the ``## [X]`` sections whose version text ``X`` is ``stale``."""
    lines = existing.splitlines()
    kept: list[str] = []
    dropping = False
    for line in lines:
        if line.startswith("## "):
            match = _ANY_HEADING.match(line)
            dropping = bool(match and stale(match.group(1)))
        if not dropping:
            kept.append(line)
    if len(kept) == len(lines):
        return existing
    return "\n".join(kept).rstrip() + "\n"


def write_section(path: Path, version: str, section: str,
                  stale: Callable[[str], bool] | None = None) -> bool:
    """Put ``section`` into the changelog at ``path``; ``True`` when the file changed.

    ``stale`` picks other sections to remove first: those written earlier for a next
    version that was never tagged (the commits since then changed the level)."""
    try:
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ReleaseError(f"{path}: cannot read the changelog: {exc}", hint=_WRITE_HINT) from exc
    base = existing if stale is None else drop_sections(
        existing, lambda v: v != version and stale(v))
    updated = merge_section(base, version, section)
    if updated == existing:
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(updated, encoding="utf-8")
        tmp.replace(path)
    except PermissionError as exc:
        raise PermissionDeniedError(f"{path}: cannot write the changelog: {exc}",
                                    hint=_WRITE_HINT) from exc
    except OSError as exc:
        raise ReleaseError(f"{path}: cannot write the changelog: {exc}", hint=_WRITE_HINT) from exc
    return True
