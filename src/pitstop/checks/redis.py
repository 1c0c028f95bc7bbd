"""The ``redis`` check: PING round trip, version (Redis or Dragonfly), role and replica
link, used memory against ``maxmemory``, eviction policy, last save, ``loading`` and
rejected connections.

:func:`redis_client` and :func:`translate_redis_error` are shared with ``wait`` and
``bench``: one place turns redis-py errors into pitstop errors naming the host.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pitstop.checks.base import (
    Check,
    CheckEnv,
    FunctionCheck,
    Observed,
    Probe,
    Status,
    register,
    timeout_for,
)
from pitstop.checks.settings import RedisCheckSettings
from pitstop.errors import ConfigError, ConnectError, DependencyError, PitstopError
from pitstop.redact import mask_url

if TYPE_CHECKING:
    import redis as redis_py

_SCHEMES = ("redis", "rediss", "unix")


def redis_where(url: str) -> str:
    try:
        parts = urlsplit(url)
        if parts.scheme == "unix":
            return f"Redis at {parts.path}"
        return f"Redis at {parts.hostname or 'localhost'}:{parts.port or 6379}"
    except ValueError:  # malformed: redis_client says so
        return f"Redis at {mask_url(url)}"


def _check_url(url: str) -> None:
    """A malformed Redis URL (bad port or IPv6 literal, a database that is not a
    number) as a :class:`ConfigError` naming ``redis_url``."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad or out-of-range port
    except ValueError as exc:
        raise ConfigError(f"malformed Redis URL {mask_url(url)!r}: {exc}", key="redis_url",
                          hint="e.g. redis://:PASSWORD@HOST:6379/0") from None
    if parts.scheme not in _SCHEMES:
        raise ConfigError(f"unsupported Redis URL {mask_url(url)!r}: expected "
                          "redis://[:PASSWORD@]HOST:PORT/DB or rediss://…", key="redis_url")
    db = parts.path.strip("/")
    if parts.scheme != "unix" and db and not db.isdigit():
        raise ConfigError(f"malformed Redis URL {mask_url(url)!r}: the database {db!r} is not "
                          "a number", key="redis_url", hint="e.g. redis://HOST:6379/0")


def require_redis() -> None:
    """:class:`DependencyError` (exit 2) naming the extra when redis-py is missing."""
    try:
        import redis  # noqa: F401
    except ImportError:
        raise DependencyError("the Redis client (redis-py) is not installed",
                              hint="install it with: pip install 'pitstop[redis]'") from None


def redis_client(url: str, timeout: float) -> redis_py.Redis:
    """A client for ``url`` that fails fast: connect and read timeouts, no retries."""
    require_redis()
    _check_url(url)
    import redis as redis_py
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    try:
        return redis_py.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0), retry_on_timeout=False,
        )
    except ValueError as exc:
        raise ConfigError(f"malformed Redis URL {mask_url(url)!r}: {exc}",
                          key="redis_url") from None


def translate_redis_error(exc: BaseException, url: str, timeout: float) -> PitstopError:
    """A redis-py error as a pitstop error: unreachable, auth and TLS cases are
    :class:`ConnectError` (exit 4) with a hint."""
    from redis import exceptions as rex

    where = redis_where(url)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = mask_url(text)
    if isinstance(exc, rex.AuthenticationError) or "NOAUTH" in text or "WRONGPASS" in text \
            or "must be called with the client already authenticated" in text:
        if urlsplit(url).password is None:
            return ConnectError(f"{where}: authentication required (NOAUTH): the server has a "
                                "password and the URL gives none",
                                hint="set the password in the URL: redis://:***@HOST:PORT/DB "
                                     "(redis://USER:***@… with ACL users)")
        return ConnectError(f"{where}: authentication failed: wrong user or password",
                            hint="check the password in the Redis URL")
    if "db index is out of range" in text.lower():
        return ConfigError(f"{where}: the database in the URL does not exist ({text})",
                           key="redis_url", hint="use a database number below the server's "
                                                 "`databases` setting (16 by default)")
    if isinstance(exc, rex.TimeoutError):
        hint = "is the server overloaded, or is this port really Redis?"
        if urlsplit(url).scheme == "rediss" and "connecting" in text.lower():
            hint = ("no TLS handshake within the timeout: a plain (non-TLS) Redis port never "
                    "answers one; use redis:// unless the server has tls-port")
        return ConnectError(f"{where}: no answer within {timeout:g} s ({text})", hint=hint)
    if isinstance(exc, rex.BusyLoadingError):
        return ConnectError(f"{where}: still loading its dataset into memory",
                            hint="it answers once loading is done: `pitstop wait redis`")
    if isinstance(exc, rex.ConnectionError):
        hint = "is the server running and the URL right?"
        lowered = text.lower()
        if "certificate" in lowered:
            hint = ("the server's TLS certificate is not trusted: add ?ssl_ca_certs=PATH to the "
                    "URL (or ?ssl_cert_reqs=none to skip verification)")
        elif "closed by server" in lowered or "ssl" in lowered or "reset by peer" in lowered:
            hint = ("the server closed the connection: if it requires TLS use rediss://, "
                    "if it does not, use redis://")
        return ConnectError(f"cannot connect to {where}: {text}", hint=hint)
    if isinstance(exc, rex.NoPermissionError):
        from pitstop.errors import PermissionDeniedError

        return PermissionDeniedError(f"{where}: {text}",
                                     hint="the ACL user needs +ping +info")
    return ConnectError(f"{where}: {text}")


