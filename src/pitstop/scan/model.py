"""Result objects of a scan: findings, dropped candidates, statistics and the report.

Every object is a frozen dataclass.  A :class:`Finding` carries the secret in clear
(``secret``) so reporters and the baseline can work with it; everything that leaves
the process goes through :meth:`Finding.shown` which redacts unless asked not to.
:class:`ScanReport` is the ``scan secrets`` verb's :class:`~pitstop.capability.Result`:
:meth:`ScanReport.as_dict` is the one place its data is laid out (the ``json`` report
format, and redacted, ``to_dict()``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from pitstop.capability import Result

REPORT_VERSION = 1
"""The version of the JSON report's layout (``"version"`` in it)."""

REDACT_KEEP = 4
"""How many leading characters of a secret a redacted value keeps."""


def redact_secret(secret: str) -> str:
    """``"ghp_abcdef…"`` → ``"ghp_…"``: the first 4 characters, then an ellipsis.

    Secrets of 8 characters or fewer keep nothing, so short passwords never show.
    """
    if len(secret) <= 2 * REDACT_KEEP:
        return "…"
    return secret[:REDACT_KEEP] + "…"


def secret_hash(secret: str) -> str:
    """The SHA-256 of a secret (hex): how baselines and metrics refer to it."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclasses.dataclass(frozen=True)
class Finding:
    """One secret found: which rule, where, and (for history scans) in which commit."""

    rule: str
    description: str
    path: str
    line: int
    column: int
    end_column: int
    secret: str = dataclasses.field(repr=False)
    match: str = dataclasses.field(repr=False)
    entropy: float = 0.0
    commit: str | None = None
    author: str | None = None
    date: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> str:
        """``rule:path:sha256(secret)`` — what a baseline stores (no line, no commit)."""
        return f"{self.rule}:{self.path}:{secret_hash(self.secret)}"

    def shown(self, redact: bool = True) -> str:
        """The secret as it may be shown: redacted unless ``redact`` is false."""
        return redact_secret(self.secret) if redact else self.secret

    def shown_match(self, redact: bool = True) -> str:
        """The matched text with the secret part redacted (unless ``redact`` is false)."""
        if not redact:
            return self.match
        return self.match.replace(self.secret, redact_secret(self.secret)) if self.secret \
            else self.match


@dataclasses.dataclass(frozen=True)
class Dropped:
    """A candidate a filter threw away (collected only with ``explain``)."""

    rule: str
    path: str
    line: int
    secret: str = dataclasses.field(repr=False)
    reason: str = ""

    def shown(self, redact: bool = True) -> str:
        return redact_secret(self.secret) if redact else self.secret


@dataclasses.dataclass(frozen=True)
class Skipped:
    """A file that was not scanned, and why (binary, too large, unreadable …)."""

    path: str
    reason: str


@dataclasses.dataclass(frozen=True)
class BaselineEntry:
    """One accepted finding: rule, path and the SHA-256 of the secret."""

    rule: str
    path: str
    hash: str

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.path}:{self.hash}"


@dataclasses.dataclass(frozen=True)
class ScanStats:
    """Counters of one scan."""

    files: int = 0
    bytes: int = 0
    skipped: int = 0
    binary: int = 0
    seconds: float = 0.0
    commits: int = 0
    rules: int = 0
    candidates: int = 0
    baselined: int = 0


@dataclasses.dataclass(frozen=True)
class ScanReport(Result):
    """What the ``scan secrets`` verb (:func:`pitstop.scan.secrets`) returns.

    ``to_dict()`` is :meth:`as_dict` with secrets redacted (a redacted secret keeps its
    first 4 characters in ``match``; the ``secret`` values themselves are masked
    there); ``exit_code`` is 1 when there are findings."""

    findings: tuple[Finding, ...]
    stats: ScanStats
    mode: str = "tree"
    skipped: tuple[Skipped, ...] = ()
    dropped: tuple[Dropped, ...] = ()
    stale: tuple[BaselineEntry, ...] = ()
    baseline_written: int | None = None
    """With ``update_baseline``: how many entries the baseline file now holds."""

    @property
    def clean(self) -> bool:
        return not self.findings

    @property
    def exit_code(self) -> int:
        """1 when secrets were found, else 0."""
        return 1 if self.findings else 0

    def findings_by_rule(self) -> dict[str, int]:
        """Finding counts per rule id (for metrics; no secret in it)."""
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[finding.rule] = counts.get(finding.rule, 0) + 1
        return dict(sorted(counts.items()))

    def as_dict(self, redact: bool = True) -> dict[str, Any]:
        """The report as data (the layout docs/scan.md documents), secrets redacted
        unless ``redact`` is false."""
        return {
            "version": REPORT_VERSION,
            "mode": self.mode,
            "findings": [_finding_dict(f, redact) for f in self.findings],
            "findings_by_rule": self.findings_by_rule(),
            "stats": dataclasses.asdict(self.stats),
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "stale": [{"rule": e.rule, "path": e.path, "hash": e.hash} for e in self.stale],
            "dropped": [{"rule": d.rule, "path": d.path, "line": d.line,
                         "secret": d.shown(redact), "reason": d.reason} for d in self.dropped],
            "baseline_written": self.baseline_written,
        }

    def data(self) -> dict[str, Any]:
        return self.as_dict(redact=True)


def _finding_dict(finding: Finding, redact: bool) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "description": finding.description,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_column": finding.end_column,
        "secret": finding.shown(redact),
        "match": finding.shown_match(redact),
        "entropy": finding.entropy,
        "commit": finding.commit,
        "author": finding.author,
        "date": finding.date,
        "tags": list(finding.tags),
        "fingerprint": finding.fingerprint,
    }
