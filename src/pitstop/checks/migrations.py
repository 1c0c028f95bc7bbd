"""The ``migrations`` check: no pending, failed or changed (checksum drift) migrations.

It uses the migration engine (:func:`pitstop.migrate.status`); when that package is
not installed the check is absent — not registered — rather than faked.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections import Counter
from pathlib import Path
from typing import Any

from pitstop.checks.base import (
    Check,
    CheckEnv,
    FunctionCheck,
    Observed,
    Probe,
    register,
    timeout_for,
)
from pitstop.checks.database import database_url

FAILING = ("pending", "failed", "changed")


def _label(entry: Any) -> str:
    for attr in ("file", "name", "version"):
        value = getattr(entry, attr, None)
        if value:
            return str(value)
    return str(entry)


def probe_migrations(env: CheckEnv, url: str) -> Probe:
    migrate: Any = importlib.import_module("pitstop.migrate")
    status = migrate.status(env.settings, database_url=url)
    entries = list(getattr(status, "migrations", ()))
    counts = Counter(str(getattr(e, "state", "?")) for e in entries)
    observed = {
        state: Observed(counts.get(state, 0), "migrations",
                        "fail" if state in FAILING and counts.get(state)
                        else "warn" if state == "missing" and counts.get(state) else None)
        for state in ("applied", "pending", "failed", "changed", "missing")
    }
    problems = []
    for state in (*FAILING, "missing"):
        names = [_label(e) for e in entries if getattr(e, "state", None) == state]
        if names:
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            problems.append(f"{len(names)} {state}: {shown}")
    if not problems:
        return Probe(f"{counts.get('applied', 0)} applied, none pending", observed, "pass")
    hint = "run `pitstop migrate up`"
    if counts.get("changed") or counts.get("failed"):
        hint = "see `pitstop migrate status`; fix the failed/changed files or `pitstop migrate repair`"
    return Probe("; ".join(problems), observed, None if not counts.get("pending") and not
                 counts.get("failed") and not counts.get("changed") else "fail", hint)


def available() -> bool:
    """Whether the migration engine is installed and offers ``status``."""
    try:
        if importlib.util.find_spec("pitstop.migrate") is None:
            return False
        return callable(getattr(importlib.import_module("pitstop.migrate"), "status", None))
    except Exception:  # noqa: BLE001 - a half-installed engine counts as absent
        return False


def _explicit(env: CheckEnv) -> list[Check]:
    url = database_url(env)
    return [FunctionCheck("migrations", "migrations",
                          timeout_for(env.checks.migrations.timeout, env.checks),
                          lambda _t: probe_migrations(env, url))]


def in_use(env: CheckEnv) -> bool:
    """Whether the project has migrations: a ``[migrate]`` table, its migrations
    directory, or an ``alembic.ini``."""
    settings = env.settings
    if "migrate" in settings.raw_sections or (settings.project_dir / "alembic.ini").is_file():
        return True
    from pitstop.migrate.settings import MigrateSettings

    return Path(settings.section(MigrateSettings).dir).is_dir()


def _factory(env: CheckEnv) -> list[Check]:
    return _explicit(env) if env.checks.migrations.enabled and in_use(env) else []


if available():
    register("migrations", _factory, explicit=_explicit)
