"""The database section: the application's account and the server's settings, read
from the catalogs over the application's own connection (``database_url``).

One small interface per dialect — a function ``audit(conn, db, remote) -> Collected``
in its own module (:mod:`~pitstop.audit.database_pg`,
:mod:`~pitstop.audit.database_mysql`), registered by dialect name.  Every query is a
read: the session is made read-only first, and no setting is ever changed.  What the
account may not read (``pg_hba_file_rules``, ``mysql.user``) is a note, not an error:
an application account that cannot read them is what one wants.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import time
from typing import Any, Protocol

from pitstop.audit.context import AuditContext, NotConfigured
from pitstop.audit.model import Finding, SectionResult
from pitstop.capability import load_target
from pitstop.errors import PermissionDeniedError, PitstopError

DIALECTS: dict[str, str] = {
    "postgresql": "pitstop.audit.database_pg:audit_postgresql",
    "mysql": "pitstop.audit.database_mysql:audit_mysql",
}
"""Dialect name → ``module:function`` auditing it (imported when used)."""


@dataclasses.dataclass
class Collected:
    """What a dialect's audit found, looked at, and could not check."""

    findings: list[Finding] = dataclasses.field(default_factory=list)
    checked: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)


class DialectAudit(Protocol):
    def __call__(self, conn: Any, db: Any, remote: bool, /) -> Collected: ...


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is this machine: no host or a Unix socket directory,
    ``localhost``, or an address in 127.0.0.0/8 or ::1."""
    if not host or host.startswith("/") or host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _query_error(exc: BaseException, db: Any) -> PitstopError:
    """A driver error in the middle of the audit: refused (exit 5) or failed (1)."""
    from pitstop.db.url import translate_error
    from pitstop.redact import mask_url

    translated = translate_error(exc, db)
    if isinstance(translated, PermissionDeniedError):
        return translated
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return PitstopError(f"{db.dialect} at {db.host}: a catalog query of the audit failed: "
                        f"{mask_url(text)}")


def audit_database(ctx: AuditContext) -> SectionResult:
    """Audit the account the application connects as and the server's settings."""
    from pitstop.db.connect import raw_connect
    from pitstop.db.url import parse_url

    started = time.perf_counter()
    db = parse_url(ctx.settings.database_url)
    if db.dialect not in DIALECTS:
        raise NotConfigured(f"the database is {db.dialect}: no accounts or server settings "
                            "to audit", key="database_url")
    audit: DialectAudit = load_target(DIALECTS[db.dialect])
    host = db.parts.hostname or dict(db.parts.query).get("host")
    remote = not is_loopback(host if isinstance(host, str) else None)
    conn = raw_connect(db.raw, connect_timeout=max(1, int(ctx.audit.timeout)))
    try:
        collected = audit(conn, db, remote)
    except Exception as exc:
        if not type(exc).__module__.startswith(("psycopg", "pymysql")):
            raise
        raise _query_error(exc, db) from exc
    finally:
        conn.close()
    return SectionResult("database", "ok", tuple(collected.findings), tuple(collected.checked),
                         tuple(collected.notes), seconds=time.perf_counter() - started)
