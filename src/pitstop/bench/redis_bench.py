"""SET/GET throughput and latency percentiles against Redis or Dragonfly.

Like ``redis-benchmark``: ``clients`` connections each keep ``pipeline`` requests in
flight until ``requests`` have been answered; a request's latency runs from sending
its batch to the poll that found its own reply complete (time the client spends on
other connections' replies is not charged to it).  One thread drives every connection
through ``selectors`` with pre-encoded commands, so the client costs little next to
the server.  The benchmark key is deleted afterwards.

The verb is :func:`redis` (``pitstop bench redis``).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import select
import selectors
import socket
import ssl
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from pitstop.bench.resp import ReplyCounter, encode
from pitstop.capability import Progress, Result, recorded
from pitstop.errors import EXIT_ERROR, ConfigError, ConnectError, UsageError
from pitstop.redact import mask_url

if TYPE_CHECKING:
    from pitstop.config import Settings

log = logging.getLogger("pitstop.bench")

OPS = ("SET", "GET")


@dataclasses.dataclass(frozen=True)
class OpResult(Result):
    """One operation's figures: throughput, latency percentiles, failed requests."""

    op: str
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    first_error: str | None = None
    """The first error reply, when some requests failed."""

    @property
    def ops_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def data(self) -> dict[str, Any]:
        """Rounded as people read them: seconds to 0.1 ms, latencies to 1 µs."""
        return {"op": self.op, "requests": self.requests, "seconds": round(self.seconds, 4),
                "ops_per_second": round(self.ops_per_second, 1),
                "p50_ms": round(self.p50_ms, 3), "p95_ms": round(self.p95_ms, 3),
                "p99_ms": round(self.p99_ms, 3), "max_ms": round(self.max_ms, 3),
                "errors": self.errors, "first_error": self.first_error}


@dataclasses.dataclass(frozen=True)
class BenchReport(Result):
    """What :func:`redis` measured (``target`` is the URL with its password masked)."""

    target: str
    server: str
    version: str
    clients: int
    pipeline: int
    requests: int
    data_size: int
    results: tuple[OpResult, ...]

    @property
    def exit_code(self) -> int:
        """1 when the server answered some requests with errors, else 0."""
        return EXIT_ERROR if any(r.errors for r in self.results) else 0


@dataclasses.dataclass(frozen=True)
class _Target:
    host: str
    port: int
    password: str | None
    username: str | None
    db: int
    tls: bool = False
    ca_certs: str | None = None
    verify: bool = True


def _parse(url: str) -> _Target:
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ConfigError(f"unsupported Redis URL {mask_url(url)!r}: expected "
                          "redis://[:PASSWORD@]HOST:PORT/DB or rediss://…", key="redis_url")
    query = parse_qs(parts.query)
    path = parts.path.strip("/")
    if path and not path.isdigit():
        raise ConfigError(f"{mask_url(url)}: the database must be a number", key="redis_url")
    try:
        port = parts.port or 6379
    except ValueError:
        raise ConfigError(f"{mask_url(url)}: bad port", key="redis_url") from None
    return _Target(parts.hostname or "localhost", port,
                   unquote(parts.password) if parts.password else None,
                   unquote(parts.username) if parts.username else None, int(path or 0),
                   tls=parts.scheme == "rediss",
                   ca_certs=query.get("ssl_ca_certs", [None])[0],
                   verify=query.get("ssl_cert_reqs", ["required"])[0].lower() != "none")


def _wrap_tls(sock: socket.socket, target: _Target, where: str) -> socket.socket:
    context = ssl.create_default_context(cafile=target.ca_certs)
    if not target.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        return context.wrap_socket(sock, server_hostname=target.host)
    except (ssl.SSLError, OSError) as exc:
        sock.close()
        raise ConnectError(f"{where}: TLS handshake failed: {exc}",
                           hint="use redis:// if the server does not speak TLS; pass "
                                "?ssl_ca_certs=PATH (or ?ssl_cert_reqs=none) for a private CA"
                           ) from None


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank) of already sorted values."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), math.ceil(pct / 100 * len(sorted_values))))
    return sorted_values[rank - 1]


