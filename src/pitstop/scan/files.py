"""Scanning one file or blob: read (streamed when large), decode, detect.

These functions run in worker processes during tree scans, so they take plain
arguments and return a picklable :class:`FileResult`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pitstop.scan.detector import Detection, Origin, detect
from pitstop.scan.model import Dropped, Finding, Skipped
from pitstop.scan.rule import RuleSet
from pitstop.scan.sources import CHUNK_SIZE, SNIFF_SIZE, read_chunks, text_encoding, to_utf8


@dataclasses.dataclass
class FileResult:
    findings: list[Finding] = dataclasses.field(default_factory=list)
    dropped: list[Dropped] = dataclasses.field(default_factory=list)
    skipped: list[Skipped] = dataclasses.field(default_factory=list)
    files: int = 0
    bytes: int = 0
    binary: int = 0
    candidates: int = 0
    paths: list[str] = dataclasses.field(default_factory=list)

    def merge(self, other: FileResult) -> None:
        self.findings.extend(other.findings)
        self.dropped.extend(other.dropped)
        self.skipped.extend(other.skipped)
        self.files += other.files
        self.bytes += other.bytes
        self.binary += other.binary
        self.candidates += other.candidates
        self.paths.extend(other.paths)

    def add(self, detection: Detection) -> None:
        self.findings.extend(detection.findings)
        self.dropped.extend(detection.dropped)
        self.candidates += detection.candidates


def _path_rules(rules: RuleSet, origin: Origin, result: FileResult,
                explain: bool) -> list[bool] | None:
    """Which rules apply to the file of ``origin`` (``None``: all); path-only rules
    report here, unless an allowlist skips the file by its path or commit (as gitleaks
    checks them before any match)."""
    if not rules.path_rules:
        return None
    rel = origin.path
    active = [True] * len(rules.rules)
    for index in rules.path_rules:
        compiled = rules.rules[index]
        matched = compiled.path.search(rel) is not None
        active[index] = matched
        if matched and compiled.pattern is None:
            reason = next((r for a in (*rules.allowlists, *compiled.allowlists)
                           if (r := a.skips_file(rel, origin.commit))), None)
            if reason is None:
                result.findings.append(Finding(
                    rule=compiled.rule.id, description=compiled.rule.description, path=rel,
                    line=1, column=1, end_column=1, secret="", match=rel,
                    commit=origin.commit, author=origin.author, date=origin.date,
                    tags=compiled.rule.tags))
            elif explain:
                result.dropped.append(Dropped(compiled.rule.id, rel, 1, "", reason))
    return active


def scan_text(rules: RuleSet, text: bytes, origin: Origin, explain: bool,
              result: FileResult) -> None:
    active = _path_rules(rules, origin, result, explain)
    result.add(detect(rules, text, origin, explain=explain, active=active))


def scan_blob(rules: RuleSet, data: bytes, rel: str, explain: bool,
              max_size: int) -> FileResult:
    """Scan bytes already in memory (a staged blob, standard input)."""
    result = FileResult()
    if len(data) > max_size:
        result.skipped.append(Skipped(rel, f"larger than max-file-size ({len(data)} bytes)"))
        return result
    text = to_utf8(data)
    if text is None:
        result.binary += 1
        return result
    result.files += 1
    result.bytes += len(data)
    result.paths.append(rel)
    scan_text(rules, text, Origin(rel), explain, result)
    return result


def scan_path(rules: RuleSet, path: Path, rel: str, size: int, explain: bool,
              max_size: int) -> FileResult:
    """Scan one file from disk; every failure becomes a :class:`Skipped`."""
    result = FileResult()
    if size > max_size:
        result.skipped.append(Skipped(rel, f"larger than max-file-size ({size} bytes)"))
        return result
    try:
        if size > CHUNK_SIZE:
            return _scan_large(rules, path, rel, explain, result)
        with path.open("rb") as handle:
            head = handle.read(SNIFF_SIZE)
            encoding = text_encoding(head)
            if encoding is None:
                result.binary += 1
                return result
            data = head + handle.read() if len(head) == SNIFF_SIZE else head
    except OSError as exc:
        result.skipped.append(Skipped(rel, f"unreadable: {exc.strerror or exc}"))
        return result
    result.files += 1
    result.bytes += len(data)
    result.paths.append(rel)
    text = data if encoding == "utf-8" else to_utf8(data)
    scan_text(rules, text or b"", Origin(rel), explain, result)
    return result


def _scan_large(rules: RuleSet, path: Path, rel: str, explain: bool,
                result: FileResult) -> FileResult:
    chunks = read_chunks(path)
    if chunks is None:
        result.binary += 1
        return result
    result.files += 1
    result.paths.append(rel)
    seen: set[tuple[str, int, int, str]] = set()
    newlines = 0
    for text, overlap in chunks:
        offset = newlines - text.count(b"\n", 0, overlap)
        part = FileResult()
        scan_text(rules, text, Origin(rel, line_offset=offset), explain, part)
        for finding in part.findings:
            key = (finding.rule, finding.line, finding.column, finding.secret)
            if key not in seen:
                seen.add(key)
                result.findings.append(finding)
        result.dropped.extend(part.dropped)
        result.candidates += part.candidates
        newlines += text.count(b"\n", overlap)
        result.bytes += len(text) - overlap
    return result
