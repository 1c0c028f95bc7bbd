"""What an audit returns: findings, one result per section, and the report.

Every object is a frozen dataclass; :class:`AuditReport` is the verb's result, whose
``to_dict()`` is what ``--json`` prints, the history records and the ``audit`` task
stores.  No finding carries a secret: a leaked secret is named by its file, line and
rule, a password by the account it belongs to.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pitstop.audit.settings import SEVERITIES, SectionName, Severity
from pitstop.capability import Result
from pitstop.errors import EXIT_ERROR, EXIT_OK

Status = Literal["new", "accepted", "expired"]
SectionStatus = Literal["ok", "skipped", "error"]


def severity_rank(severity: str) -> int:
    """``low`` 0 … ``critical`` 3."""
    return SEVERITIES.index(severity)


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem: its stable id, how bad it is, what it is about, what is wrong and
    what to do."""

    id: str
    section: SectionName
    severity: Severity
    object: str
    """What the finding is about: ``role app``, ``requirements.txt:12 django==3.2.0``,
    ``redis 127.0.0.1:6379``, ``.env``."""
    problem: str
    fix: str
    key: str
    """What a baseline entry names to accept it (stable across runs: no line numbers)."""
    also: tuple[str, ...] = ()
    """Other keys that accept it too (an advisory's aliases)."""
    path: str | None = None
    """The file it is in, relative to the project (for SARIF), if any."""
    line: int | None = None
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    status: Status = "new"
    """``new``; ``accepted`` by a baseline entry; ``expired``: its entry's date passed."""
    reason: str | None = None
    """The baseline entry's reason (accepted or expired findings)."""
    expires: dt.date | None = None

    @property
    def reported(self) -> bool:
        """Whether it counts: new, or accepted by an entry that expired."""
        return self.status != "accepted"

    def keys(self) -> tuple[str, ...]:
        return (self.key, *self.also)


@dataclasses.dataclass(frozen=True)
class SectionResult:
    """What one section did: its findings, what it looked at, and what it could not
    check (and why)."""

    name: SectionName
    status: SectionStatus
    findings: tuple[Finding, ...] = ()
    checked: tuple[str, ...] = ()
    """What was looked at: ``PostgreSQL 15.4 at db:5432 as role app`` …"""
    notes: tuple[str, ...] = ()
    """Checks that could not be made, and why (a catalog not readable by the role …)."""
    skipped: tuple[Mapping[str, str], ...] = ()
    """Things not audited: unpinned requirements, packages with no version …"""
    reason: str | None = None
    """Why the section was skipped, or the error that stopped it."""
    hint: str | None = None
    exit_code: int = EXIT_OK
    """The error's exit code (2 missing dependency, 3 configuration, 4 connection …)."""
    seconds: float = 0.0


@dataclasses.dataclass(frozen=True)
class StaleEntry:
    """A baseline entry that matched nothing in a section that ran."""

    id: str
    key: str
    reason: str


@dataclasses.dataclass(frozen=True)
class AuditReport(Result):
    """The verb's result."""

    sections: tuple[SectionResult, ...]
    fail_on: Severity
    findings: tuple[Finding, ...]
    """Every finding, new, accepted and expired, worst first."""
    baseline: str | None = None
    """The baseline file read (or written), if any."""
    stale: tuple[StaleEntry, ...] = ()
    baseline_written: int | None = None
    """With ``update_baseline``: how many entries the baseline now holds."""
    seconds: float = 0.0

    derived: ClassVar[tuple[str, ...]] = ("counts", "failing", "exit_code")

    @property
    def reported(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.reported)

    @property
    def failing(self) -> int:
        """Reported findings at or above ``fail_on``."""
        floor = severity_rank(self.fail_on)
        return sum(1 for f in self.reported if severity_rank(f.severity) >= floor)

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """Reported findings by section and severity (every section that ran, every
        severity, zeros included): what ``pitstop_audit_findings`` exports."""
        counts: dict[str, dict[str, int]] = {
            s.name: dict.fromkeys(SEVERITIES, 0) for s in self.sections if s.status == "ok"}
        for finding in self.reported:
            counts.setdefault(finding.section, dict.fromkeys(SEVERITIES, 0))
            counts[finding.section][finding.severity] += 1
        return counts

    @property
    def errors(self) -> tuple[SectionResult, ...]:
        return tuple(s for s in self.sections if s.status == "error")

    @property
    def exit_code(self) -> int:
        """0 clean (or a baseline written); an error's code when a section could not
        run (the audit is incomplete: that comes first); 1 when a reported finding is
        at or above ``fail_on``."""
        if self.baseline_written is not None:
            return EXIT_OK
        for section in self.errors:
            return section.exit_code
        return EXIT_ERROR if self.failing else EXIT_OK
