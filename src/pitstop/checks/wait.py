"""``wait``: block until each service answers, or give up after a timeout.

A target is ``database`` (the configured database URL), ``redis`` (the configured
Redis URL), or a URL: ``postgresql://…``, ``mysql://…``, ``sqlite:///…``,
``redis://…``, ``http(s)://…``, ``tcp://host:port`` or plain ``host:port``.
All targets are waited for at the same time.  Configuration problems and missing
drivers end the wait at once (waiting will not fix them); everything else is retried
every ``interval`` seconds until ``timeout``.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pitstop.checks.base import missing_module
from pitstop.checks.runner import call_with_deadline
from pitstop.errors import ConfigError, ConnectError, DependencyError, PitstopError, UsageError
from pitstop.redact import mask_url

if TYPE_CHECKING:
    from pitstop.checks.settings import ChecksSettings
    from pitstop.config import Settings
    from pitstop.db.url import DatabaseURL

Attempt = Callable[[float], str]
"""Try once within the given seconds; return a short description of what answered."""

MAX_ATTEMPT_SECONDS = 5.0


@dataclasses.dataclass(frozen=True)
class WaitTarget:
    label: str
    attempt: Attempt


@dataclasses.dataclass(frozen=True)
class WaitResult:
    label: str
    ready: bool
    seconds: float
    attempts: int
    detail: str
    """What answered, or the last error."""
    hint: str | None = None
    exit_code: int = 0


def _database_attempt(db: DatabaseURL) -> Attempt:
    from pitstop.db.connect import ping

    def attempt(timeout: float) -> str:
        return ping(db, timeout=timeout)
    return attempt


def _redis_attempt(url: str) -> Attempt:
    from pitstop.checks.redis import redis_where, server_info, server_name

    def attempt(timeout: float) -> str:
        _rtt, info = server_info(url, timeout)
        name, version = server_name(info)
        return f"{name} {version} at {redis_where(url).removeprefix('Redis at ')}"
    return attempt


def _http_attempt(url: str) -> Attempt:
    from pitstop.checks.http import http_request

    def attempt(timeout: float) -> str:
        status, _body, _s = http_request(url, timeout=timeout)
        if status >= 500:
            raise ConnectError(f"{mask_url(url)} answered {status}")
        return f"{mask_url(url)} answered {status}"
    return attempt


def _tcp_attempt(address: str) -> Attempt:
    from pitstop.checks.tcp import connect_tcp, host_port, parse_address

    try:
        host, port = parse_address(address)
    except ValueError as exc:
        raise UsageError(f"cannot wait for {address!r}: {exc}".replace("address: ", ""),
                         hint="give database, redis, a URL or host:port") from None

    def attempt(timeout: float) -> str:
        connect_tcp(host, port, timeout)
        return f"{host_port(host, port)} accepts connections"
    return attempt


def _check_url(text: str, label: str, *, need_host: bool) -> None:
    """A malformed URL is a usage error (exit 3) at once, never something to retry."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad or out-of-range port
    except ValueError as exc:
        raise UsageError(f"cannot wait for {label}: malformed URL ({exc})",
                         hint="e.g. postgresql://USER@HOST:5432/DB, redis://HOST:6379/0, "
                              "http://HOST:8000/health") from None
    if need_host and not parts.hostname:
        raise UsageError(f"cannot wait for {label}: the URL has no host",
                         hint="e.g. http://127.0.0.1:8000/health")


