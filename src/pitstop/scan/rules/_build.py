"""Helpers that keep the built-in rule tables short and uniform.

``token`` is a rule with its own regex; ``keyed`` is a rule for a value that only
means something next to the provider's name (``HEROKU_API_KEY = "<uuid>"``): its
regex is built from the names and the shape of the value.
"""

from __future__ import annotations

from pitstop.scan.rule import Allowlist, Rule

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
HEX32 = r"[a-f0-9]{32}"
HEX40 = r"[a-f0-9]{40}"
HEX64 = r"[a-f0-9]{64}"

_KEYED = (
    r"(?i)(?:{names})[\w.\-]{{0,32}}?[\"']?\s*(?:=|:|:=|=>|->|\?=|\|\|:)\s*"
    r"[\"'`]?({body})(?:[\"'`\s;,)\]}}<]|\\n|$)"
)

_COMMON_STOPWORDS = ("example", "xxxxxx", "sample", "dummy", "placeholder")
LOCAL_HOST = (
    r"@(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|0\.0\.0\.0|\[::1\]|"
    r"(?:[\w\-]+\.)*example\.(?:com|org|net)|(?:[\w\-]+\.)+(?:test|example|invalid|localhost))"
    r"(?:[:/?#'\"\s]|$)"
)
"""A URL's host that is this machine or reserved for examples (RFC 2606)."""


def _allow(stopwords: tuple[str, ...], local: bool = False,
           generic: bool = False) -> tuple[Allowlist, ...]:
    # a generic rule's value is a placeholder only when the whole value is one (the
    # placeholder filter decides): a word inside a password does not make it fake
    words = stopwords if generic else _COMMON_STOPWORDS + stopwords
    allow = [Allowlist(description="documentation placeholders", stopwords=words)] \
        if words else []
    if local:
        allow.append(Allowlist(description="local and example hosts", regexes=(LOCAL_HOST,),
                               regex_target="match"))
    return tuple(allow)


def token(
    rule_id: str,
    description: str,
    regex: str,
    keywords: tuple[str, ...],
    *,
    true: tuple[str, ...],
    false: tuple[str, ...],
    entropy: float | None = None,
    group: int | None = None,
    tags: tuple[str, ...] = (),
    window: int = 0,
    stopwords: tuple[str, ...] = (),
    generic: bool = False,
    path: str | None = None,
    local: bool = False,
) -> Rule:
    """A rule with a regex of its own (``path``: only in files whose path matches;
    ``local``: ignore URLs whose host is local or an example domain)."""
    return Rule(
        id=rule_id, description=description, regex=regex, secret_group=group, path=path,
        keywords=keywords, entropy=entropy, allowlists=_allow(stopwords, local, generic), tags=tags,
        window=window, generic=generic, examples=true, counter_examples=false,
    )


def keyed(
    rule_id: str,
    description: str,
    names: tuple[str, ...],
    body: str,
    *,
    true: tuple[str, ...],
    false: tuple[str, ...],
    entropy: float | None = None,
    tags: tuple[str, ...] = (),
    stopwords: tuple[str, ...] = (),
) -> Rule:
    """A value of shape ``body`` assigned to a name that mentions one of ``names``."""
    regex = _KEYED.format(names="|".join(names), body=body)
    keywords = tuple(name.replace("\\", "").replace("[_-]?", "") for name in names)
    return token(rule_id, description, regex, keywords, true=true, false=false,
                 entropy=entropy, group=1, tags=tags, stopwords=stopwords)
