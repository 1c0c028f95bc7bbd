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
from pitstop.scan.rule import CompiledRule, RuleSet, iter_spans

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


def windows_by_rule(rules: RuleSet, data: bytes) -> dict[int, list[list[int]]]:
    """For each rule with a keyword hit: merged ``[start, end]`` byte windows — the
    lines around its hits (at most :data:`LINE_WINDOW` bytes each side of the hit),
    widened by the rule's ``window`` for multi-line formats."""
    size = len(data)
    result: dict[int, list[list[int]]] = {i: [[0, size]] for i in rules.keyword_free}
    if rules.prefilter is None:
        return result
    keyword_rules = rules.keyword_rules
    overlaps = rules.overlaps
    widths = rules.windows
    lowered = data.lower()
    line_start = line_end = -1
    for spans in iter_spans(rules.prefilter, lowered):
        pos, stop = spans[0]
        if pos >= line_end:  # a hit on a new line: find that line once for all its rules
            line_start = data.rfind(b"\n", max(0, pos - LINE_WINDOW), pos) + 1
            if line_start == 0 and pos > LINE_WINDOW:
                line_start = pos - LINE_WINDOW
            line_end = data.find(b"\n", pos, pos + LINE_WINDOW)
            if line_end < 0:
                line_end = min(size, pos + LINE_WINDOW)
        keyword = lowered[pos:stop]
        if keyword in overlaps:  # keywords that start inside this one: hits of their own
            for offset, other in overlaps[keyword]:
                if lowered.startswith(other, pos + offset):
                    _add_hits(result, keyword_rules[other], widths, pos + offset,
                              line_start, line_end, size)
        for index in keyword_rules[keyword]:
            start, end = line_start, line_end
            extra = widths[index]
            if extra:
                if extra < 0:  # gitleaks semantics: a keyword anywhere opens the whole text
                    result[index] = [[0, size]]
                    continue
                end = min(size, pos + LINE_WINDOW + extra)
            windows = result.get(index)
            if windows is None:
                result[index] = [[start, end]]
                continue
            last = windows[-1]
            if start <= last[1] + 1:  # overlapping or adjacent lines: one window
                if end > last[1]:
                    last[1] = end
            else:
                windows.append([start, end])
    return result


def _add_hits(result: dict[int, list[list[int]]], indexes: Sequence[int],
              widths: Sequence[int], pos: int, line_start: int, line_end: int,
              size: int) -> None:
    """The windows of a keyword hit at ``pos`` for the rules ``indexes`` (the rare hits
    the prefilter does not report itself; the loop above inlines the same steps)."""
    for index in indexes:
        start, end = line_start, line_end
        extra = widths[index]
        if extra < 0:
            result[index] = [[0, size]]
            continue
        if extra:
            end = min(size, pos + LINE_WINDOW + extra)
        windows = result.setdefault(index, [])
        if windows and start <= windows[-1][1] + 1:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])


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


def _line_number(origin: Origin, line_index: int) -> int:
    if origin.line_map is not None:
        return origin.line_map[min(line_index, len(origin.line_map) - 1)]
    return origin.line_offset + line_index + 1


def _finding(compiled: CompiledRule, origin: Origin, data: bytes, secret_abs: int,
             secret: str, match: str) -> Finding:
    secret_line_start = data.rfind(b"\n", 0, secret_abs) + 1
    column = len(_text(data[secret_line_start:secret_abs])) + 1
    return Finding(
        rule=compiled.rule.id,
        description=compiled.rule.description,
        path=origin.path,
        line=_line_number(origin, data.count(b"\n", 0, secret_abs)),
        column=column,
        end_column=column + len(secret),
        secret=secret,
        match=match,
        entropy=round(shannon_entropy(secret), 3),
        commit=origin.commit,
        author=origin.author,
        date=origin.date,
        tags=compiled.rule.tags,
    )


def _detect_gitleaks(rules: RuleSet, compiled: CompiledRule, data: bytes, origin: Origin,
                     explain: bool, result: Detection, found: list[tuple[int, int, bool, int]]
                     ) -> None:
    """One rule of a gitleaks-format file, with gitleaks' semantics."""
    from pitstop.scan.gitleaks_detect import candidates as gitleaks_candidates

    for candidate in gitleaks_candidates(rules, compiled, data, origin.path, origin.commit):
        result.candidates += 1
        secret = _text(candidate.secret)
        if candidate.reason is not None:
            if explain:
                result.dropped.append(Dropped(compiled.rule.id, origin.path,
                                              _line_number(origin, candidate.number), secret,
                                              candidate.reason))
            continue
        # located where the match starts, on gitleaks' line (the secret may lie further)
        line_start = data.rfind(b"\n", 0, candidate.match_start) + 1
        if data.count(b"\n", 0, line_start) != candidate.number:  # only newlines before it
            line_start = candidate.match_start
        column = len(_text(data[line_start:candidate.match_start])) + 1
        match = _text(candidate.match)
        result.findings.append(dataclasses.replace(
            _finding(compiled, origin, data, candidate.start, secret, match),
            line=_line_number(origin, candidate.number), column=column,
            end_column=column + len(match.split("\n", 1)[0])))
        found.append((candidate.start, candidate.start + len(candidate.secret), False,
                      candidate.number))


