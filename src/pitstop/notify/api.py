"""The ``notify`` verbs: list the notification targets, send a test."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from pitstop.capability import Progress, Result, recorded
from pitstop.config import Settings
from pitstop.errors import EXIT_CONNECTION, EXIT_ERROR, ConfigError
from pitstop.notify.settings import NotifySpec


@dataclasses.dataclass(frozen=True)
class NotifierInfo:
    """One ``[notify.NAME]`` table as lists show it (secrets masked)."""

    name: str
    kind: str
    to: str
    """The receiver: the URL's scheme and host, or the email addresses."""
    on: tuple[str, ...]
    workflows: tuple[str, ...]
    capabilities: tuple[str, ...]
    enabled: bool


@dataclasses.dataclass(frozen=True)
class NotifierList(Result):
    notifiers: tuple[NotifierInfo, ...]


@dataclasses.dataclass(frozen=True)
class NotifyTestResult(Result):
    """What ``pitstop notify test NAME`` sent and what came back."""

    notifier: str
    kind: str
    sent: bool
    attempts: int
    response: str | None
    error: str | None
    answered: bool

    @property
    def exit_code(self) -> int:
        if self.sent:
            return 0
        return EXIT_ERROR if self.answered else EXIT_CONNECTION


def _receiver(spec: NotifySpec) -> str:
    if spec.kind == "email":
        return ", ".join(spec.to)
    if "${" in spec.url:
        return spec.url  # the variable's name, not its value
    from urllib.parse import urlsplit

    parts = urlsplit(spec.url)
    return f"{parts.scheme}://{parts.hostname or ''}/…"


def _tables(settings: Settings) -> Mapping[str, NotifySpec]:
    return settings.tables(NotifySpec)


def list_notifiers(settings: Settings, *, progress: Progress | None = None) -> NotifierList:
    """Every ``[notify.NAME]`` table: kind, receiver (masked), events and filters."""
    return NotifierList(tuple(
        NotifierInfo(name, spec.kind, _receiver(spec), spec.on, spec.workflows,
                     spec.capabilities, spec.enabled)
        for name, spec in _tables(settings).items()))


@recorded("notify", "test")
def test_notifier(settings: Settings, *, progress: Progress | None = None,
                  name: str) -> NotifyTestResult:
    """Send a sample notification to ``[notify.NAME]`` (with its retries) and report
    what the receiver answered; recorded like any notification."""
    from pitstop.notify.observer import notify
    from pitstop.state.store import StateStore

    tables = _tables(settings)
    spec = tables.get(name)
    if spec is None:
        raise ConfigError(f"no notification target named '{name}'",
                          hint=f"this project has: {', '.join(tables)}" if tables
                          else "targets are [notify.NAME] tables in pitstop.toml")
    with StateStore.open(settings.state.url) as store:
        delivery = notify(settings, store, name, spec, "test", None)
    if delivery.misconfigured:
        raise ConfigError(delivery.error or "cannot be used", hint="set the variable in the "
                          "environment (or .env)")
    return NotifyTestResult(name, spec.kind, delivery.sent, delivery.attempts,
                            delivery.response, delivery.error, delivery.answered)