def resolve_target(text: str, settings: Settings, checks: ChecksSettings) -> WaitTarget:
    """Turn one command-line target into something to try."""
    if text == "database":  # a malformed URL is reported before waiting
        from pitstop.db.resolve import resolve_url

        return WaitTarget("database", _database_attempt(resolve_url(settings, "checks.database")))
    if text == "redis":
        redis_url = checks.redis.url or settings.redis_url
        if not redis_url:
            raise ConfigError("no Redis URL is configured", key="redis_url",
                              hint="set REDIS_URL or redis_url, or pass the URL to wait for")
        return WaitTarget("redis", _redis_attempt(redis_url))
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    label = mask_url(text)
    if scheme not in ("", "tcp", "unix", "sqlite"):
        _check_url(text, label, need_host=scheme in ("http", "https"))
    if scheme in ("redis", "rediss", "unix"):
        return WaitTarget(label, _redis_attempt(text))
    if scheme in ("http", "https"):
        return WaitTarget(label, _http_attempt(text))
    if scheme in ("", "tcp"):
        return WaitTarget(label, _tcp_attempt(text))
    from pitstop.db.url import parse_url

    try:
        return WaitTarget(label, _database_attempt(parse_url(text)))
    except ValueError as exc:  # the URL parser's own complaint
        raise UsageError(f"cannot wait for {label}: malformed URL ({exc})") from None


OnRetry = Callable[[str, int, str], None]
"""Told ``(label, attempts so far, last error)`` after each failed attempt."""


def wait_one(target: WaitTarget, *, timeout: float, interval: float,
             cancel: threading.Event | None = None, on_retry: OnRetry | None = None
             ) -> WaitResult:
    """Try ``target`` every ``interval`` seconds until it answers or ``timeout``."""
    started = time.monotonic()
    deadline = started + timeout
    attempts = 0
    last: PitstopError = ConnectError(f"{target.label}: not tried")
    while True:
        attempts += 1
        budget = max(0.1, round(min(MAX_ATTEMPT_SECONDS, deadline - time.monotonic()), 1))
        try:
            detail = call_with_deadline(functools.partial(target.attempt, budget), budget + 0.25)
            return WaitResult(target.label, True, time.monotonic() - started, attempts, detail)
        except (ConfigError, DependencyError) as exc:
            return WaitResult(target.label, False, time.monotonic() - started, attempts,
                              exc.message, exc.hint, exc.exit_code)
        except ImportError as exc:
            error = missing_module(exc)
            return WaitResult(target.label, False, time.monotonic() - started, attempts,
                              error.message, error.hint, error.exit_code)
        except TimeoutError:
            last = ConnectError(f"{target.label}: no answer within {budget:g} s")
        except PitstopError as exc:
            last = exc
        except Exception as exc:  # noqa: BLE001 - a driver error we did not translate
            last = ConnectError(f"{target.label}: {type(exc).__name__}: {exc}")
        if on_retry is not None:
            on_retry(target.label, attempts, last.message)
        pause = min(interval, deadline - time.monotonic())
        if pause <= 0 or (cancel is not None and cancel.wait(pause)):
            break
        if cancel is None:
            time.sleep(pause)
    return WaitResult(target.label, False, time.monotonic() - started, attempts,
                      last.message, last.hint, 4)


def wait_for(targets: Sequence[WaitTarget], *, timeout: float = 60.0, interval: float = 1.0,
             cancel: threading.Event | None = None, on_retry: OnRetry | None = None
             ) -> list[WaitResult]:
    """Wait for every target at once; results in the order given."""
    if timeout <= 0 or interval <= 0:
        raise UsageError("--timeout and --interval must be above zero")
    results: list[WaitResult | None] = [None] * len(targets)

    def worker(i: int, target: WaitTarget) -> None:
        results[i] = wait_one(target, timeout=timeout, interval=interval, cancel=cancel,
                              on_retry=on_retry)

    threads = [threading.Thread(target=worker, args=(i, t), daemon=True)
               for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():  # short joins keep Ctrl-C responsive
            thread.join(0.2)
    return [r for r in results if r is not None]


def wait(settings: Settings, targets: Sequence[str] = ("database",), *, timeout: float = 60.0,
         interval: float = 1.0, cancel: threading.Event | None = None,
         on_retry: OnRetry | None = None) -> list[WaitResult]:
    """Resolve ``targets`` (default: the database) and wait for all of them."""
    from pitstop.checks.settings import ChecksSettings

    checks = settings.section(ChecksSettings)
    resolved = [resolve_target(t, settings, checks) for t in (targets or ("database",))]
    return wait_for(resolved, timeout=timeout, interval=interval, cancel=cancel,
                    on_retry=on_retry)
