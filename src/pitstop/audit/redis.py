"""The redis section: authentication, protected mode and bind addresses, the commands
the application's user may run, and TLS to a remote server (``redis_url``).

Nothing is changed.  Whether authentication is required is tried the way an attacker
would: a second connection without credentials sends ``PING``.  Whether the
application's user may run ``CONFIG``, ``FLUSHALL`` or ``DEBUG`` is asked with calls
the server refuses before doing anything — ``CONFIG SET`` of a parameter that does not
exist, ``FLUSHALL`` with an argument it rejects (Redis 4.0 and later only; older
servers and other implementations are not probed), ``DEBUG`` with an unknown
subcommand: ``NOPERM`` means the ACL denies it, a syntax error means it is allowed.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pitstop.audit.context import AuditContext, NotConfigured
from pitstop.audit.database import is_loopback
from pitstop.audit.model import Finding, SectionResult
from pitstop.audit.rules import RULES

PROBES: dict[str, tuple[str, ...]] = {
    "CONFIG": ("CONFIG", "SET", "pitstop-audit-probe", "x"),
    "FLUSHALL": ("FLUSHALL", "PITSTOP-AUDIT-PROBE"),
    "DEBUG": ("DEBUG", "PITSTOP-AUDIT-PROBE"),
}


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _allowed(client: Any, command: tuple[str, ...]) -> bool | None:
    """Whether the ACL lets ``client``'s user run ``command`` (sent so that the server
    refuses it before doing anything); ``None`` when the answer says neither."""
    from redis import exceptions as rex

    try:
        client.execute_command(*command)
    except rex.NoPermissionError:
        return False
    except rex.ResponseError as exc:
        text = str(exc).lower()
        # renamed away, or DEBUG turned off (enable-debug-command no): not available;
        # refused for its arguments: the user may run it
        return not ("unknown command" in text or "not allowed" in text or "noperm" in text)
    return True  # pragma: no cover - every probe is built to be refused


def _version(info: dict[str, Any] | None) -> tuple[int, ...] | None:
    if not info or "dragonfly_version" in info or "redis_version" not in info:
        return None
    try:
        return tuple(int(p) for p in str(info["redis_version"]).split(".")[:2])
    except ValueError:
        return None


def audit_redis(ctx: AuditContext) -> SectionResult:
    """Audit the Redis server the application uses and its user's rights there."""
    from pitstop.checks.redis import (
        redis_client,
        redis_where,
        require_redis,
        translate_redis_error,
    )

    url = ctx.settings.redis_url
    if not url:
        raise NotConfigured("no Redis URL is set", key="redis_url")
    require_redis()  # redis-py is pitstop[redis]: exit 2 naming the extra
    from redis import exceptions as rex

    started = time.perf_counter()
    timeout = ctx.audit.timeout
    parts = urlsplit(url)
    where = redis_where(url).removeprefix("Redis at ")
    obj = f"redis {where}"
    findings: list[Finding] = []
    notes: list[str] = []
    client = redis_client(url, timeout)
    try:
        client.ping()
        try:
            info: dict[str, Any] | None = client.info("server")
        except rex.NoPermissionError:
            info = None
            notes.append("server version not read: INFO is denied to the application's user")
        config: dict[str, Any] = {}
        try:
            config = {str(k): v for k, v in (client.config_get("protected-mode")
                                             | client.config_get("bind")).items()}
        except rex.ResponseError:
            notes.append("protected-mode and bind not read: CONFIG is denied to the "
                         "application's user")
        allowed = []
        version = _version(info)
        for name, command in PROBES.items():
            if name == "FLUSHALL" and (version is None or version < (4, 0)):
                notes.append("FLUSHALL not probed: only Redis 4.0 and later refuse it safely "
                             "(or the version could not be read)")
                continue
            if _allowed(client, command):
                allowed.append(name)
        open_to_all = _unauthenticated(url, timeout, parts.password is not None
                                       or parts.username is not None, client)
    except rex.RedisError as exc:
        raise translate_redis_error(exc, url, timeout) from exc
    finally:
        client.close()
    bind = str(config.get("bind", "")).split()
    beyond = (not is_loopback(parts.hostname) or any(not is_loopback(a.lstrip("-"))
                                                     for a in bind) or config.get("bind") == "")
    if open_to_all:
        findings.append(RULES["PS-REDIS-001"].finding(
            obj, "a client without a password may run commands (requirepass is not set and "
                 "the default user has nopass)", severity="critical" if beyond else "high"))
    if config.get("protected-mode") == "no" and beyond:
        listens = " ".join(bind) or "every interface"
        findings.append(RULES["PS-REDIS-002"].finding(
            obj, f"protected-mode is off and the server listens on {listens}"))
    if allowed:
        findings.append(RULES["PS-REDIS-003"].finding(
            obj, f"the application's user may run {', '.join(allowed)}: one bad input or a "
                 "stolen password can reconfigure the server or wipe every key",
            details={"commands": allowed}))
    if parts.scheme == "redis" and not is_loopback(parts.hostname):
        findings.append(RULES["PS-REDIS-004"].finding(
            obj, "redis:// to a remote server: the password and every value cross the network "
                 "in clear"))
    name = f"{info.get('redis_version', '?')}" if info else "version unknown"
    checked = (f"Redis {name} at {where}", f"commands probed: {', '.join(PROBES)}")
    return SectionResult("redis", "ok", tuple(findings), checked, tuple(notes),
                         seconds=time.perf_counter() - started)


def _unauthenticated(url: str, timeout: float, has_credentials: bool, client: Any) -> bool:
    """Whether a client without credentials may run commands."""
    from redis import exceptions as rex

    from pitstop.checks.redis import redis_client

    if not has_credentials:
        return True  # the application itself got in without any
    anonymous = redis_client(_without_credentials(url), timeout)
    try:
        anonymous.ping()
    except (rex.AuthenticationError, rex.NoPermissionError):
        return False
    except rex.ResponseError as exc:
        return "noauth" not in str(exc).lower()
    finally:
        anonymous.close()
    return True
