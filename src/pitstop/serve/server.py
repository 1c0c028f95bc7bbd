"""Checks before listening, then uvicorn.

``pitstop serve`` refuses to start — before binding anything — when no admin exists
(saying how to create one), when it would listen on anything but loopback without TLS
or a trusted proxy in front, or when the TLS files cannot be read.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
from typing import TYPE_CHECKING, Any

from pitstop.errors import ConfigError, UsageError
from pitstop.serve.settings import ServeSettings

if TYPE_CHECKING:
    from pitstop.config import Settings

log = logging.getLogger("pitstop.serve")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only ever answers this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(conf: ServeSettings) -> None:
    """Refuse a non-loopback address unless TLS or ``behind_proxy`` is set."""
    if is_loopback(conf.host) or conf.tls_cert is not None or conf.behind_proxy:
        return
    raise UsageError(
        f"refusing to listen on {conf.host}: that address is reachable from other "
        "machines, and passwords and session cookies would cross the network in clear "
        "text",
        hint="serve HTTPS with [serve] tls_cert and tls_key, or put a TLS-terminating "
             "proxy in front and set [serve] behind_proxy = true, or listen on 127.0.0.1")


def check_tls(conf: ServeSettings) -> None:
    for name in ("tls_cert", "tls_key"):
        path = getattr(conf, name)
        if path is not None and not path.is_file():
            raise ConfigError(f"{path} is not a readable file", key=f"serve.{name}",
                              hint="give the PEM file's path")


def check_admin(settings: Settings) -> None:
    """Refuse to start while the state store has no admin."""
    from pitstop.redact import mask_url
    from pitstop.state.accounts import Accounts
    from pitstop.state.store import StateStore

    with StateStore.open(settings.state.url) as store:
        admins = Accounts(store.engine).count_role("admin")
    if admins == 0:
        raise ConfigError(
            f"no admin user in the state store {mask_url(settings.state.url)}: nobody could "
            "manage users or restore from the web page",
            hint="create one with `pitstop user add NAME --role admin` (there is no default "
                 "account), then start `pitstop serve` again")


def server_config(settings: Settings, conf: ServeSettings, *, scheduler: bool = True) -> Any:
    """The uvicorn configuration for ``conf`` (after every check); with ``scheduler``
    the project's schedules fire inside the server."""
    import uvicorn

    from pitstop.serve.app import create_app

    check_bind(conf)
    check_tls(conf)
    check_admin(settings)
    options: dict[str, Any] = {}
    if conf.tls_cert is not None:
        options.update(ssl_certfile=str(conf.tls_cert), ssl_keyfile=str(conf.tls_key))
    return uvicorn.Config(
        create_app(settings, scheduler=scheduler), host=conf.host, port=conf.port,
        proxy_headers=conf.behind_proxy,
        forwarded_allow_ips=list(conf.forwarded_allow_ips) if conf.behind_proxy else [],
        server_header=False, log_config=None, access_log=True, timeout_graceful_shutdown=5,
        **options)


def _share_log_handlers() -> None:
    """uvicorn's messages and access log go where pitstop's go, in its format."""
    ours = logging.getLogger("pitstop")
    for name, task in (("uvicorn.error", "serve"), ("uvicorn.access", "http")):
        theirs = logging.getLogger(name)
        theirs.handlers = list(ours.handlers)
        theirs.setLevel(ours.level)
        theirs.propagate = False
        theirs.filters = [_Tag(task)]


class _Tag(logging.Filter):
    """Shows uvicorn's lines as ``[serve]`` and ``[http]`` in pitstop's log format."""

    def __init__(self, task: str) -> None:
        super().__init__()
        self.task = task

    def filter(self, record: logging.LogRecord) -> bool:
        record.task = self.task
        return True


def serve(settings: Settings, *, scheduler: bool | None = None, **overrides: Any) -> None:
    """Serve ``settings``' project until interrupted; ``overrides`` replace
    ``[serve]`` settings (``host``, ``port``, ``behind_proxy``, ``tls_cert``, ``tls_key``).
    ``scheduler`` (default: ``[serve] scheduler``) fires the project's schedules in
    the server too."""
    try:
        import uvicorn
    except ImportError as exc:
        from pitstop.serve.passwords import missing_extra

        raise missing_extra("pitstop serve", exc) from exc
    conf = dataclasses.replace(settings.section(ServeSettings),
                               **{k: v for k, v in overrides.items() if v is not None})
    config = server_config(settings, conf,
                           scheduler=conf.scheduler if scheduler is None else scheduler)
    _share_log_handlers()
    scheme = "https" if conf.tls_cert is not None else "http"
    log.info("serving %s on %s://%s:%d", settings.project_dir, scheme, conf.host, conf.port)
    _server(uvicorn.Server)(config).run()


def _server(base: Any) -> Any:
    """uvicorn's server, stopping cleanly on Ctrl-C or SIGTERM and then returning
    (exit 0) instead of raising the signal again: stopping the page is no error."""
    import contextlib
    from collections.abc import Iterator

    class Server(base):  # type: ignore[misc]
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                try:
                    yield
                finally:
                    self._captured_signals.clear()

    return Server
