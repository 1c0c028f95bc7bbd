"""Running git: one place that starts the process, cleans its environment and
translates its failures.

git runs in the environment the caller hands in (the verbs pass
``settings.environ``, the environment the front started with); this module never reads
the process's own.  Inherited ``GIT_*`` variables (``GIT_DIR``, ``GIT_INDEX_FILE``,
``GIT_WORK_TREE`` …, set for example when pitstop runs inside a git hook) would point git
at another repository, so they are removed from the child's environment.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from pitstop.errors import ConfigError, DependencyError, ReleaseError

# Variables that are safe (and useful) to keep: identity and dates for commits/tags,
# and the switches that stop git from prompting.
_KEEP = frozenset({
    "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE",
    "GIT_CONFIG_NOSYSTEM", "GIT_TERMINAL_PROMPT", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_ASKPASS",
})


class GitError(ReleaseError):
    """A git command failed; ``stderr`` holds what git said."""

    def __init__(self, message: str, *, stderr: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.stderr = stderr


def git_env(base: Mapping[str, str]) -> dict[str, str]:
    """The environment for a git child: ``base`` without inherited ``GIT_*`` repository
    variables, with prompts and pagers off (and the system's ``PATH`` when ``base`` has
    none)."""
    env = {k: v for k, v in base.items() if not k.startswith("GIT_") or k in _KEEP}
    env.setdefault("PATH", os.defpath)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_PAGER"] = "cat"
    env["LC_ALL"] = "C"
    return env


class Git:
    """git in one working directory.  ``run`` returns stdout or raises :class:`GitError`."""

    def __init__(self, cwd: Path, *, env: Mapping[str, str], executable: str = "git") -> None:
        self.cwd = cwd
        self.executable = executable
        self._env = git_env(env)

    def run(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        completed = self.run_full(args, stdin=stdin)
        if check and completed.returncode != 0:
            stderr = completed.stderr.strip()
            last = stderr.splitlines()[-1] if stderr else f"exit status {completed.returncode}"
            raise GitError(f"git {' '.join(args[:2])} failed in {self.cwd}: {last}", stderr=stderr)
        return completed.stdout

    def run_full(self, args: Sequence[str], *, stdin: str | None = None
                 ) -> subprocess.CompletedProcess[str]:
        """Run git and return the completed process whatever its exit status."""
        try:
            if stdin is None:  # never let git (or ssh under it) wait on our terminal
                return subprocess.run(
                    [self.executable, *args], cwd=self.cwd, env=self._env,
                    stdin=subprocess.DEVNULL, capture_output=True, text=True, encoding="utf-8",
                    errors="replace", check=False,
                )
            return subprocess.run(
                [self.executable, *args], cwd=self.cwd, env=self._env, input=stdin,
                capture_output=True, text=True, encoding="utf-8", errors="replace", check=False,
            )
        except FileNotFoundError as exc:
            if not self.cwd.is_dir():
                raise ConfigError("directory not found", file=self.cwd) from exc
            raise DependencyError(
                f"git is not installed or not on PATH (tried {self.executable!r})",
                hint="install git (apt-get install git, brew install git) and retry",
            ) from exc
        except PermissionError as exc:
            raise DependencyError(f"git could not be started: {exc}") from exc

    def ok(self, *args: str) -> bool:
        """Whether a git command succeeds (for yes/no questions like ``rev-parse --verify``)."""
        return self.run_full(args).returncode == 0


def open_repository(path: Path, *, env: Mapping[str, str], executable: str = "git") -> Git:
    """A :class:`Git` at the top of the work tree containing ``path``.

    Raises :class:`DependencyError` (exit 2) when git is missing and
    :class:`ConfigError` (exit 3) when ``path`` is not inside a git work tree.
    """
    probe = Git(path, env=env, executable=executable)
    completed = probe.run_full(["rev-parse", "--show-toplevel"])
    if completed.returncode != 0:
        raise ConfigError(
            "not inside a git repository", file=path,
            hint="run it in a git work tree (or `git init` one first)",
        )
    top = Path(completed.stdout.strip())
    return Git(top, env=env, executable=executable)
