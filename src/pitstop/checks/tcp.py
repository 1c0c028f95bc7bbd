"""The ``tcp`` checks: each ``[checks.tcp.NAME] address = "host:port"`` must accept a
connection within its timeout."""

from __future__ import annotations

import socket
import time

from pitstop.checks.base import (
    Check,
    CheckEnv,
    FunctionCheck,
    Observed,
    Probe,
    register,
    timeout_for,
)
from pitstop.errors import ConnectError


def host_port(host: str, port: int) -> str:
    """``host:port``, with an IPv6 address in brackets (``[::1]:25``)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def parse_address(address: str) -> tuple[str, int]:
    """``"host:port"`` or ``"[::1]:port"`` → ``(host, port)``; :class:`ValueError`
    naming the problem otherwise."""
    text = address.strip().removeprefix("tcp://")
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        port_text = rest.removeprefix(":") if sep else ""
    else:
        host, _, port_text = text.rpartition(":")
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"address: expected 'host:port' (e.g. '127.0.0.1:25'), got {address!r}")
    return host, int(port_text)


def connect_tcp(host: str, port: int, timeout: float) -> float:
    """Seconds to open (and close) a TCP connection; :class:`ConnectError` otherwise."""
    started = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return time.perf_counter() - started
    except TimeoutError:
        raise ConnectError(f"{host_port(host, port)}: no answer within {timeout:g} s",
                           hint="is a firewall dropping packets, or the host down?") from None
    except ConnectionRefusedError:
        raise ConnectError(f"{host_port(host, port)}: connection refused",
                           hint="nothing listens on that port: is the service running?") from None
    except OSError as exc:
        raise ConnectError(f"{host_port(host, port)}: {exc.strerror or exc}",
                           hint="check the host name and the network") from None


def probe_tcp(host: str, port: int, timeout: float) -> Probe:
    seconds = connect_tcp(host, port, timeout)
    return Probe(f"{host_port(host, port)} accepts connections",
                 {"connect_time": Observed(round(seconds * 1000, 3), "ms")}, "pass")


def _factory(env: CheckEnv) -> list[Check]:
    checks: list[Check] = []
    for name, cfg in env.checks.tcp.items():
        host, port = parse_address(cfg.address)
        checks.append(FunctionCheck(
            f"tcp.{name}", "tcp", timeout_for(cfg.timeout, env.checks),
            lambda t, h=host, p=port: probe_tcp(h, p, t),  # type: ignore[misc]
        ))
    return checks


register("tcp", _factory)
