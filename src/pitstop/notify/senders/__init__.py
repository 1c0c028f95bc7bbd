"""One module per kind of receiver, each a :class:`Sender`; :func:`sender` picks one."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Protocol

from pitstop.errors import ConfigError
from pitstop.notify.message import Message
from pitstop.notify.settings import NotifySpec

SECRET_FIELDS = ("url", "secret", "password")


@dataclasses.dataclass(frozen=True)
class Target:
    """A ``[notify.NAME]`` table with the environment its ``${VAR}`` values come from."""

    name: str
    spec: NotifySpec
    environ: Mapping[str, str]

    def value(self, text: str, key: str, *, secret: bool = False) -> str:
        """``text`` with ``${VAR}`` resolved; a variable that is not set is a
        ConfigError naming the table and key.  Secret values are masked from now on."""
        from pitstop.config_env import expand_env
        from pitstop.redact import register_secret

        try:
            value = expand_env(text, self.environ)
        except KeyError as exc:
            raise ConfigError(f"uses ${{{exc.args[0]}}}, which is not set",
                              key=f"notify.{self.name}.{key}",
                              hint="set the variable in the environment (or .env)") from None
        if secret:
            register_secret(value)
        return value

    def field(self, key: str) -> str:
        value = getattr(self.spec, key)
        return self.value(value, key, secret=key in SECRET_FIELDS)


@dataclasses.dataclass(frozen=True)
class Answer:
    """How one attempt went."""

    ok: bool
    response: str
    """What the receiver answered (``HTTP 200: ok``, ``250 2.0.0 queued``), or why
    nothing was answered."""
    retry: bool = False
    """Whether another attempt may succeed (connection trouble, 429/5xx, SMTP 4xx)."""
    answered: bool = True
    """Whether the receiver answered at all."""


class Sender(Protocol):
    def __call__(self, target: Target, message: Message, /) -> Answer: ...


def sender(kind: str) -> Sender:
    """The sender of ``kind`` (``webhook``, ``slack``, ``email``)."""
    if kind == "webhook":
        from pitstop.notify.senders.webhook import send_webhook

        return send_webhook
    if kind == "slack":
        from pitstop.notify.senders.slack import send_slack

        return send_slack
    if kind == "email":
        from pitstop.notify.senders.email import send_email

        return send_email
    raise KeyError(f"no sender for kind {kind!r}")  # the settings' Literal prevents this