def detect(rules: RuleSet, data: bytes, origin: Origin, *, explain: bool = False,
           active: Sequence[bool] | None = None) -> Detection:
    """Find secrets in UTF-8 ``data``.  ``active[i]`` false skips rule ``i`` (path
    filters)."""
    result = Detection()
    found: list[tuple[int, int, bool, int]] = []  # secret span, generic, line index
    gitleaks = False
    for index, windows in windows_by_rule(rules, data).items():
        if active is not None and not active[index]:
            continue
        compiled = rules.rules[index]
        if compiled.pattern is None:
            continue
        if compiled.rule.gitleaks:
            gitleaks = True
            _detect_gitleaks(rules, compiled, data, origin, explain, result, found)
            continue
        pattern = compiled.pattern
        for win_start, win_end in windows:
            chunk = data[win_start:win_end]
            for spans in iter_spans(pattern, chunk):
                s_start, s_end = compiled.secret_span(spans)
                if s_start < 0 or s_end <= s_start:
                    continue
                result.candidates += 1
                secret = _text(chunk[s_start:s_end])
                m_start = win_start + spans[0][0]
                m_end = win_start + spans[0][1]
                line_start, line_end = _line_bounds(data, m_start, m_end)
                line_text = _text(data[line_start:line_end])
                match_text = _text(data[m_start:m_end])
                reason = _reason(rules, compiled, secret, match_text, line_text, origin)
                line_index = data.count(b"\n", 0, m_start)
                if reason is not None:
                    if explain:
                        result.dropped.append(Dropped(compiled.rule.id, origin.path,
                                                      _line_number(origin, line_index),
                                                      secret, reason))
                    continue
                secret_abs = win_start + s_start
                result.findings.append(_finding(compiled, origin, data, secret_abs, secret,
                                                match_text))
                found.append((secret_abs, win_start + s_end, compiled.rule.generic,
                              line_index))
    if any(generic for _, _, generic, _ in found):
        found = _drop_covered(result, found, explain)
    if gitleaks:
        _drop_generic_duplicates(result, found, explain)
    return result


def _drop_generic_duplicates(result: Detection, found: list[tuple[int, int, bool, int]],
                             explain: bool) -> None:
    """gitleaks' rule: a finding of a rule whose id says ``generic`` is dropped when
    another rule's finding on the same line holds its secret."""
    from pitstop.scan.gitleaks_detect import generic_covers

    others = [(f.rule, f.secret, line) for f, (_s, _e, _g, line)
              in zip(result.findings, found, strict=True)]
    kept: list[Finding] = []
    for finding, (_s, _e, _g, line) in zip(result.findings, found, strict=True):
        cover = generic_covers(finding.rule, finding.secret, line, others)
        if cover is None:
            kept.append(finding)
        elif explain:
            result.dropped.append(Dropped(finding.rule, finding.path, finding.line,
                                          finding.secret, f"covered by rule {cover}"))
    result.findings = kept


def _drop_covered(result: Detection, spans: list[tuple[int, int, bool, int]], explain: bool
                  ) -> list[tuple[int, int, bool, int]]:
    """Drop generic findings whose secret overlaps one of a provider rule: the provider
    rule says more about the same secret.  Returns the spans of the findings kept."""
    specific = [(start, end, f.rule) for (start, end, generic, _), f
                in zip(spans, result.findings, strict=True) if not generic]
    kept: list[Finding] = []
    kept_spans: list[tuple[int, int, bool, int]] = []
    for span, finding in zip(spans, result.findings, strict=True):
        start, end, generic, _ = span
        cover = next((rule for s, e, rule in specific if s < end and start < e), None) \
            if generic else None
        if cover is None:
            kept.append(finding)
            kept_spans.append(span)
        elif explain:
            result.dropped.append(Dropped(finding.rule, finding.path, finding.line,
                                          finding.secret, f"covered by rule {cover}"))
    result.findings = kept
    return kept_spans
