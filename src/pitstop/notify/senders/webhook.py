"""``kind = "webhook"``: the run's ``to_dict()`` POSTed as JSON, signed.

Headers: ``X-Pitstop-Event`` (failure, recovery, success, start, test),
``X-Pitstop-Delivery`` (a unique id per notification, the same on each retry) and, with
a ``secret``, ``X-Pitstop-Signature: sha256=<hex>``, the HMAC-SHA256 of the exact body
with the secret as key — the receiver recomputes it and compares in constant time."""

from __future__ import annotations

import hashlib
import hmac
import json

from pitstop.notify.message import Message
from pitstop.notify.senders import Answer, Target
from pitstop.notify.senders.http import post


def signature(secret: str, body: bytes) -> str:
    """The ``X-Pitstop-Signature`` value of ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def send_webhook(target: Target, message: Message, /) -> Answer:
    body = json.dumps(message.run, sort_keys=True, default=str).encode("utf-8")
    headers = {"X-Pitstop-Event": message.event,
               "X-Pitstop-Delivery": message.delivery}
    headers = {k: v for k, v in headers.items() if v}
    for key, value in target.spec.headers.items():
        headers[key] = target.value(value, f"headers.{key}", secret=True)
    secret = target.field("secret")
    if secret:
        headers["X-Pitstop-Signature"] = signature(secret, body)
    return post(target, target.field("url"), body, headers)
