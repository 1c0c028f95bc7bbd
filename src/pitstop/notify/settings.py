"""``[notify.NAME]``: where to send what about which runs."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, Literal

from pitstop.config_types import Duration

Event = Literal["failure", "recovery", "success", "start"]
Kind = Literal["webhook", "slack", "email"]


@dataclasses.dataclass(frozen=True)
class NotifySpec:
    """One ``[notify.NAME]`` table.  Every string value may use ``${VAR}`` (or
    ``${VAR:-default}``), read from the environment when a notification is sent; the
    URL, secret, password and header values are masked in every output."""

    named_tables: ClassVar[bool] = True

    kind: Kind = "webhook"
    """``webhook`` (a JSON POST, signed), ``slack`` (an incoming webhook) or ``email``."""
    url: str = ""
    """Where to POST (``webhook``, ``slack``)."""
    secret: str = ""
    """``webhook``: the key of the HMAC-SHA256 signature in ``X-Pitstop-Signature``."""
    headers: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({}))
    """``webhook``: extra request headers (an ``Authorization`` token …)."""
    on: tuple[Event, ...] = ("failure", "recovery")
    """Which events: ``failure``, ``recovery`` (the first success after a failure of
    the same workflow), ``success``, ``start``."""
    workflows: tuple[str, ...] = ()
    """Only runs of these workflows or tasks (with ``capabilities`` empty too: every run)."""
    capabilities: tuple[str, ...] = ()
    """Only commands of these capabilities (``backup``, ``migrate`` …)."""
    host: str = ""
    """``email``: the SMTP server."""
    port: int | None = None
    """``email``: its port (default 587 with ``starttls``, 465 with ``tls``, 25 with ``none``)."""
    security: Literal["starttls", "tls", "none"] = "starttls"
    """``email``: ``starttls`` (upgrade the connection), ``tls`` (TLS from the start),
    ``none`` (plain, for a relay on the same machine)."""
    username: str = ""
    """``email``: the login (none: no authentication)."""
    password: str = ""
    """``email``: the login's password."""
    sender: str = dataclasses.field(default="", metadata={"toml": "from"})
    """``email``: the From address (written ``from = "…"``)."""
    to: tuple[str, ...] = ()
    """``email``: the recipients."""
    ca_file: Path | None = None
    """A CA bundle to trust for TLS (a private CA); default: the system's."""
    timeout: Duration = 10.0
    """How long one attempt may take."""
    retries: int = 2
    """Attempts after a failed one (connection errors, timeouts, HTTP 429/5xx, SMTP 4xx)."""
    backoff: Duration = 1.0
    """The wait before the first retry; it doubles for each next one."""
    log_lines: int = 20
    """How many of the failed task's last log lines a Slack message or an email shows."""
    enabled: bool = True
    """``false`` keeps the table but sends nothing."""

    def __post_init__(self) -> None:
        if self.kind in ("webhook", "slack") and not self.url:
            raise ValueError(f"url: required for kind = '{self.kind}'")
        if self.kind == "email":
            if not self.host:
                raise ValueError("host: required for kind = 'email' (the SMTP server)")
            if not self.to:
                raise ValueError("to: required for kind = 'email' (a list of addresses)")
            if not self.sender:
                raise ValueError("from: required for kind = 'email' (the sender address)")
        if not self.on:
            raise ValueError("on: name at least one event (failure, recovery, success, start)")
        if self.retries < 0:
            raise ValueError("retries: expected a number >= 0")
        if self.log_lines < 0:
            raise ValueError("log_lines: expected a number >= 0")
        if self.timeout <= 0:
            raise ValueError("timeout: expected a duration above zero")
        if self.port is not None and not 0 < self.port < 65536:
            raise ValueError(f"port: expected 1-65535, got {self.port}")
        from pitstop.redact import register_secret

        for value in (self.url, self.secret, self.password, *self.headers.values()):
            if value and "${" not in value:
                register_secret(value)  # masked wherever it would be shown

    def wants(self, *, kind: str, target: str, capability: str | None) -> bool:
        """Whether a run of ``target`` passes the filters."""
        if not self.workflows and not self.capabilities:
            return True
        if kind == "verb":
            return capability in self.capabilities
        return target in self.workflows
