"""The ``extensions`` check: every PostgreSQL extension in ``[db.extensions]
required`` is installed at a matching version (``pitstop db extensions deploy``
creates the missing ones)."""

from __future__ import annotations

from pitstop.checks.base import (
    Check,
    CheckEnv,
    FunctionCheck,
    Observed,
    Probe,
    register,
    timeout_for,
)
from pitstop.checks.database import checked_database


def probe_extensions(env: CheckEnv, required: tuple[str, ...], timeout: float) -> Probe:
    from pitstop.db.extensions import extension_states, installed_extensions

    db = checked_database(env)
    if not required:
        names = installed_extensions(db, timeout=timeout)
        return Probe(f"{len(names)} extensions installed (none required)",
                     {"installed": Observed(len(names), "extensions")}, "pass",
                     "list requirements in [db.extensions] required")
    states = extension_states(db, required, timeout=timeout)
    observed = {
        f"extension.{s.name}": Observed(s.installed or s.state, None,
                                        None if s.state == "ok" else "fail")
        for s in states
    }
    bad = [s for s in states if s.state != "ok"]
    if not bad:
        listing = ", ".join(f"{s.name} {s.installed}" for s in states)
        return Probe(f"{len(states)} required extensions installed: {listing}", observed, "pass")
    parts = []
    for s in bad:
        if s.state == "missing":
            parts.append(f"{s.name} is not installed")
        elif s.state == "outdated":
            parts.append(f"{s.name} {s.installed} does not satisfy {s.requirement}")
        else:
            parts.append(f"{s.name} is not available on the server")
    hint = "run `pitstop db extensions deploy`"
    if any(s.state == "unavailable" for s in bad):
        hint = "install the extension's package on the database server (e.g. postgresql-contrib)"
    return Probe("; ".join(parts), observed, "fail", hint)


def _required(env: CheckEnv) -> tuple[str, ...]:
    from pitstop.db.settings import extension_settings

    return extension_settings(env.settings).required


def _explicit(env: CheckEnv) -> list[Check]:
    required = _required(env)
    return [FunctionCheck("extensions", "extensions",
                          timeout_for(env.checks.extensions.timeout, env.checks),
                          lambda t: probe_extensions(env, required, t),
                          ("sqlalchemy", "psycopg"))]


def _factory(env: CheckEnv) -> list[Check]:
    return _explicit(env) if _required(env) else []


register("extensions", _factory, explicit=_explicit)
