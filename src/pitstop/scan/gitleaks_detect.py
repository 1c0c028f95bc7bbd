"""Matching a rule of a gitleaks-format file the way gitleaks does (8.x, ``detect``).

Learnt from gitleaks' ``detect/detect.go``, ``detect/location.go`` and
``detect/utils.go``, and checked against the gitleaks 8.30 binary; the differences
from pitstop's own rules are:

* the rule runs over the whole text once any of its keywords occurs in it;
* newlines at either end of a match are trimmed off; the secret is then taken from the
  trimmed match by running the regex on it alone (``secretGroup``, else the first
  non-empty group, else the whole match);
* the "line" of a match is gitleaks' ``Finding.Line``: from the newline that ends the
  previous line (so a ``^`` in a ``regexTarget = "line"`` allowlist only matches on the
  first line of a text) to the end of the last line of the match; a match on the last
  line of a text that does not end with a newline gets the text from its start;
* ``gitleaks:allow`` (or pitstop's ``pitstop:allow``) anywhere in that line drops the
  match; detect-secrets' ``pragma: allowlist secret`` does not;
* ``entropy``: Shannon entropy counted per character but divided by the UTF-8 length,
  and a secret whose entropy is *equal* to the threshold is dropped too;
* a finding of a rule whose id contains ``generic`` is dropped when a finding of
  another, non-generic rule on the same line and commit holds its secret.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Sequence

from pitstop.scan.rule import CompiledRule, RuleSet, iter_spans

MARKERS = (b"gitleaks:allow", b"pitstop:allow")


def gitleaks_entropy(raw: bytes) -> float:
    """Shannon entropy as gitleaks computes it: character counts over the byte length."""
    if not raw:
        return 0.0
    size = len(raw)
    counts = Counter(raw.decode("utf-8", errors="replace")).values()
    return max(0.0, -sum((n / size) * math.log2(n / size) for n in counts))


def match_line(data: bytes, start: int, end: int) -> tuple[int, bytes]:
    """gitleaks' line number (0-based, counted from ``data``) and ``Finding.Line`` of a
    match from ``start`` to ``end``."""
    number = data.count(b"\n", 0, start + 1)
    after = data.find(b"\n", start + 1)
    if after < 0 and number:  # the last line, with no newline after it
        stop = end
        while stop < len(data) and data[stop] not in b"\r\n":
            stop += 1
        return number, data[:stop]
    begin = data.rfind(b"\n", 0, start + 1)
    begin = max(begin, 0)
    stop = len(data) if after < 0 else after
    tail = data.find(b"\n", end)
    if tail >= 0 and end > start:
        stop = max(stop, tail)
    return number, data[begin:max(stop, end)]


def secret_span(compiled: CompiledRule, match: bytes) -> tuple[int, int]:
    """Where the secret lies in the (trimmed) ``match``: the regex run on the match alone."""
    pattern = compiled.pattern
    if pattern.groups < 1:
        return 0, len(match)
    spans = next(iter(iter_spans(pattern, match)), None)
    if spans is None:
        return 0, len(match)
    group = compiled.rule.secret_group
    if group:
        start, stop = spans[group]
        return (start, stop) if start >= 0 else (0, 0)
    for start, stop in spans[1:]:
        if start >= 0 and stop > start:
            return start, stop
    return 0, len(match)


@dataclasses.dataclass(frozen=True, slots=True)
class Candidate:
    """One match of a gitleaks rule: where it and its secret lie, and why gitleaks would
    drop it (``reason``; ``None``: a finding)."""

    number: int
    """gitleaks' line of the match, counted from 0 in the text."""
    match_start: int
    start: int
    """Offset of the secret in the text."""
    secret: bytes
    match: bytes
    line: bytes
    reason: str | None


def candidates(rules: RuleSet, compiled: CompiledRule, data: bytes, path: str,
               commit: str | None) -> list[Candidate]:
    """Every match of ``compiled`` in ``data``, with the reason gitleaks would drop it
    (``None``: a finding)."""
    found: list[Candidate] = []
    for spans in iter_spans(compiled.pattern, data):
        m_start, m_stop = spans[0]
        raw = data[m_start:m_stop]
        match = raw.strip(b"\n")
        lead = len(raw) - len(raw.lstrip(b"\n")) if match else 0
        number, line = match_line(data, m_start, m_start + len(match))
        s_start, s_stop = secret_span(compiled, match)
        secret = match[s_start:s_stop]
        reason = _reason(rules, compiled, secret, match, line, path, commit)
        found.append(Candidate(number, m_start + lead, m_start + lead + s_start, secret, match,
                               line, reason))
    return found


def _reason(rules: RuleSet, compiled: CompiledRule, secret_raw: bytes, match_raw: bytes,
            line_raw: bytes, path: str, commit: str | None) -> str | None:
    marker = next((m for m in MARKERS if m in line_raw), None)
    if marker is not None:
        return f"inline marker {marker.decode()!r}"
    threshold = compiled.rule.entropy
    if threshold:
        value = gitleaks_entropy(secret_raw)
        if value <= threshold:
            return f"entropy {value:.2f} <= {threshold:g}"
    secret = secret_raw.decode("utf-8", errors="replace")
    match = match_raw.decode("utf-8", errors="replace")
    line = line_raw.decode("utf-8", errors="replace")
    for allow in rules.allowlists:
        reason = allow.reason(secret, match, line, path, commit)
        if reason:
            return f"global {reason}"
    for allow in compiled.allowlists:
        reason = allow.reason(secret, match, line, path, commit)
        if reason:
            return f"rule {reason}"
    return None


def generic_covers(rule: str, secret: str, line: int, others: Sequence[tuple[str, str, int]]
                   ) -> str | None:
    """The rule of another finding that makes this one of a ``generic`` rule redundant
    (``others``: rule, secret, gitleaks line of every finding of the same text)."""
    if "generic" not in rule.lower():
        return None
    for other_rule, other_secret, other_line in others:
        if other_line == line and other_rule != rule and secret in other_secret \
                and "generic" not in other_rule.lower():
            return other_rule
    return None
