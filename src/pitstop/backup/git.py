"""The few git queries snapshots need, run as subprocesses with every inherited
``GIT_*`` variable removed (so a hook's ``GIT_DIR``/``GIT_INDEX_FILE`` cannot point
git at another repository)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from pathlib import Path

from pitstop.errors import BackupError, DependencyError

GITLINK = "160000"


@dataclasses.dataclass(frozen=True)
class TrackedFile:
    path: str
    mode: str  # git's mode: 100644, 100755, 120000, 160000


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["LC_ALL"] = "C"
    return env


def run_git(cwd: Path, *args: str) -> bytes:
    """Run ``git args`` in ``cwd``; return stdout; :class:`BackupError` on failure."""
    try:
        result = subprocess.run(["git", *args], cwd=cwd, env=_env(), capture_output=True,
                                check=False, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise DependencyError("git was not found on PATH",
                              hint="install the Debian package git") from None
    except OSError as exc:
        raise BackupError(f"cannot run git in {cwd}: {exc}") from exc
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackupError(f"git {args[0]} failed in {cwd}: {message[0] if message else '?'}",
                          hint="snapshots need a git repository")
    return result.stdout


def toplevel(path: Path) -> Path:
    """The root of the work tree containing ``path``."""
    if not path.is_dir():
        raise BackupError(f"{path} is not a directory")
    try:
        out = run_git(path, "rev-parse", "--show-toplevel")
    except BackupError:
        raise BackupError(f"{path} is not inside a git work tree",
                          hint="snapshots keep the git-tracked files; run `git init` first"
                          ) from None
    return Path(out.decode().strip())


def tracked_files(repo: Path) -> list[TrackedFile]:
    """Every path in the index (one entry per path, conflicts included once)."""
    out = run_git(repo, "ls-files", "-z", "--stage")
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


def dirty_paths(repo: Path) -> list[str]:
    """Tracked paths with staged or unstaged changes (``XY path`` like git status)."""
    out = run_git(repo, "status", "--porcelain=v1", "-z", "--untracked-files=no",
                  "--ignore-submodules=dirty")
    entries: list[str] = []
    records = out.split(b"\0")
    i = 0
    while i < len(records):
        record = records[i]
        i += 1
        if len(record) < 4:
            continue
        status = record[:2].decode()
        entries.append(f"{status.strip() or '?'} {os.fsdecode(record[3:])}")
        if status[0] in "RC":
            i += 1  # the rename source follows as its own record
    return entries


def head_commit(repo: Path) -> str | None:
    try:
        return run_git(repo, "rev-parse", "--verify", "-q", "HEAD").decode().strip() or None
    except BackupError:
        return None
