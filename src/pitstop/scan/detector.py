"""The core matcher: keyword prefilter, regexes in windows, filters.

:func:`detect` takes one text as UTF-8 bytes (a file, a chunk of a big file, or the added
lines of one file in one commit) and returns findings plus, with ``explain``, the
candidates that a filter dropped and why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from pitstop.scan.filters import generic_reason, inline_marker, shannon_entropy
from pitstop.scan.model import Dropped, Finding
from pitstop.scan.rule import CompiledRule, RuleSet

LINE_WINDOW = 2048
"""Characters searched on each side of a keyword hit (bounded by the hit's line)."""


@dataclasses.dataclass(frozen=True)
class Origin:
    """Where a text comes from: its path, commit data and how its lines map to the file."""

    path: str
    commit: str | None = None
    author: str | None = None
    date: str | None = None
    line_offset: int = 0
    line_map: Sequence[int] | None = None
    """For history blocks: line index in the text → line number in the file."""


@dataclasses.dataclass
class Detection:
    findings: list[Finding] = dataclasses.field(default_factory=list)
    dropped: list[Dropped] = dataclasses.field(default_factory=list)
    candidates: int = 0


def windows_by_rule(rules: RuleSet, data: bytes) -> dict[int, list[tuple[int, int]]]:
    """For each rule with a keyword hit: merged (start, end) byte windows for its regex."""
    hits: dict[int, list[int]] = {}
    if rules.prefilter is not None:
        keyword_rules = rules.keyword_rules
        for match in rules.prefilter.finditer(data.lower()):
            start = match.start()
            for index in keyword_rules[match.group()]:
                bucket = hits.get(index)
                if bucket is None:
                    hits[index] = [start]
                else:
                    bucket.append(start)
    size = len(data)
    result: dict[int, list[tuple[int, int]]] = {i: [(0, size)] for i in rules.keyword_free}
    for index, positions in hits.items():
        extra = rules.rules[index].rule.window
        if extra < 0:  # gitleaks semantics: a keyword anywhere opens the whole text
            result[index] = [(0, size)]
            continue
        windows: list[tuple[int, int]] = []
        current_end = -1
        for pos in positions:
            if pos < current_end:
                continue
            start = data.rfind(b"\n", max(0, pos - LINE_WINDOW), pos) + 1
            if start == 0 and pos > LINE_WINDOW:
                start = pos - LINE_WINDOW
            end = data.find(b"\n", pos, pos + LINE_WINDOW) if not extra else -1
            if end < 0:
                end = min(size, pos + LINE_WINDOW + extra)
            if windows and start <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
            else:
                windows.append((start, end))
            current_end = end
        result[index] = windows
    return result


def _line_bounds(data: bytes, start: int, end: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, start) + 1
    line_end = data.find(b"\n", end)
    return line_start, (len(data) if line_end < 0 else line_end)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _reason(rules: RuleSet, compiled: CompiledRule, secret: str, match: str, line: str,
            origin: Origin) -> str | None:
    rule = compiled.rule
    if rule.entropy is not None:
        value = shannon_entropy(secret)
        if value < rule.entropy:
            return f"entropy {value:.2f} < {rule.entropy:g}"
    for allow in compiled.allowlists:
        reason = allow.reason(secret, match, line, origin.path, origin.commit)
        if reason:
            return f"rule {reason}"
    for allow in rules.allowlists:
        reason = allow.reason(secret, match, line, origin.path, origin.commit)
        if reason:
            return f"global {reason}"
    if rule.generic:
        reason = generic_reason(secret, match)
        if reason:
            return reason
    marker = inline_marker(line)
    if marker:
        return f"inline marker {marker!r}"
    return None


def detect(rules: RuleSet, data: bytes, origin: Origin, *, explain: bool = False,
           active: Sequence[bool] | None = None) -> Detection:
    """Find secrets in UTF-8 ``data``.  ``active[i]`` false skips rule ``i`` (path
    filters)."""
    result = Detection()
    spans: list[tuple[int, int, bool]] = []
    for index, windows in windows_by_rule(rules, data).items():
        if active is not None and not active[index]:
            continue
        compiled = rules.rules[index]
        if compiled.pattern is None:
            continue
        for win_start, win_end in windows:
            chunk = data[win_start:win_end]
            for match in compiled.pattern.finditer(chunk):
                raw_secret, s_start, s_end = compiled.secret_of(match)
                if not raw_secret:
                    continue
                result.candidates += 1
                secret = _text(raw_secret)
                m_start = win_start + match.start()
                m_end = win_start + match.end()
                line_start, line_end = _line_bounds(data, m_start, m_end)
                line_text = _text(data[line_start:line_end])
                match_text = _text(match.group(0))
                reason = _reason(rules, compiled, secret, match_text, line_text, origin)
                line_index = data.count(b"\n", 0, m_start)
                if origin.line_map is not None:
                    line_no = origin.line_map[min(line_index, len(origin.line_map) - 1)]
                else:
                    line_no = origin.line_offset + line_index + 1
                if reason is not None:
                    if explain:
                        result.dropped.append(Dropped(compiled.rule.id, origin.path, line_no,
                                                      secret, reason))
                    continue
                secret_abs = win_start + s_start
                secret_line_start = data.rfind(b"\n", 0, secret_abs) + 1
                column = len(_text(data[secret_line_start:secret_abs])) + 1
                result.findings.append(Finding(
                    rule=compiled.rule.id,
                    description=compiled.rule.description,
                    path=origin.path,
                    line=line_no + data.count(b"\n", m_start, secret_abs),
                    column=column,
                    end_column=column + len(secret),
                    secret=secret,
                    match=match_text,
                    entropy=round(shannon_entropy(secret), 3),
                    commit=origin.commit,
                    author=origin.author,
                    date=origin.date,
                    tags=compiled.rule.tags,
                ))
                spans.append((secret_abs, win_start + s_end, compiled.rule.generic))
    if any(generic for _, _, generic in spans):
        _drop_covered(result, spans, explain)
    return result


def _drop_covered(result: Detection, spans: list[tuple[int, int, bool]], explain: bool) -> None:
    """Drop generic findings whose secret overlaps one of a provider rule: the provider
    rule says more about the same secret."""
    specific = [(start, end, f.rule) for (start, end, generic), f in zip(spans, result.findings,
                                                                         strict=True)
                if not generic]
    kept: list[Finding] = []
    for (start, end, generic), finding in zip(spans, result.findings, strict=True):
        cover = next((rule for s, e, rule in specific if s < end and start < e), None) \
            if generic else None
        if cover is None:
            kept.append(finding)
        elif explain:
            result.dropped.append(Dropped(finding.rule, finding.path, finding.line,
                                          finding.secret, f"covered by rule {cover}"))
    result.findings = kept
