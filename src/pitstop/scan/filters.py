"""Filters that decide whether a regex match is a secret: entropy, placeholders,
identifiers, inline markers.

The generic rules (``password = "…"`` and friends) see far more look-alikes than the
provider rules with fixed prefixes, so they pass through :func:`generic_reason` too.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from pitstop.scan.placeholder import placeholder_reason

INLINE_MARKERS = ("pitstop:allow", "gitleaks:allow", "pragma: allowlist secret")
"""Comments that mark a line as an accepted secret (ours, gitleaks', detect-secrets')."""


def shannon_entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    if not value:
        return 0.0
    total = len(value)
    # max(): one repeated character sums to -0.0, which would print as '-0.00'
    return max(0.0, -sum((n / total) * math.log2(n / total) for n in Counter(value).values()))


def inline_marker(line: str) -> str | None:
    """The inline allow marker on ``line``, if any."""
    for marker in INLINE_MARKERS:
        if marker in line:
            return marker
    return None


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_HASHLIKE = re.compile(r"^(?:sha\d+[-:])?(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$",
                       re.I)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z_.]*$|^[A-Za-z]+(?:[-_.:/][A-Za-z]+)+$"
                         r"|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*){2,}$")  # a dotted module path
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?")
NAME_STOPWORDS = (
    "next", "continuation", "pagination", "page_token", "pagetoken", "purchasetoken",
    "verificationtoken", "csrf", "xsrf", "lastused", "last_used", "tokenizer", "token_type",
    "tokentype", "max_token", "maxtoken", "token_url", "tokenurl", "_uri", "_url", "path",
    "file", "prompt", "placeholder", "label", "hint", "format", "pattern", "regex",
    "length", "policy", "expir", "_name", "header",
)
"""Substrings of the assigned name that mean the value is not a secret."""
_CAMEL_OR_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:[_.\-][a-z0-9]+)+$|^[a-z]+(?:[A-Z][a-z0-9]+)+$")
_PATHLIKE = re.compile(r"^(?:[.~]?/|[A-Za-z]:\\|\w+://)")
_REPEATED = re.compile(r"^(.)\1+$|^(..)\2+$|^(...)\3+$")
_WORD_AND_NUMBER = re.compile(r"^(?:[a-z]{6,}|[A-Z]{6,})\d{1,4}$")
"""``webdavpassword1``: a made-up word with a number appended (random text of one case
scatters its digits)."""
_NUMBER_ONLY = re.compile(r"^[0-9.\-_:]+$")
_FORMAT_SPEC = re.compile(r"%\(?\w*\)?[sdr]|\{[\w.]*\}")
_VARIABLE = re.compile(r"^(?:\$\{?[A-Za-z_][\w.]*\}?|%[A-Za-z_]\w*%|\$\(.*\))")


def counting_share(value: str) -> float:
    """Share of characters followed by their successor (``a``→``b``, ``1``→``2``) right
    after them or one further on: near 1 for made-up values such as ``abcd1234efgh5678``
    or ``a1b2c3d4e5f6``, a few percent for random ones."""
    text = value.lower()
    if len(text) < 2:
        return 0.0
    hits = sum(1 for i in range(len(text) - 1)
               if ord(text[i + 1]) == ord(text[i]) + 1
               or (i + 2 < len(text) and ord(text[i + 2]) == ord(text[i]) + 1))
    return hits / (len(text) - 1)


def _name_of(match: str) -> str:
    """The assigned name of a generic match: what stands before ``=`` or ``:``."""
    cut = min((i for i in (match.find("="), match.find(":")) if i >= 0), default=len(match))
    return match[:cut].lower()


def generic_reason(secret: str, match: str) -> str | None:
    """Why a generic candidate is not a secret, or ``None`` when it may be one."""
    name = _name_of(match).strip(" \t\"'`")
    for word in NAME_STOPWORDS:
        if word in name:
            return f"name contains {word!r}"
    if name.endswith("id") and "secret" not in name:
        return "name is an id"
    if _VARIABLE.match(secret):
        return "variable reference"
    placeholder = placeholder_reason(secret)
    if placeholder:
        return placeholder
    if _TIMESTAMP.match(secret):
        return "timestamp"
    if _UUID.match(secret):
        return "UUID"
    if _HASHLIKE.match(secret):
        return "hash digest"
    if _REPEATED.match(secret):
        return "repeated characters"
    if len(secret) >= 8 and counting_share(secret) >= 0.6:
        return "counting sequence"
    if _NUMBER_ONLY.match(secret):
        return "number"
    if _IDENTIFIER.match(secret) or _CAMEL_OR_SNAKE.match(secret):
        return "identifier"
    if _PATHLIKE.match(secret):
        return "path or URL"
    if _FORMAT_SPEC.search(secret):
        return "format string"
    classes = sum((any(c.islower() for c in secret), any(c.isupper() for c in secret),
                   any(c.isdigit() for c in secret)))
    if classes < 2:
        return "letters of one case and no digits" if classes else "no letters or digits"
    if _WORD_AND_NUMBER.match(secret):
        return "letters of one case and a trailing number"
    return None
