"""The few git queries snapshots need, through the shared :mod:`pitstop.git` (its
environment policy: inherited ``GIT_*`` variables removed, so a hook's
``GIT_DIR``/``GIT_INDEX_FILE`` cannot point git at another repository).  ``environ`` is
the environment the front started with (``settings.environ``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from pitstop import git as _git
from pitstop.errors import BackupError

GITLINK = "160000"


@dataclasses.dataclass(frozen=True)
class TrackedFile:
    path: str
    mode: str  # git's mode: 100644, 100755, 120000, 160000


class SnapshotGitError(_git.GitError, BackupError):
    """A git query of a snapshot failed (exit 1)."""

    default_hint = "snapshots need a git repository"


def run_git(cwd: Path, *args: str, environ: Mapping[str, str]) -> bytes:
    """Run ``git args`` in ``cwd``; return stdout; :class:`BackupError` on failure."""
    return _git.Git.find(cwd, environ, error=SnapshotGitError).run(*args)


def toplevel(path: Path, *, environ: Mapping[str, str]) -> Path:
    """The root of the work tree containing ``path``."""
    if not path.is_dir():
        raise BackupError(f"{path} is not a directory")
    top = _git.Git.find(path, environ, error=SnapshotGitError).toplevel()
    if top is None:
        raise BackupError(f"{path} is not inside a git work tree",
                          hint="snapshots keep the git-tracked files; run `git init` first")
    return top


def tracked_files(repo: Path, *, environ: Mapping[str, str]) -> list[TrackedFile]:
    """Every path in the index (one entry per path, conflicts included once)."""
    out = run_git(repo, "ls-files", "-z", "--stage", environ=environ)
    files: list[TrackedFile] = []
    last = ""
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        name = path.decode("utf-8", "surrogateescape")
        if name != last:  # conflicted paths appear once per stage, adjacent
            files.append(TrackedFile(name, meta[:6].decode()))
            last = name
    return files


def dirty_paths(repo: Path, *, environ: Mapping[str, str]) -> list[str]:
    """Tracked paths with staged or unstaged changes (``XY path`` like git status)."""
    git = _git.Git.find(repo, environ, error=SnapshotGitError)
    return [f"{code.strip() or '?'} {path}"
            for code, path in git.status(untracked="no", ignore_submodules="dirty")]


def head_commit(repo: Path, *, environ: Mapping[str, str]) -> str | None:
    """HEAD's commit, or ``None`` before the first commit."""
    result = _git.Git.find(repo, environ, error=SnapshotGitError).completed(
        "rev-parse", "--verify", "-q", "HEAD")
    return (result.text.strip() or None) if result.returncode == 0 else None
