"""The ``database`` check: connect, ``SELECT 1`` round trip, server version and the
health figures of each dialect.

Dialect differences live in one module each (:mod:`database_pg`,
:mod:`database_mysql`, :mod:`database_sqlite`), behind :class:`DialectProbe`; this
module only picks the probe by the URL's dialect and handles connecting.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from pitstop.checks.base import (
    Check,
    CheckEnv,
    FunctionCheck,
    Observed,
    Probe,
    missing_module,
    register,
    timeout_for,
)
from pitstop.checks.settings import DatabaseCheckSettings
from pitstop.db.url import DatabaseURL, parse_url
from pitstop.errors import ConfigError, PitstopError
from pitstop.redact import mask_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_PROBES = {
    "postgresql": "pitstop.checks.database_pg",
    "mysql": "pitstop.checks.database_mysql",
    "sqlite": "pitstop.checks.database_sqlite",
}


class DialectProbe(Protocol):
    def __call__(self, db: DatabaseURL, cfg: DatabaseCheckSettings, timeout: float) -> Probe:
        ...


_DRIVER = {"postgresql": "psycopg", "mysql": "pymysql", "sqlite": "sqlite3"}


def dialect_probe(db: DatabaseURL) -> DialectProbe:
    probe: DialectProbe = importlib.import_module(_PROBES[db.dialect]).probe
    return probe


@contextmanager
def server_connection(db: DatabaseURL, timeout: float) -> Iterator[Connection]:
    """One connection (no pool) to a PostgreSQL/MySQL server with connect and query
    timeouts; driver errors leave as pitstop errors naming the host."""
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    from pitstop.db.url import create_engine, translate_error

    seconds = max(1, round(timeout))
    connect_args: dict[str, Any] = {}
    if db.dialect == "postgresql":
        connect_args["options"] = f"-c statement_timeout={int(timeout * 1000)}"
    else:
        connect_args.update(read_timeout=seconds, write_timeout=seconds)
    try:
        engine = create_engine(db, connect_timeout=timeout, poolclass=sqlalchemy.pool.NullPool,
                               connect_args=connect_args)
    except ImportError as exc:  # installed, but cannot load (psycopg without libpq)
        raise missing_module(exc, _DRIVER[db.dialect]) from exc
    try:
        with engine.connect() as conn:
            yield conn
    except ImportError as exc:
        raise missing_module(exc, _DRIVER[db.dialect]) from exc
    except SQLAlchemyError as exc:
        error = translate_error(exc, db)
        hint = tls_hint(str(error))
        if hint and isinstance(error, PitstopError):
            error.hint = hint
        raise error from exc
    finally:
        engine.dispose()


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
    return env.checks.database.url or env.settings.database_url


def parse_database_url(url: str) -> DatabaseURL:
    """:func:`~pitstop.db.url.parse_url`, with a malformed URL (a bad port or IPv6
    literal) as a :class:`ConfigError` instead of the parser's ``ValueError``."""
    from urllib.parse import urlsplit

    try:
        if "://" in url and not url.startswith("sqlite"):
            urlsplit(url).port  # noqa: B018 - raises ValueError for a port out of range
        return parse_url(url)
    except ValueError as exc:
        raise ConfigError(f"malformed database URL {mask_url(url)!r}: {exc}", key="database_url",
                          hint="e.g. postgresql://USER@HOST:5432/DB or mysql://USER@HOST/DB"
                          ) from None


def probe_database(url: str, cfg: DatabaseCheckSettings, timeout: float) -> Probe:
    """Run the dialect's probe against ``url``."""
    db = parse_database_url(url)
    return dialect_probe(db)(db, cfg, timeout)


def _explicit(env: CheckEnv) -> list[Check]:
    cfg = env.checks.database
    url = database_url(env)
    return [FunctionCheck("database", "database", timeout_for(cfg.timeout, env.checks),
                          lambda t: probe_database(url, cfg, t), ("sqlalchemy", "psycopg", "pymysql"))]


def _factory(env: CheckEnv) -> list[Check]:
    return _explicit(env) if env.checks.database.enabled else []


register("database", _factory, explicit=_explicit)
