"""``[serve]``: where the web page listens and how it guards its sessions.

Every default lives here.  Example::

    [serve]
    host = "127.0.0.1"
    port = 8765
    behind_proxy = false       # a TLS-terminating proxy in front (nginx, Caddy …)
    session_idle = "30m"
    session_max = "12h"
    login_attempts = 5
    scheduler = true           # fire [schedules] inside the server (--no-scheduler)
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pitstop.schema import Duration


@dataclasses.dataclass(frozen=True)
class ServeSettings:
    """The ``[serve]`` table of ``pitstop.toml``."""

    host: str = "127.0.0.1"
    """Address to listen on.  Anything but loopback needs TLS (``tls_cert`` and
    ``tls_key``) or ``behind_proxy``."""
    port: int = 8765
    """Port to listen on."""
    behind_proxy: bool = False
    """A reverse proxy terminates TLS in front of pitstop: its ``X-Forwarded-For`` and
    ``X-Forwarded-Proto`` headers are believed (from ``forwarded_allow_ips``), and
    cookies are ``Secure`` when it says the request came over HTTPS."""
    forwarded_allow_ips: tuple[str, ...] = ("127.0.0.1",)
    """Proxies whose forwarded headers are believed when ``behind_proxy`` is on."""
    tls_cert: Path | None = None
    """PEM certificate to serve HTTPS with (with ``tls_key``)."""
    tls_key: Path | None = None
    """PEM private key of ``tls_cert``."""
    session_idle: Duration = 1800.0
    """A session unused this long ends (the user logs in again)."""
    session_max: Duration = 43200.0
    """A session ends this long after login, however busy."""
    login_attempts: int = 5
    """Failed logins of one user within ``login_window`` that lock the user out."""
    address_attempts: int = 20
    """Failed logins from one address within ``login_window`` that lock the address out."""
    login_window: Duration = 900.0
    """The window failed logins are counted in."""
    lockout: Duration = 900.0
    """How long a locked-out user or address waits after the last failure."""
    page_size: int = 50
    """Runs and audit entries per page."""
    scheduler: bool = True
    """Fire the project's ``[schedules]`` inside the web server (like ``pitstop schedule
    run`` beside it); false, or ``pitstop serve --no-scheduler``, leaves that to a
    separate scheduler.  Several schedulers on one state store never run a firing
    twice."""
    metrics_public: bool = True
    """``/metrics`` answers without logging in (for Prometheus); false: it needs a
    session or an API token like the JSON API."""

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"port: expected 1-65535, got {self.port}")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key: give both or neither")
        for name in ("login_attempts", "address_attempts", "page_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: expected 1 or more, got {getattr(self, name)}")
        if self.session_idle <= 0 or self.session_max <= 0:
            raise ValueError("session_idle and session_max: expected durations above zero")
