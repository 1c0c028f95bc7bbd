"""Running git in tests with a pinned identity and dates (importable from any test
folder as ``from gitutil import git``; the root ``conftest`` is not a module to import)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
    "GIT_AUTHOR_DATE": "2025-06-17T10:30:00+00:00",
    "GIT_COMMITTER_DATE": "2025-06-17T10:30:00+00:00",
}


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` with a pinned identity and dates; return stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_ENV)
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    result = subprocess.run(["git", *args], cwd=cwd, env=env, check=True,
                            capture_output=True, text=True)
    return result.stdout
