"""``.env`` files in git's index that hold secrets (part of the files section).

The index is what the next commit (and, for a tracked file, every clone) holds, so
the file is read from there (``git show :PATH``), not from the working tree.  A
variable holds a secret when its name says so (``*_PASSWORD``, ``*_TOKEN``,
``SECRET_KEY`` …) or it is a URL with a password, and its value is not empty, not a
``${REFERENCE}`` and not a placeholder.  Only the variables' names are reported.
"""

from __future__ import annotations

import io
from pathlib import PurePosixPath

from pitstop.audit.context import AuditContext
from pitstop.audit.files import is_env_file
from pitstop.audit.model import Finding
from pitstop.audit.rules import RULES
from pitstop.errors import PitstopError


def secret_variables(text: str) -> list[str]:
    """Names of the variables of ``.env`` text ``text`` that hold secrets."""
    from dotenv.parser import parse_stream

    from pitstop.redact import is_secret_key, url_secrets
    from pitstop.scan.placeholder import placeholder_reason

    names = []
    for binding in parse_stream(io.StringIO(text)):
        if binding.error or not binding.key or not binding.value:
            continue
        value = binding.value.strip()
        if not value or value.startswith("$") or placeholder_reason(value) is not None:
            continue
        if url_secrets(value) or is_secret_key(binding.key):
            names.append(binding.key)
    return names


def committed_env_files(ctx: AuditContext) -> tuple[list[Finding], list[str]]:
    """Findings for tracked ``.env`` files with secrets, and notes (no git …)."""
    from pitstop.git import Git

    try:  # the index a commit hook names is what is being committed: read that one
        git = Git.find(ctx.project_dir, ctx.environ, hook_index=True)
        if git.toplevel() is None:
            return [], []
        tracked = [p for p in git.run("ls-files", "-z", "--cached", "--", ".")
                   .decode("utf-8", "surrogateescape").split("\0") if p]
    except PitstopError as exc:
        return [], [f"committed .env files not checked: {exc.message}"]
    findings = []
    for rel in tracked:
        if not is_env_file(PurePosixPath(rel).name.lower()):
            continue
        try:
            text = git.run("show", f":./{rel}").decode("utf-8", "replace")
        except PitstopError:
            continue
        names = secret_variables(text)
        if names:
            findings.append(RULES["PS-FILE-005"].finding(
                rel, f"tracked by git with secrets in {', '.join(names)}: every clone has them",
                path=rel, details={"variables": names}))
    return findings, []
