"""What the repository says: release tags, commits since a tag, the state of HEAD and
the work tree, and the revision file."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from pitstop.errors import ConfigError, ReleaseError
from pitstop.release.commits import Commit, parse_commit
from pitstop.release.git import Git
from pitstop.release.settings import ReleaseSettings
from pitstop.release.version import Version

_RECORD = "\x1e"
_FIELD = "\x1f"


@dataclasses.dataclass(frozen=True)
class ReleaseTag:
    """A tag that matches ``tag_format``: its name, version and revision suffix."""

    name: str
    version: Version
    revision: str | None = None


class TagFormat:
    """Reads and writes tag names like ``v{version}`` (plus the revision suffix)."""

    def __init__(self, settings: ReleaseSettings) -> None:
        prefix, _, suffix = settings.tag_format.partition("{version}")
        self.prefix, self.suffix = prefix, suffix
        self._revision_format = settings.revision_format
        before, _, after = settings.revision_format.partition("{revision}")
        self._revision = re.compile(
            rf"(?P<version>.+?){re.escape(before)}(?P<revision>[0-9A-Za-z]+){re.escape(after)}"
        )
        self._use_revision = settings.revision_file is not None

    def parse(self, name: str) -> ReleaseTag | None:
        """The :class:`ReleaseTag` for ``name``, or ``None`` when it does not match."""
        if not (name.startswith(self.prefix) and name.endswith(self.suffix)):
            return None
        middle = name[len(self.prefix):len(name) - len(self.suffix) if self.suffix else None]
        revision = None
        if self._use_revision:
            match = self._revision.fullmatch(middle)
            if match is not None:
                middle, revision = match["version"], match["revision"]
        try:
            return ReleaseTag(name, Version.parse(middle), revision)
        except ValueError:
            return None

    def render(self, version: Version, revision: str | None = None) -> str:
        text = str(version)
        if revision is not None:
            text += self._revision_format.replace("{revision}", revision)
        return f"{self.prefix}{text}{self.suffix}"


@dataclasses.dataclass(frozen=True)
class HeadState:
    sha: str
    branch: str | None
    date: str
    shallow: bool


def head_state(git: Git) -> HeadState:
    """HEAD's commit, branch (``None`` when detached), commit date and shallowness."""
    completed = git.completed("log", "-1", "--format=%H%x1f%cs", "HEAD")
    if completed.returncode != 0:
        raise ReleaseError(
            f"the repository at {git.cwd} has no commits yet",
            hint="commit something first; a release tags a commit",
        )
    sha, _, date = completed.text.strip().partition(_FIELD)
    branch_run = git.completed("symbolic-ref", "-q", "--short", "HEAD")
    branch = branch_run.text.strip() if branch_run.returncode == 0 else None
    shallow = git.text("rev-parse", "--is-shallow-repository").strip() == "true"
    return HeadState(sha, branch, date, shallow)


def release_tags(git: Git, fmt: TagFormat) -> tuple[list[ReleaseTag], int]:
    """Tags reachable from HEAD that match the format (highest version first), and how
    many other tags reachable from HEAD were ignored."""
    names = [n for n in git.text("tag", "--list", "--merged", "HEAD").splitlines() if n]
    matched = [tag for tag in (fmt.parse(n) for n in names) if tag is not None]
    matched.sort(key=lambda t: (t.version.precedence(), _revision_key(t.revision)), reverse=True)
    return matched, len(names) - len(matched)


def _revision_key(revision: str | None) -> tuple[int, int, str]:
    if revision is None:
        return (0, 0, "")
    return (1, int(revision), "") if revision.isdigit() else (1, -1, revision)


def tag_exists(git: Git, name: str) -> bool:
    return git.ok("rev-parse", "-q", "--verify", f"refs/tags/{name}")


def _range(since: str | None) -> list[str]:
    return [f"refs/tags/{since}..HEAD"] if since else ["HEAD"]


def count_commits(git: Git, since: str | None) -> int:
    """Commits (merges included) in ``since..HEAD`` (all of HEAD when ``since`` is None)."""
    return int(git.text("rev-list", "--count", *_range(since)).strip() or 0)


def commits_since(git: Git, since: str | None) -> list[Commit]:
    """Parsed non-merge commits in ``since..HEAD``, newest first."""
    out = git.text("log", "--no-merges", f"--format=%H{_FIELD}%B{_RECORD}", *_range(since))
    commits = []
    for record in out.split(_RECORD):
        record = record.strip("\n")
        if not record:
            continue
        sha, _, message = record.partition(_FIELD)
        commits.append(parse_commit(sha.strip(), message))
    return commits


def dirty_files(git: Git, *, ignore: Path | None = None) -> list[str]:
    """``git status`` lines (``XY path``) for changed, staged and untracked files.

    Paths inside ``ignore`` (pitstop's own ``.pitstop/`` state directory, which the
    history of this very command may just have created) do not count."""
    skip = _inside(git.cwd, ignore)
    return [f"{code} {path}" for code, path in git.status(untracked="normal")
            if skip is None or not (path.rstrip("/") == skip or path.startswith(skip + "/"))]


def _inside(top: Path, path: Path | None) -> str | None:
    """``path`` relative to the work tree at ``top`` (``None`` when it is outside)."""
    if path is None:
        return None
    try:
        return path.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return None


def read_revision(settings: ReleaseSettings, base: Path) -> str | None:
    """The revision from ``[release] revision_file``, or ``None`` when not configured."""
    path = settings.revision_file
    if path is None:
        return None
    if not path.is_absolute():
        path = base / path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("revision file not found", file=path, key="release.revision_file",
                          hint="create it, or remove revision_file from [release]") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"revision file cannot be read: {exc}", file=path,
                          key="release.revision_file") from None
    match = re.search(settings.revision_pattern, text, re.MULTILINE)
    if match is None or not match.group(1):
        raise ConfigError(
            f"no line matches revision_pattern '{settings.revision_pattern}'", file=path,
            key="release.revision_pattern",
            hint="add a line such as 'Revision: 12', or fix the pattern",
        )
    revision = match.group(1).strip()
    if not re.fullmatch(r"[0-9A-Za-z]+", revision):
        raise ConfigError(
            f"the revision {revision!r} must be letters and digits only (it becomes part of a tag)",
            file=path, key="release.revision_pattern",
        )
    return revision
