"""Running git: the one place that builds git's environment, starts it (through
:mod:`pitstop.proc`) and translates its failures.  Snapshots, release, the secret scan
and the audit all use it.

**Environment.** git runs in the environment the caller hands in (verbs pass
``settings.environ``, the environment the front started with); this module never reads
pitstop's own.  From it:

- every inherited ``GIT_*`` variable is removed — ``GIT_DIR``, ``GIT_WORK_TREE``,
  ``GIT_INDEX_FILE`` …, set for example when pitstop runs inside a git hook, would point
  git at another repository — except identity and dates (``GIT_AUTHOR_*``,
  ``GIT_COMMITTER_*``), transport (``GIT_SSH``, ``GIT_SSH_COMMAND``, ``GIT_ASKPASS``) and
  the switches that choose configuration (``GIT_CONFIG_NOSYSTEM``, ``GIT_CONFIG_GLOBAL``,
  ``GIT_CONFIG_COUNT``/``KEY_n``/``VALUE_n``) and ``GIT_EXEC_PATH``;
- with ``hook_index=True`` an absolute ``GIT_INDEX_FILE`` naming an existing file is kept:
  git sets it for hooks during ``git commit -a``/``git commit PATH``, and that temporary
  index holds what is being committed (the staged secret scan wants exactly that);
- ``GIT_TERMINAL_PROMPT=0`` (never wait for a password nobody will type),
  ``GIT_PAGER=cat`` and ``LC_ALL=C`` (messages in one language, for the error texts);
- ``PATH`` defaults to ``/usr/local/bin:/usr/bin:/bin`` when the environment has none.

The user's global and system configuration stay in effect — they hold identity,
credentials, ``safe.directory`` and signing keys that ``release tag`` needs — but the keys
that would change what pitstop parses are pinned on every call: ``color.ui=false``,
``core.quotePath=false``, ``log.showSignature=false``, ``--no-pager``.  stdin is
``/dev/null`` unless input is given; each git runs in its own process group (Ctrl-C and
timeouts stop it with whatever it started, such as ssh).

**Errors.** git missing → :class:`GitNotFoundError` (exit 2) naming the executable tried
and what to install; a path outside any work tree → :class:`NotARepositoryError` (exit 3)
naming the path; any other failure → :class:`GitError` (or the capability's subclass,
given as ``error``) with ``git VERB failed in DIR: <git's last line>`` and git's whole
``stderr`` on the exception.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from pitstop import proc
from pitstop.errors import DependencyError, PitstopError, UsageError

DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
_KEEP_PREFIXES = (
    "GIT_AUTHOR_", "GIT_COMMITTER_", "GIT_SSH", "GIT_ASKPASS", "GIT_EXEC_PATH",
    "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_",
    "GIT_CONFIG_VALUE_",
)
_PINNED = ("--no-pager", "-c", "color.ui=false", "-c", "core.quotePath=false",
           "-c", "log.showSignature=false")
INSTALL_HINT = "install git (apt-get install git, dnf install git, brew install git) and retry"


class GitError(PitstopError):
    """A git command failed; ``stderr`` holds what git said, ``returncode`` its status.

    Capabilities subclass it together with their own error class
    (``class GitError(pitstop.git.GitError, ReleaseError)``) and pass the subclass as
    ``error`` so git failures carry their exit code; ``default_hint`` is the hint used
    when none is given."""

    default_hint: str | None = None

    def __init__(self, message: str, *, stderr: str = "", returncode: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint or self.default_hint)
        self.stderr = stderr
        self.returncode = returncode


class GitNotFoundError(DependencyError):
    """The git executable is not installed (or not on the ``PATH`` given)."""


class NotARepositoryError(UsageError):
    """The path is not inside a git work tree."""


def git_env(environ: Mapping[str, str] | None, *, hook_index: bool = False) -> dict[str, str]:
    """The environment for a git child, built from ``environ`` by the policy above."""
    env = {key: value for key, value in (environ or {}).items()
           if not key.startswith("GIT_") or key.startswith(_KEEP_PREFIXES)}
    index = (environ or {}).get("GIT_INDEX_FILE", "")
    if hook_index and index and os.path.isabs(index) and os.path.isfile(index):
        env["GIT_INDEX_FILE"] = index
    env.setdefault("PATH", DEFAULT_PATH)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_PAGER"] = "cat"
    env["LC_ALL"] = "C"
    return env


def find_executable(executable: str, env: Mapping[str, str]) -> str:
    """The absolute path of ``executable`` on ``env``'s ``PATH``, or
    :class:`GitNotFoundError`."""
    found = shutil.which(executable, path=env.get("PATH", DEFAULT_PATH))
    if found is None:
        raise GitNotFoundError(f"git is not installed or not on PATH (tried {executable!r})",
                               hint=INSTALL_HINT)
    return found


@dataclasses.dataclass(frozen=True)
class GitResult:
    """A git command that ran to the end, whatever its exit status."""

    returncode: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        """stdout decoded (UTF-8, undecodable bytes replaced)."""
        return self.stdout.decode("utf-8", "replace")


@dataclasses.dataclass(frozen=True)
class Git:
    """git bound to a working directory, an environment (already cleaned by
    :func:`git_env`) and an executable (already found); build one with :meth:`find` or
    :func:`open_repository`."""

    cwd: Path
    env: Mapping[str, str]
    executable: str = "git"
    error: type[GitError] = GitError
    timeout: float | None = None

    @classmethod
    def find(cls, cwd: Path, environ: Mapping[str, str] | None, *, executable: str = "git",
             error: type[GitError] = GitError, hook_index: bool = False,
             timeout: float | None = None) -> Git:
        """git in ``cwd`` (not checked to be a repository) for the environment
        ``environ``; :class:`GitNotFoundError` when git is missing."""
        env = git_env(environ, hook_index=hook_index)
        return cls(cwd, env, find_executable(executable, env), error, timeout)

    def argv(self, args: Sequence[str]) -> list[str]:
        return [self.executable, *_PINNED, *args]

    def completed(self, *args: str, input: bytes | None = None) -> GitResult:
        """Run git; return the result whatever its exit status."""
        try:
            done = proc.run(self.argv(args), cwd=self.cwd, env=self.env, input=input,
                            timeout=self.timeout)
        except proc.StartError as exc:
            raise self._start_failure(exc) from exc
        stderr = done.stderr.decode("utf-8", "replace")
        if done.timed_out:
            raise self.error(f"git {_verb(args)} did not finish within {self.timeout:g}s in "
                             f"{self.cwd} and was stopped", stderr=stderr)
        return GitResult(done.returncode, done.stdout, stderr)

    def run(self, *args: str, input: bytes | None = None) -> bytes:
        """Run git; return stdout, or raise :attr:`error` when it fails."""
        result = self.completed(*args, input=input)
        if result.returncode != 0:
            raise self.failure(args, result.returncode, result.stderr)
        return result.stdout

    def text(self, *args: str, input: str | None = None) -> str:
        """:meth:`run` with text in and out (UTF-8)."""
        data = None if input is None else input.encode("utf-8")
        return self.run(*args, input=data).decode("utf-8", "replace")

    def ok(self, *args: str) -> bool:
        """Whether a git command succeeds (yes/no questions like ``rev-parse --verify``)."""
        return self.completed(*args).returncode == 0

    def toplevel(self) -> Path | None:
        """The root of the work tree around ``cwd``, or ``None`` outside one."""
        result = self.completed("rev-parse", "--show-toplevel")
        if result.returncode != 0 or not result.stdout.strip():
            return None
        return Path(os.fsdecode(result.stdout.strip()))

    def status(self, *, untracked: str = "no", ignore_submodules: str | None = None
               ) -> list[tuple[str, str]]:
        """``(XY, path)`` for each changed path, as ``git status --porcelain=v1 -z``
        lists them (``XY`` the two status letters; a rename's source path is skipped;
        paths decoded losslessly with :func:`os.fsdecode`)."""
        args = ["status", "--porcelain=v1", "-z", f"--untracked-files={untracked}"]
        if ignore_submodules is not None:
            args.append(f"--ignore-submodules={ignore_submodules}")
        records = self.run(*args).split(b"\0")
        entries: list[tuple[str, str]] = []
        i = 0
        while i < len(records):
            record = records[i]
            i += 1
            if len(record) < 4:
                continue
            code = record[:2].decode("ascii", "replace")
            entries.append((code, os.fsdecode(record[3:])))
            if code[0] in "RC":
                i += 1  # the source of a rename or copy follows as its own record
        return entries

    def at(self, cwd: Path) -> Git:
        """The same git in another directory."""
        return dataclasses.replace(self, cwd=cwd)

    def start(self, *args: str, stdin: int = proc.DEVNULL,
              stderr: int | IO[bytes] = proc.PIPE) -> proc.Process:
        """Start git with stdout on a pipe, for output read as it comes (``log -p``,
        ``cat-file --batch``); use it as a context manager so it is never left behind."""
        try:
            return proc.start(self.argv(args), cwd=self.cwd, env=self.env, stdin=stdin,
                              stdout=proc.PIPE, stderr=stderr)
        except proc.StartError as exc:
            raise self._start_failure(exc) from exc

    def failure(self, args: Sequence[str], returncode: int, stderr: str) -> GitError:
        """The :attr:`error` for a git command that exited with ``returncode``."""
        return self.error(f"git {_verb(args)} failed in {self.cwd}: {_reason(stderr, returncode)}",
                          stderr=stderr.strip(), returncode=returncode)

    def _start_failure(self, exc: proc.StartError) -> PitstopError:
        if exc.reason == "cwd":
            return NotARepositoryError("directory not found", file=self.cwd,
                                       hint="run it in a git work tree")
        if exc.reason == "not-found":
            return GitNotFoundError(
                f"git is not installed or not on PATH (tried {self.executable!r})",
                hint=INSTALL_HINT)
        return GitNotFoundError(f"git could not be started: {exc.message}", hint=INSTALL_HINT)


def _reason(stderr: str, returncode: int) -> str:
    """The line of git's stderr that says why: its last ``fatal:``/``error:`` line (the
    usage text git prints after one is noise), else its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    said = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (said or lines or [f"exit status {returncode}"])[-1]


def _verb(args: Sequence[str]) -> str:
    return " ".join(args[:2])


def open_repository(path: Path, environ: Mapping[str, str] | None, *,
                    executable: str = "git", error: type[GitError] = GitError,
                    hook_index: bool = False, timeout: float | None = None) -> Git:
    """git at the top of the work tree containing ``path``.

    :class:`GitNotFoundError` (exit 2) when git is missing, :class:`NotARepositoryError`
    (exit 3) when ``path`` is not inside a work tree.
    """
    if not path.is_dir():
        raise NotARepositoryError("not a directory, so not inside a git repository",
                                  file=path, hint="run it in a git work tree")
    git = Git.find(path, environ, executable=executable, error=error, hook_index=hook_index,
                   timeout=timeout)
    top = git.toplevel()
    if top is None:
        raise NotARepositoryError("not inside a git repository", file=path,
                                  hint="run it in a git work tree (or `git init` one first)")
    return git.at(top)
