"""The ``database`` check: connect, ``SELECT 1`` round trip, server version and the
health figures of each dialect.

Dialect differences live in one module each, named after the dialect
(:mod:`database_postgresql`, :mod:`database_mysql`, :mod:`database_sqlite`), behind
:class:`DialectProbe`; this module picks the probe by the URL's dialect
(:func:`pitstop.db.dialects.implementation`).  The database is the one
:func:`pitstop.db.resolve_url` names for the checks: a URL given by the front
(``database_url`` of the settings it built), else ``[checks.database] url``, else
``database_url``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from pitstop.checks.base import (
    Check,
    CheckEnv,
    FunctionCheck,
    Observed,
    Probe,
    register,
    timeout_for,
)
from pitstop.checks.settings import DatabaseCheckSettings
from pitstop.errors import ConfigError, PitstopError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from pitstop.db.url import DatabaseURL

PURPOSE = "checks.database"
"""The settings table whose ``url`` names the database the checks look at."""


class DialectProbe(Protocol):
    def __call__(self, db: DatabaseURL, cfg: DatabaseCheckSettings, timeout: float) -> Probe:
        ...


def dialect_probe(db: DatabaseURL) -> DialectProbe:
    from pitstop.db.dialects import implementation

    module = implementation("pitstop.checks.database_{dialect}", db.dialect)
    if module is None:
        raise ConfigError(f"no health figures for {db.dialect} databases", key="database_url")
    probe: DialectProbe = module.probe
    return probe


@contextmanager
def server_connection(db: DatabaseURL, timeout: float) -> Iterator[Connection]:
    """One connection (no pool) with connect and statement timeouts, to a database that
    exists (a SQLite file is never created); failures leave as pitstop errors naming
    the host, with a hint when TLS is the cause."""
    from pitstop.db.connect import session

    try:
        with session(db, timeout=timeout, query_timeout=timeout, must_exist=True) as conn:
            yield conn
    except PitstopError as error:
        hint = tls_hint(error.message)
        if hint:
            error.hint = hint
        raise


def tls_hint(message: str) -> str | None:
    """A hint for TLS mismatches between the URL and the server, if that is the cause."""
    lowered = message.lower()
    if "does not support ssl" in lowered:
        return "the server does not offer TLS: drop sslmode=require from the URL or enable ssl"
    if "ssl off" in lowered or "ssl/tls required" in lowered or "requires ssl" in lowered \
            or "secure transport" in lowered:
        return "the server requires TLS: add ?sslmode=require (PostgreSQL) or ssl settings " \
               "(MySQL) to the URL"
    if "role" in lowered and "does not exist" in lowered:
        return "the server has no such role: check the user name in the database URL"
    if "no pg_hba.conf entry" in lowered:
        return "the server's pg_hba.conf does not let this user/host/database in: ask the DBA"
    return None


def round_trip(conn: Connection) -> float:
    """Seconds for one ``SELECT 1`` on an open connection."""
    import sqlalchemy

    started = time.perf_counter()
    conn.execute(sqlalchemy.text("SELECT 1")).scalar()
    return time.perf_counter() - started


def ms(seconds: float) -> Observed:
    return Observed(round(seconds * 1000, 3), "ms")


def share(used: float, limit: float, warn_at: float) -> Observed:
    """``used`` as a percentage of ``limit``, warning at ``warn_at`` (0–1)."""
    pct = round(100 * used / limit, 1) if limit else 0.0
    return Observed(pct, "percent", "warn" if limit and used / limit >= warn_at else None)


def database_url(env: CheckEnv) -> str:
    """The URL of the database the checks look at, as configured (not checked yet)."""
    from pitstop.db.resolve import configured_url

    return configured_url(env.settings, PURPOSE)


def checked_database(env: CheckEnv) -> DatabaseURL:
    """The database the checks look at; a URL pitstop cannot use is a
    :class:`ConfigError` naming where it came from."""
    from pitstop.db.resolve import resolve_url

    return resolve_url(env.settings, PURPOSE)


def probe_database(url: str | DatabaseURL, cfg: DatabaseCheckSettings, timeout: float
                   ) -> Probe:
    """Run the dialect's probe against ``url``."""
    from pitstop.db.url import parse_url

    db = parse_url(url)
    return dialect_probe(db)(db, cfg, timeout)


def _explicit(env: CheckEnv) -> list[Check]:
    cfg = env.checks.database
    return [FunctionCheck("database", "database", timeout_for(cfg.timeout, env.checks),
                          lambda t: probe_database(checked_database(env), cfg, t),
                          ("sqlalchemy", "psycopg", "pymysql"))]


def _factory(env: CheckEnv) -> list[Check]:
    return _explicit(env) if env.checks.database.enabled else []


register("database", _factory, explicit=_explicit)
