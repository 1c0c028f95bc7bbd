"""Masking of secrets in every line that leaves the process.

Passwords in URLs (``postgresql://user:secret@host`` → ``postgresql://user:***@host``)
are masked by pattern; other known secret values (tokens from the environment or
config) are registered with :func:`register_secret` and replaced wherever they occur.
"""

from __future__ import annotations

import re
import threading
from typing import Any

_URL_PASSWORD = re.compile(
    # the password runs to the last '@' before the host, so that an unencoded '@' in
    # it ("u:p@ss@host") does not leave part of it visible
    # (a scheme starts only where a word starts: without the look-behind a long run of
    # letters is tried from every position, which is quadratic)
    r"(?<![a-zA-Z0-9+.\-])(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/@\s\"'<>\\]*):"
    r"(?P<pw>[^\s/\"'<>\\]+)@"
)
_QUERY_SECRET = re.compile(
    r"(?P<key>[?&](?:password|passwd|pwd|token|access_token|secret|api_key|apikey|sslpassword)=)"
    # the value ends where the query value ends ('&', '#', a space, a quote …); punctuation
    # that closes the sentence around a URL ("(…?password=x)", "…?password=x: refused")
    # is left in place
    r"(?P<value>[^&\s#\"'<>,;\\]+?)(?=[.:!?)\]}]{0,4}(?:[&\s#\"'<>,;\\]|\Z))",
    re.IGNORECASE,
)
MASK = "***"

_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Mask ``value`` wherever it appears from now on (values under 4 chars are ignored)."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def url_password(url: str) -> str | None:
    """The password part of ``scheme://user:password@host…`` (percent-decoded), if any."""
    from urllib.parse import unquote

    match = _URL_PASSWORD.search(url)
    return unquote(match["pw"]) if match else None


def url_secrets(url: str) -> list[str]:
    """Every secret in ``url``: the password and password-like query values, each
    percent-decoded and as written (for :func:`register_secret`)."""
    from urllib.parse import unquote

    raw: list[str] = []
    match = _URL_PASSWORD.search(url)
    if match:
        raw.append(match["pw"])
    raw += [m["value"] for m in _QUERY_SECRET.finditer(url)]
    found: dict[str, None] = {}
    for value in raw:
        found.setdefault(unquote(value))
        found.setdefault(value)
    return list(found)


def mask_url(url: str) -> str:
    """Return ``url`` with its password (and password-like query values) masked."""
    url = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", url)
    return _QUERY_SECRET.sub(lambda m: f"{m['key']}{MASK}", url)


def redact(text: str) -> str:
    """Mask URL passwords and every registered secret in ``text``."""
    if not text:
        return text
    text = mask_url(text)
    if _secrets:
        with _lock:
            secrets = sorted(_secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
    return text


_SECRET_KEY = re.compile(r"pass(word|wd)?$|pwd$|secret|token|api_?key|private_key|credential",
                         re.IGNORECASE)


def is_secret_key(key: str) -> bool:
    """Whether a mapping key names a secret (``password``, ``api_key``, ``token`` …)."""
    return bool(_SECRET_KEY.search(key))


def redact_data(value: Any) -> Any:
    """``value`` (JSON-ready data) with every string redacted and the string values of
    secret-named keys (``password``, ``token`` …) replaced by the mask."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: (MASK if isinstance(value_, str) and value_ and isinstance(key, str)
                      and is_secret_key(key) else redact_data(value_))
                for key, value_ in value.items()}
    if isinstance(value, list):
        return [redact_data(item) for item in value]
    return value
