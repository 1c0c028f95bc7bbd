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
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from pitstop.capability import Progress, Result, recorded
from pitstop.checks.base import missing_module
from pitstop.errors import (
    EXIT_CONFIG,
    EXIT_CONNECTION,
    EXIT_DEPENDENCY,
    EXIT_OK,
    ConfigError,
    ConnectError,
    DependencyError,
    PitstopError,
    UsageError,
)
from pitstop.redact import mask_url
from pitstop.waiting import MAX_ATTEMPT_SECONDS, wait_until

if TYPE_CHECKING:
    from pitstop.checks.settings import ChecksSettings
    from pitstop.config import Settings
    from pitstop.db.url import DatabaseURL

Attempt = Callable[[float], str]
"""Try once within the given seconds; return a short description of what answered."""


@dataclasses.dataclass(frozen=True)
class WaitTarget:
    label: str
    """The target as people see it (``database``, a URL with its password masked)."""
    attempt: Attempt


@dataclasses.dataclass(frozen=True)
class WaitResult:
    """How the wait for one target ended."""

    label: str
    ready: bool
    seconds: float
    attempts: int
    detail: str
    """What answered, or the last error."""
    hint: str | None = None
    exit_code: int = 0
    """0 when it answered; 4 not within the timeout; 3 a bad target; 2 a missing driver."""


@dataclasses.dataclass(frozen=True)
class WaitReport(Result):
    """The outcome of one ``wait``: a result per target, in the order given."""

    results: tuple[WaitResult, ...]
    timeout: float
    interval: float
    derived: ClassVar[tuple[str, ...]] = ("ready", "exit_code")

    @property
    def ready(self) -> bool:
        """Every target answered."""
        return all(r.ready for r in self.results)

    @property
    def exit_code(self) -> int:
        """0 all answered; else 3 (a bad target) before 2 (a missing driver) before 4."""
        failed = {r.exit_code for r in self.results if not r.ready}
        if not failed:
            return EXIT_OK
        for code in (EXIT_CONFIG, EXIT_DEPENDENCY):
            if code in failed:
                return code
        return EXIT_CONNECTION


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


def _final(exc: BaseException) -> bool:
    """Errors waiting will not fix: bad configuration, a missing driver."""
    return isinstance(exc, ConfigError | DependencyError | ImportError)


def _as_error(label: str, exc: BaseException | None, budget_hint: float) -> PitstopError:
    if isinstance(exc, ImportError):
        return missing_module(exc)
    if isinstance(exc, PitstopError):
        return exc
    if isinstance(exc, TimeoutError) or exc is None:
        return ConnectError(f"{label}: no answer within {budget_hint:g} s")
    return ConnectError(f"{label}: {type(exc).__name__}: {exc}")


def wait_one(target: WaitTarget, *, timeout: float, interval: float,
             cancel: threading.Event | None = None, on_retry: OnRetry | None = None
             ) -> WaitResult:
    """Try ``target`` every ``interval`` seconds until it answers or ``timeout``
    (through :func:`pitstop.waiting.wait_until`)."""
    budget = min(MAX_ATTEMPT_SECONDS, timeout)

    def told(attempts: int, exc: BaseException) -> None:
        if on_retry is not None:
            on_retry(target.label, attempts, _as_error(target.label, exc, budget).message)

    waited = wait_until(target.attempt, timeout=timeout, interval=interval, retry=lambda e:
                        not _final(e), cancel=cancel, on_retry=told)
    if waited.ready:
        return WaitResult(target.label, True, waited.seconds, waited.attempts,
                          str(waited.value))
    error = _as_error(target.label, waited.error, budget)
    code = error.exit_code if waited.gave_up else EXIT_CONNECTION
    return WaitResult(target.label, False, waited.seconds, waited.attempts, error.message,
                      error.hint, code)


def wait_for(targets: Sequence[WaitTarget], *, timeout: float = 60.0, interval: float = 1.0,
             cancel: threading.Event | None = None, on_retry: OnRetry | None = None,
             progress: Progress | None = None) -> list[WaitResult]:
    """Wait for every target at once; results in the order given.  ``progress(done,
    total)`` counts the targets whose wait has ended."""
    if timeout <= 0 or interval <= 0:
        raise UsageError(f"cannot wait: the timeout ({timeout:g} s) and the interval "
                         f"({interval:g} s) must be above zero")
    results: list[WaitResult | None] = [None] * len(targets)
    lock = threading.Lock()
    ended = [0]

    def worker(i: int, target: WaitTarget) -> None:
        results[i] = wait_one(target, timeout=timeout, interval=interval, cancel=cancel,
                              on_retry=on_retry)
        if progress is not None:
            with lock:
                ended[0] += 1
                progress(ended[0], len(targets))

    threads = [threading.Thread(target=worker, args=(i, t), daemon=True,
                                name=f"pitstop-wait-{i}")
               for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():  # short joins keep Ctrl-C responsive
            thread.join(0.2)
    return [r for r in results if r is not None]


@recorded("checks", "wait")
def wait(settings: Settings, *, progress: Progress | None = None,
         targets: Sequence[str] = ("database",), timeout: float = 60.0, interval: float = 1.0,
         cancel: threading.Event | None = None, on_retry: OnRetry | None = None
         ) -> WaitReport:
    """Wait until every target answers (default: the database), all at once.

    A target is ``database``, ``redis``, a database/Redis/HTTP URL, ``tcp://HOST:PORT``
    or ``HOST:PORT``.  Each is tried every ``interval`` seconds for up to ``timeout``
    seconds; a missing driver or bad configuration ends its wait at once.  Not
    answering is a result (exit code 4; 3 bad configuration, 2 a missing driver), never
    raised; a target that cannot be understood raises :class:`UsageError` before any
    wait.  ``progress(ended, targets)`` counts the targets whose wait is over,
    ``on_retry`` is told after each failed attempt, and ``cancel`` stops the wait."""
    from pitstop.checks.settings import ChecksSettings

    checks = settings.section(ChecksSettings)
    chosen = tuple(targets) or ("database",)
    resolved = [resolve_target(t, settings, checks) for t in chosen]
    results = wait_for(resolved, timeout=timeout, interval=interval, cancel=cancel,
                       on_retry=on_retry, progress=progress)
    return WaitReport(tuple(results), timeout, interval)