class _Conn:
    __slots__ = ("counter", "outstanding", "sent_at", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.counter = ReplyCounter()
        self.outstanding = 0
        self.sent_at = 0.0


def _call(sock: socket.socket, where: str, *args: str) -> None:
    """A blocking command during set-up; its error as a pitstop error."""
    sock.sendall(encode(*args))
    counter = ReplyCounter()
    while not counter.feed(sock.recv(65536) or b"-ERR connection closed by server\r\n"):
        pass
    if counter.first_error:
        text = counter.first_error
        if text.startswith(("NOAUTH", "WRONGPASS", "ERR invalid password", "ERR AUTH")):
            raise ConnectError(f"{where}: authentication failed: {text}",
                               hint="set the password in the URL: redis://:***@HOST:PORT/DB")
        raise ConnectError(f"{where}: {args[0]} failed: {text}")


def _connect(target: _Target, timeout: float) -> socket.socket:
    where = f"Redis at {target.host}:{target.port}"
    try:
        sock = socket.create_connection((target.host, target.port), timeout=timeout)
    except OSError as exc:
        raise ConnectError(f"cannot connect to {where}: {exc.strerror or exc}",
                           hint="is the server running and the URL right?") from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if target.tls:
        sock = _wrap_tls(sock, target, where)
    try:
        if target.password is not None:
            creds = [target.username, target.password] if target.username else [target.password]
            _call(sock, where, "AUTH", *creds)
        if target.db:
            _call(sock, where, "SELECT", str(target.db))
        _call(sock, where, "PING")
    except TimeoutError:
        sock.close()
        raise ConnectError(f"{where}: no answer within {timeout:g} s") from None
    except OSError as exc:
        sock.close()
        raise ConnectError(f"{where}: {exc.strerror or exc}") from None
    except BaseException:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def _run_op(conns: list[_Conn], command: bytes, reply: bytes, pipeline: int, requests: int,
            op: str, timeout: float, report: Progress | None = None, base: int = 0,
            total: int | None = None) -> OpResult:
    selector = selectors.DefaultSelector()
    latencies: list[float] = []
    full_batch = command * pipeline
    issued = 0
    answered = 0
    for each in conns:
        each.counter = ReplyCounter(reply)

    def send(conn: _Conn) -> None:
        nonlocal issued
        n = min(pipeline, requests - issued)
        if n <= 0:
            return
        conn.sent_at = time.perf_counter()
        _send_all(conn.sock, full_batch if n == pipeline else command * n, timeout)
        conn.outstanding = n
        issued += n

    step = max(1, requests // 100)  # about a hundred progress calls per operation
    next_report = step
    started = time.perf_counter()
    for each in conns:
        selector.register(each.sock, selectors.EVENT_READ, each)
        send(each)
    try:
        while answered < requests:
            if report is not None and answered >= next_report:
                report(base + answered, total)
                next_report = answered + step
            events = selector.select(timeout)
            arrived = time.perf_counter()  # every ready reply was there by now
            if not events:
                raise ConnectError(f"the server stopped answering during {op} "
                                   f"({answered}/{requests} done)")
            for key, _mask in events:
                conn: _Conn = key.data
                data = _recv(conn.sock)
                if data is None:
                    continue
                if not data:
                    raise ConnectError(f"the server closed a connection during {op}")
                done = conn.counter.feed(data)
                if not done:
                    continue
                conn.outstanding -= done
                answered += done
                latencies.extend([arrived - conn.sent_at] * done)
                if conn.outstanding <= 0:
                    send(conn)
        seconds = time.perf_counter() - started
    finally:
        selector.close()
    latencies.sort()
    errors = sum(c.counter.errors for c in conns)
    first = next((c.counter.first_error for c in conns if c.counter.first_error), None)
    for each in conns:
        each.counter = ReplyCounter()
    return OpResult(op, requests, seconds, errors,
                    percentile(latencies, 50) * 1000, percentile(latencies, 95) * 1000,
                    percentile(latencies, 99) * 1000, (latencies[-1] if latencies else 0) * 1000,
                    first)


def _recv(sock: socket.socket) -> bytes | None:
    """What arrived (``b""`` when closed, ``None`` when a TLS record is incomplete)."""
    try:
        data = sock.recv(262144)
    except ssl.SSLWantReadError:
        return None
    if isinstance(sock, ssl.SSLSocket):
        while sock.pending():  # decrypted bytes the selector cannot see
            data += sock.recv(sock.pending())
    return data


def _send_all(sock: socket.socket, data: bytes, timeout: float) -> None:
    view = memoryview(data)
    while view:
        try:
            sent = sock.send(view)
        except (BlockingIOError, ssl.SSLWantWriteError):
            select.select([], [sock], [], timeout)
            continue
        except ssl.SSLWantReadError:
            select.select([sock], [], [], timeout)
            continue
        view = view[sent:]


@recorded("bench", "redis")
def redis(settings: Settings, *, progress: Progress | None = None, url: str | None = None,
          requests: int = 100_000, clients: int = 50, pipeline: int = 1, data_size: int = 3,
          ops: Sequence[str] = OPS, timeout: float = 10.0) -> BenchReport:
    """Benchmark ``ops`` (SET, GET) against the server at ``url`` (default the
    settings' ``redis_url``): ``clients`` connections each keep ``pipeline`` requests
    in flight until ``requests`` per operation have been answered.

    ``progress(done, total)`` counts answered requests over every operation.  A server
    that answers some requests with errors is a result (``exit_code`` 1); one that
    cannot be reached or stops answering raises :class:`~pitstop.errors.ConnectError`.
    """
    target_url = url or settings.redis_url
    if not target_url:
        raise ConfigError("no Redis URL is configured", key="redis_url",
                          hint="pass the server's URL (redis://HOST:PORT/DB), or set "
                               "REDIS_URL or redis_url in pitstop.toml")
    if requests < 1 or clients < 1 or pipeline < 1 or data_size < 0:
        raise UsageError("the number of requests, clients and the pipeline depth must each "
                         "be at least 1 (the value size at least 0)")
    choices = ", ".join(o.lower() for o in OPS)
    unknown = [op for op in ops if op.upper() not in OPS]
    if unknown:
        raise UsageError(f"unknown operation {unknown[0]!r}",
                         hint=f"choose from {choices}")
    if not ops:
        raise UsageError("no operation to run", hint=f"choose from {choices}")
    from pitstop.checks.redis import server_info, server_name

    _rtt, info = server_info(target_url, timeout)
    server, version = server_name(info)
    target = _parse(target_url)
    key = f"pitstop:bench:{uuid.uuid4().hex[:12]}"
    value = b"x" * data_size
    clients = min(clients, requests)
    total = requests * len(ops)
    conns: list[_Conn] = []
    try:
        for _ in range(clients):
            conns.append(_Conn(_connect(target, timeout)))
        results = []
        for index, op in enumerate(o.upper() for o in ops):
            if op == "SET":
                command, reply = encode("SET", key, value), b"+OK\r\n"
            else:
                command, reply = encode("GET", key), b"$%d\r\n%s\r\n" % (len(value), value)
            log.info("%s: %d requests, %d clients, pipeline %d", op, requests, clients,
                     pipeline)
            results.append(_run_op(conns, command, reply, pipeline, requests, op, timeout,
                                   progress, index * requests, total))
            if progress is not None:
                progress((index + 1) * requests, total)
    finally:
        for conn in conns:
            conn.sock.close()
        _cleanup(target_url, key, timeout)
    return BenchReport(mask_url(target_url), server, version, clients, pipeline, requests,
                       data_size, tuple(results))


def _cleanup(url: str, key: str, timeout: float) -> None:
    from pitstop.checks.redis import redis_client

    try:
        client = redis_client(url, timeout)
        try:
            client.delete(key)
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - cleanup of a scratch key must not hide the result
        pass