def server_info(url: str, timeout: float) -> tuple[float, dict[str, Any]]:
    """PING round-trip seconds and ``INFO`` of the server at ``url``."""
    client = redis_client(url, timeout)
    from redis import exceptions as rex

    try:
        client.ping()  # connects (and authenticates)
        started = time.perf_counter()
        client.ping()
        rtt = time.perf_counter() - started
        try:
            info: dict[str, Any] = client.info("all")
        except rex.ResponseError:  # servers that do not know the "all" section
            info = client.info()
        return rtt, info
    except rex.RedisError as exc:
        raise translate_redis_error(exc, url, timeout) from exc
    finally:
        client.close()


def server_name(info: dict[str, Any]) -> tuple[str, str]:
    """``("Dragonfly", "1.21.0")`` or ``("Redis", "7.0.15")``."""
    if "dragonfly_version" in info:
        return "Dragonfly", str(info["dragonfly_version"]).removeprefix("df-v")
    return "Redis", str(info.get("redis_version", "?"))


def probe_redis(url: str, cfg: RedisCheckSettings, timeout: float) -> Probe:
    rtt, info = server_info(url, timeout)
    name, version = server_name(info)
    role = str(info.get("role", "master"))
    observed: dict[str, Observed] = {
        "round_trip": Observed(round(rtt * 1000, 3), "ms"),
        "server": Observed(name),
        "server_version": Observed(version),
        "role": Observed(role),
    }
    problems: list[tuple[Status, str, str]] = []  # (status, what, what to do)
    if role in ("slave", "replica"):
        link = str(info.get("master_link_status", "down"))
        observed["master_link_status"] = Observed(link, None, None if link == "up" else "fail")
        if link != "up":
            problems.append(("fail", "replica has lost its primary (master_link_status down)",
                             "check that the primary is up and reachable from the replica"))
    used = int(info.get("used_memory", 0))
    limit = int(info.get("maxmemory", 0) or 0)
    observed["used_memory"] = Observed(used, "bytes")
    observed["maxmemory"] = Observed(limit, "bytes")
    if limit:
        high = used / limit >= cfg.memory_warn
        observed["memory_used"] = Observed(round(100 * used / limit, 1), "percent",
                                           "warn" if high else None)
        if high:
            problems.append(("warn", f"memory {100 * used / limit:.0f}% of maxmemory",
                             "raise maxmemory or free memory"))
    policy = str(info.get("maxmemory_policy", "noeviction"))
    bad_policy = cfg.cache and policy == "noeviction"
    observed["maxmemory_policy"] = Observed(policy, None, "warn" if bad_policy else None)
    if bad_policy:
        problems.append(("warn", "a cache with maxmemory-policy noeviction refuses writes "
                                 "when full",
                         "set maxmemory-policy allkeys-lru (or set cache = false in "
                         "[checks.redis] if this Redis is not a cache)"))
    save = info.get("rdb_last_bgsave_status")
    if save is not None:
        observed["rdb_last_bgsave_status"] = Observed(save, None, None if save == "ok" else "fail")
        if save != "ok":
            problems.append(("fail", "the last background save failed",
                             "check disk space and permissions of the Redis data directory"))
    loading = bool(int(info.get("loading", 0)))
    observed["loading"] = Observed(loading, None, "warn" if loading else None)
    if loading:
        problems.append(("warn", "still loading its dataset",
                         "it answers once loading is done: `pitstop wait redis`"))
    rejected = int(info.get("rejected_connections", 0))
    observed["rejected_connections"] = Observed(rejected, "connections",
                                                "warn" if rejected else None)
    if rejected:
        problems.append(("warn", f"{rejected} connections rejected since the server started "
                                 "(maxclients reached)", "raise maxclients"))
    message = f"{name} {version} ({role})"
    if problems:
        message += ": " + "; ".join(text for _, text, _ in problems)
        status: Status = "fail" if any(s == "fail" for s, _, _ in problems) else "warn"
        return Probe(message, observed, status, "; ".join(todo for _, _, todo in problems))
    return Probe(message, observed, "pass")


def redis_url(env: CheckEnv) -> str | None:
    return env.checks.redis.url or env.settings.redis_url


def _explicit(env: CheckEnv) -> list[Check]:
    cfg = env.checks.redis
    url = redis_url(env)
    timeout = timeout_for(cfg.timeout, env.checks)
    if url is None:
        def missing(_t: float) -> Probe:
            raise ConfigError("no Redis URL is configured", key="redis_url",
                              hint="set REDIS_URL, redis_url or [checks.redis] url")
        return [FunctionCheck("redis", "redis", timeout, missing)]
    return [FunctionCheck("redis", "redis", timeout, lambda t: probe_redis(url, cfg, t), ("redis",))]


def _factory(env: CheckEnv) -> list[Check]:
    if not env.checks.redis.enabled or redis_url(env) is None:
        return []
    return _explicit(env)


register("redis", _factory, explicit=_explicit)
