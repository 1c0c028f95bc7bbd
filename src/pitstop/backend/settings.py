"""``[backend]``: the app processes pitstop runs behind its nginx gateway, and how it
supervises them (see docs/backend.md)."""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Mapping
from pathlib import Path

from pitstop.config_types import ByteSize, Duration

_APP = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\(\))?$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
DEFAULT_BASE_PORT = 8101


@dataclasses.dataclass(frozen=True)
class AppSpec:
    """One ``[backend.apps.NAME]`` table: an ASGI app run as ``processes`` uvicorn
    processes (or any ``command``) on consecutive ports."""

    app: str = ""
    """The ASGI application as ``module:attribute`` (``app.main:app``), run with
    ``<project python> -m uvicorn``.  Either this or ``command``."""
    command: tuple[str, ...] = ()
    """Any other server as an argv list; ``{port}`` and ``{python}`` (the project's
    interpreter) are replaced, and ``PORT`` is set in its environment."""
    processes: int = 1
    """How many processes, on consecutive ports from ``base_port``."""
    base_port: int | None = None
    """The first process's port; default: 8101 for the first app, and right after the
    previous app's ports (its spare port included) for each later one."""
    spare_port: int | None = None
    """A port kept for rolling restarts: the gateway lists it as a ``backup`` server, and
    a replacement runs there while a process that has no sibling to serve for it is
    restarted.  Default: the port right after the app's processes."""
    route: tuple[str, ...] | str = "/"
    """The gateway location(s) sent to this app (``"/"``, ``["/api/", "/ws/"]``)."""
    health: str = "/health"
    """The HTTP path probed on each process; any 2xx or 3xx answer is healthy."""
    env: Mapping[str, str] = dataclasses.field(default_factory=lambda: types.MappingProxyType({}))
    """Extra environment variables for the app's processes."""
    args: tuple[str, ...] = ()
    """Extra uvicorn arguments (``["--log-level", "warning"]``)."""

    def __post_init__(self) -> None:
        if bool(self.app) == bool(self.command):
            raise ValueError("app: set either app = 'module:attribute' (run with uvicorn) or "
                             "command = [...], not both and not neither")
        if self.app and not _APP.match(self.app):
            raise ValueError(f"app: expected 'module:attribute' such as 'app.main:app', "
                             f"got {self.app!r}")
        if self.processes < 1:
            raise ValueError(f"processes: expected at least 1, got {self.processes}")
        if self.base_port is not None and not 1 <= self.base_port <= 65535:
            raise ValueError(f"base_port: expected a port 1-65535, got {self.base_port}")
        if self.spare_port is not None and not 1 <= self.spare_port <= 65535:
            raise ValueError(f"spare_port: expected a port 1-65535, got {self.spare_port}")
        for route in self.routes:
            if not route.startswith("/") or any(c in route for c in " ;{}'\"\\\n"):
                raise ValueError(f"route: expected a path starting with '/' (no spaces, quotes "
                                 f"or ';'), got {route!r}")
        if not self.health.startswith("/"):
            raise ValueError(f"health: expected a path starting with '/', got {self.health!r}")

    @property
    def routes(self) -> tuple[str, ...]:
        return (self.route,) if isinstance(self.route, str) else self.route


@dataclasses.dataclass(frozen=True)
class BackendSettings:
    """``[backend]``: the gateway, the supervision rules, and ``[backend.apps.NAME]``."""

    before: tuple[str, ...] = ()
    """Tasks or workflows run before the processes start (``["generate"]``); a failure
    stops the start."""
    gateway_host: str = "127.0.0.1"
    """The address nginx listens on (``0.0.0.0`` for every interface)."""
    gateway_port: int = 8000
    """The port nginx listens on."""
    nginx: Path | None = None
    """The nginx binary; default: ``nginx`` on ``PATH``, then ``/usr/sbin/nginx``."""
    apps: Mapping[str, AppSpec] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({}))
    """The apps: ``[backend.apps.NAME]`` tables."""
    health_interval: Duration = 2.0
    """How often each process is probed on its health path."""
    health_timeout: Duration = 2.0
    """How long one health probe may take."""
    failure_threshold: int = 3
    """Failed probes in a row that take a healthy process out of the gateway and restart it."""
    start_timeout: Duration = 30.0
    """How long a process may take to answer its health path after it starts."""
    stop_timeout: Duration = 10.0
    """Grace between SIGTERM and SIGKILL when stopping a process (also uvicorn's
    ``--timeout-graceful-shutdown``, so open WebSockets do not hold it forever)."""
    restart_backoff: Duration = 0.5
    """The first delay before restarting a process that exited; doubled each time it
    exits again without having become healthy, up to ``restart_backoff_max``."""
    restart_backoff_max: Duration = 30.0
    """The longest delay between restarts."""
    flap_count: int = 5
    """A process that exits this many times within ``flap_window`` is marked failed and
    left stopped."""
    flap_window: Duration = 60.0
    """The window of ``flap_count``."""
    client_max_body_size: ByteSize = 10 * 1000 * 1000
    """The largest request body nginx accepts."""
    proxy_read_timeout: Duration = 60.0
    """How long nginx waits for an app's answer (WebSocket locations: for a message)."""
    log_max_size: ByteSize = 10 * 1000 * 1000
    """A process log file rotates when it reaches this size."""
    log_backups: int = 3
    """Rotated log files kept per process."""

    def __post_init__(self) -> None:
        if not 1 <= self.gateway_port <= 65535:
            raise ValueError(f"gateway_port: expected a port 1-65535, got {self.gateway_port}")
        for name in self.apps:
            if not _NAME.match(name):
                raise ValueError(f"apps: app name {name!r}: use letters, digits, '-' and '_'")
        for key in ("failure_threshold", "flap_count"):
            if getattr(self, key) < 1:
                raise ValueError(f"{key}: expected at least 1, got {getattr(self, key)}")
        for key in ("health_interval", "health_timeout", "start_timeout"):
            if getattr(self, key) <= 0:
                raise ValueError(f"{key}: expected a duration above zero such as '2s'")
        if self.log_backups < 0:
            raise ValueError("log_backups: expected 0 or more")
