"""The files section: who may read the project's secrets on disk, what is committed,
and settings that contradict ``ENVIRONMENT=production``.

- ``.env`` files, private keys (``*.pem``/``*.key`` holding a PRIVATE KEY, ``id_*``,
  ``*.p12``/``*.pfx``), ``.pgpass`` and ``.netrc`` readable by group or others;
- ``pitstop.toml`` holding secrets and readable by group or others;
- database dumps (``*.sql``, ``*.dump``, ``*.bak`` …) and pitstop's backup directory
  readable by group or others, and ``.pitstop/`` open to them;
- a ``.env`` in git's index holding secrets (names of the variables only);
- with ``ENVIRONMENT=production``: debug switches that are on, and variables naming
  another environment — in the environment pitstop was given and the ``.env`` file
  (never ``os.environ``), and module-level ``DEBUG = True`` in settings modules.

Virtualenvs, ``.git``, ``node_modules`` and caches are not walked.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from pitstop.audit.context import AuditContext
from pitstop.audit.model import Finding, SectionResult
from pitstop.audit.rules import RULES

SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".nox",
             ".mypy_cache", ".pytest_cache", ".ruff_cache", ".venv", "venv", "site-packages"}
ENV_TEMPLATES = (".example", ".sample", ".template", ".dist", ".defaults", ".tmpl")
KEY_NAMES = ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".pgpass", ".netrc")
KEY_SUFFIXES = (".p12", ".pfx")
PEM_SUFFIXES = (".pem", ".key")
DUMP_SUFFIXES = (".sql", ".sql.gz", ".sql.zst", ".sql.bz2", ".sql.xz", ".dump", ".bak",
                 ".backup")
SETTINGS_MODULE = re.compile(r"(^|_)(settings|config|production|prod)\.py$")
DEBUG_ASSIGNMENT = re.compile(rb"^DEBUG\s*(?::\s*bool\s*)?=\s*True\b", re.MULTILINE)
DEBUG_VARIABLES = ("DEBUG", "APP_DEBUG", "FLASK_DEBUG", "DJANGO_DEBUG", "FASTAPI_DEBUG")
ENV_VARIABLES = ("ENVIRONMENT", "ENV", "APP_ENV", "APP_ENVIRONMENT", "FLASK_ENV", "DJANGO_ENV",
                 "PYTHON_ENV", "NODE_ENV")
OTHER_ENVIRONMENTS = {"development", "dev", "develop", "local", "test", "testing", "staging",
                      "debug"}
PRODUCTION = {"production", "prod"}
TRUE = {"1", "true", "yes", "on"}


def _open(mode: int) -> bool:
    """Readable by group or others."""
    return bool(mode & (stat.S_IRGRP | stat.S_IROTH))


def is_env_file(name: str) -> bool:
    return (name == ".env" or name.startswith(".env.") or name.endswith(".env")) \
        and not name.endswith(ENV_TEMPLATES)


def _kind(path: Path) -> str | None:
    """``secret``, ``dump``, ``settings`` or ``None`` for what the walk looks at."""
    name = path.name.lower()
    if is_env_file(name) or name in KEY_NAMES or name.endswith(KEY_SUFFIXES):
        return "secret"
    if name.endswith(PEM_SUFFIXES):
        try:
            with path.open("rb") as handle:
                head = handle.read(8192)
        except OSError:
            return None
        return "secret" if b"PRIVATE KEY-----" in head else None
    if name.endswith(DUMP_SUFFIXES):
        return "dump"
    if SETTINGS_MODULE.search(name):
        return "settings"
    return None


def _walk(root: Path, exclude: tuple[str, ...], skip: set[Path]) -> Iterator[Path]:
    for top, dirs, names in os.walk(root):
        here = Path(top)
        kept = []
        for name in dirs:
            path = here / name
            rel = path.relative_to(root).as_posix()
            if name in SKIP_DIRS or path in skip or (path / "pyvenv.cfg").exists() \
                    or any(fnmatch.fnmatch(rel, g) for g in exclude):
                continue
            kept.append(name)
        dirs[:] = kept
        for name in names:
            path = here / name
            rel = path.relative_to(root).as_posix()
            if not any(fnmatch.fnmatch(rel, g) for g in exclude):
                yield path


def _mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None


def _readable_findings(ctx: AuditContext, skip: set[Path]) -> tuple[list[Finding], int]:
    findings: list[Finding] = []
    looked = 0
    for path in _walk(ctx.project_dir, ctx.audit.exclude, skip):
        kind = _kind(path)
        if kind is None:
            continue
        looked += 1
        rel = ctx.relative(path)
        if kind == "settings":
            findings += _debug_in_module(path, rel, ctx.settings.environment)
            continue
        mode = _mode(path)
        if mode is None or not _open(mode):
            continue
        rule = RULES["PS-FILE-001" if kind == "secret" else "PS-FILE-003"]
        what = "holds secrets" if kind == "secret" else "is a database dump"
        findings.append(rule.finding(rel, f"{what} and is readable by group or others "
                                          f"(mode {mode:04o})", path=rel,
                                     details={"mode": f"{mode:04o}"}))
    return findings, looked


def _backups(ctx: AuditContext, directory: Path) -> list[Finding]:
    if not directory.is_dir():
        return []
    shown = ctx.relative(directory)
    opened = [p for p in sorted(directory.rglob("*")) if p.is_file() and _open(_mode(p) or 0)]
    if not opened:
        return []
    first = ctx.relative(opened[0])
    return [RULES["PS-FILE-003"].finding(
        f"{shown}/", f"{len(opened)} backup files readable by group or others (first: {first}, "
                     f"mode {_mode(opened[0]) or 0:04o})", path=first,
        details={"files": len(opened)})]


def _state_dir(ctx: AuditContext) -> list[Finding]:
    state = ctx.settings.state_dir
    mode = _mode(state) if state.is_dir() else None
    if mode is None or not mode & (stat.S_IRWXG | stat.S_IRWXO):
        return []
    shown = ctx.relative(state) + "/"
    return [RULES["PS-FILE-004"].finding(
        shown, f"mode {mode:04o}: group or others may list it and read what is not locked "
               "down (run history, logs, caches)", details={"mode": f"{mode:04o}"})]


def _config_file(ctx: AuditContext) -> list[Finding]:
    path = ctx.settings.config_file
    if path is None:
        return []
    mode = _mode(path)
    if mode is None or not _open(mode):
        return []
    secrets = _secrets_in_config(path)
    if not secrets:
        return []
    rel = ctx.relative(path)
    return [RULES["PS-FILE-002"].finding(
        rel, f"holds secrets ({', '.join(secrets)}) and is readable by group or others "
             f"(mode {mode:04o})", path=rel, details={"mode": f"{mode:04o}"})]


def _secrets_in_config(path: Path) -> list[str]:
    """Dotted keys of ``path`` whose values are secrets (URL passwords, values of
    secret-named keys that are not placeholders)."""
    import tomllib

    from pitstop.redact import is_secret_key, url_secrets
    from pitstop.scan.placeholder import placeholder_reason

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("pitstop", {})
    found = []

    def visit(value: object, key: str) -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                visit(item, f"{key}.{name}" if key else str(name))
        elif isinstance(value, list):
            for item in value:
                visit(item, key)
        elif isinstance(value, str) and value:
            leaf = key.rpartition(".")[2]
            if url_secrets(value) or (is_secret_key(leaf) and placeholder_reason(value) is None
                                      and not value.startswith("$")):
                found.append(key)

    visit(data, "")
    return sorted(set(found))


def _debug_in_module(path: Path, rel: str, environment: str) -> list[Finding]:
    if environment.lower() not in PRODUCTION:
        return []
    try:
        data = path.read_bytes()
    except OSError:
        return []
    match = DEBUG_ASSIGNMENT.search(data)
    if match is None:
        return []
    line = data.count(b"\n", 0, match.start()) + 1
    return [RULES["PS-FILE-006"].finding(
        f"{rel}:{line}", "DEBUG = True in a settings module while ENVIRONMENT=production",
        key=f"{rel} DEBUG", path=rel, line=line)]


def _variables(ctx: AuditContext) -> list[tuple[str, str, str]]:
    """``(source, name, value)`` of the application's variables: the environment
    pitstop was given, then the ``.env`` file it read (the environment wins)."""
    found = [("environment", k, v) for k, v in ctx.environ.items()]
    dotenv = ctx.settings.env_file
    if dotenv is not None:
        given = set(ctx.environ)
        found += [(ctx.relative(dotenv), k, v) for k, v in _dotenv(dotenv).items()
                  if k not in given]
    return found


def _dotenv(path: Path) -> Mapping[str, str]:
    import io

    from dotenv.parser import parse_stream

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    return {b.key: b.value for b in parse_stream(io.StringIO(text))
            if not b.error and b.key is not None and b.value is not None}


def _production(ctx: AuditContext) -> list[Finding]:
    environment = ctx.settings.environment
    if environment.lower() not in PRODUCTION:
        return []
    findings = []
    for source, name, value in _variables(ctx):
        shown = f"{name} ({source})"
        if name in DEBUG_VARIABLES and value.strip().lower() in TRUE:
            findings.append(RULES["PS-FILE-006"].finding(
                shown, f"{name}={value} while ENVIRONMENT={environment}",
                key=f"{source} {name}"))
        elif name in ENV_VARIABLES and value.strip().lower() in OTHER_ENVIRONMENTS:
            findings.append(RULES["PS-FILE-007"].finding(
                shown, f"{name}={value} while ENVIRONMENT={environment}",
                key=f"{source} {name}"))
    return findings


def audit_files(ctx: AuditContext) -> SectionResult:
    """Audit file modes, committed ``.env`` files and production settings."""
    from pitstop.audit.committed import committed_env_files

    started = time.perf_counter()
    backup_dir = _backup_dir(ctx)
    findings, looked = _readable_findings(ctx, {backup_dir})
    findings += _backups(ctx, backup_dir)
    findings += _state_dir(ctx)
    findings += _config_file(ctx)
    committed, notes = committed_env_files(ctx)
    findings += committed
    findings += _production(ctx)
    checked = (f"{looked} secret, dump and settings files under {ctx.project_dir}",
               f"environment {ctx.settings.environment}")
    return SectionResult("files", "ok", tuple(findings), checked, tuple(notes),
                         seconds=time.perf_counter() - started)


def _backup_dir(ctx: AuditContext) -> Path:
    from pitstop.backup.settings import BackupSettings

    try:
        directory = ctx.settings.section(BackupSettings).dir
    except KeyError:  # settings built without the backup capability's section
        directory = Path(".pitstop/backups")
    return directory if directory.is_absolute() else ctx.project_dir / directory
