"""``run_audit``: the sections side by side, the baseline applied, one report.

The sections run at once: the secret scan in the calling thread, the others on
worker threads (they mostly wait on subprocesses and servers).  The threads start once
the scan has made its worker processes (at its first progress report): a scan that
forks from a process with one thread starts them at once, where with threads around
it would have to start a fork server first.  A section that cannot run becomes an
``error`` entry of the report, with its exit code, while the others' findings are still
reported.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pitstop.audit.baseline import (
    Accepted,
    apply_baseline,
    load_baseline,
    updated_entries,
    write_baseline,
)
from pitstop.audit.context import AuditContext, NotConfigured
from pitstop.audit.model import AuditReport, Finding, SectionResult, severity_rank
from pitstop.audit.settings import (
    DEFAULT_BASELINE,
    SECTION_NAMES,
    SEVERITIES,
    AuditSettings,
    SectionName,
    Severity,
)
from pitstop.capability import Progress, load_target, recorded
from pitstop.config import Settings
from pitstop.errors import EXIT_CONFIG, PitstopError, UsageError

SECTIONS: dict[str, str] = {
    "secrets": "pitstop.audit.secrets:audit_secrets",
    "deps": "pitstop.audit.deps:audit_deps",
    "database": "pitstop.audit.database:audit_database",
    "redis": "pitstop.audit.redis:audit_redis",
    "files": "pitstop.audit.files:audit_files",
}
"""Section name → ``module:function`` (imported when the section runs)."""


def _run_section(name: SectionName, ctx: AuditContext, explicit: bool) -> SectionResult:
    started = time.perf_counter()
    try:
        section: Callable[[AuditContext], SectionResult] = load_target(SECTIONS[name])
        return section(ctx)
    except NotConfigured as exc:
        if not explicit:
            return SectionResult(name, "skipped", reason=exc.reason)
        hint = f"set {exc.key}, or leave {name} out" if exc.key else f"leave {name} out"
        return SectionResult(name, "error", reason=f"{name} was asked for, but {exc.reason}",
                             hint=hint, exit_code=EXIT_CONFIG,
                             seconds=time.perf_counter() - started)
    except PitstopError as exc:
        return SectionResult(name, "error", reason=exc.message, hint=exc.hint,
                             exit_code=exc.exit_code, seconds=time.perf_counter() - started)


def _sections(audit: AuditSettings, only: Sequence[str] | None) -> tuple[list[SectionName], bool]:
    if not only:
        return list(audit.sections), False
    unknown = [s for s in only if s not in SECTION_NAMES]
    if unknown:
        raise UsageError(f"unknown audit section {unknown[0]!r}; known: "
                         f"{', '.join(SECTION_NAMES)}")
    return [s for s in SECTION_NAMES if s in only], True


def _baseline_path(settings: Settings, audit: AuditSettings,
                   given: Path | None) -> tuple[Path, bool]:
    """The baseline file, and whether it was named (a named file must exist)."""
    if given is not None:
        return (given if given.is_absolute() else settings.project_dir / given), True
    if audit.baseline is not None:
        return audit.baseline, True
    return settings.project_dir / DEFAULT_BASELINE, False


def _order(finding: Finding) -> tuple[int, int, str, str]:
    return (-severity_rank(finding.severity), SECTION_NAMES.index(finding.section),
            finding.id, finding.object)


@recorded("audit", "run")
def run_audit(settings: Settings, *, progress: Progress | None = None,
              only: Sequence[str] | None = None, fail_on: Severity | None = None,
              baseline: Path | None = None, update_baseline: bool = False,
              reason: str | None = None, expires: dt.date | None = None,
              python: Path | None = None, requirements: Sequence[Path] | None = None
              ) -> AuditReport:
    """Audit the project: leaked secrets, vulnerable dependencies, risky settings of
    the database and Redis, and file modes — the ``[audit] sections`` or ``only``
    these — and apply the baseline.

    ``fail_on`` overrides ``[audit] fail_on``; ``python`` (an interpreter or
    virtualenv) and ``requirements`` (requirements or lock files) choose what the
    deps section audits.  With ``update_baseline`` every current finding is accepted
    into the baseline with ``reason`` (required) and ``expires``; entries still in
    force keep theirs.  Findings are results, never exceptions; a section that cannot
    run is reported as an error of the report.
    """
    started = time.perf_counter()
    audit = settings.section(AuditSettings)
    names, explicit = _sections(audit, only)
    if fail_on is not None and fail_on not in SEVERITIES:
        raise UsageError(f"unknown severity {fail_on!r}; known: {', '.join(SEVERITIES)}")
    if update_baseline and not (reason or "").strip():
        raise UsageError("accepting findings into the baseline needs a reason",
                         hint="say why these findings are accepted")
    path, named = _baseline_path(settings, audit, baseline)
    try:
        entries: tuple[Accepted, ...] = load_baseline(path)
    except FileNotFoundError:
        if named and not update_baseline:
            raise UsageError(f"the audit baseline {path} does not exist",
                             hint="write one by accepting the current findings") from None
        entries = ()
    results: dict[str, SectionResult] = {}
    total = len(names)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, total)) as pool:
        futures: dict[concurrent.futures.Future[SectionResult], str] = {}

        def start_others(*_progress: int | None) -> None:
            if not futures:
                futures.update({pool.submit(_run_section, name, ctx, explicit): name
                                for name in names if name != "secrets"})

        ctx = AuditContext(settings, audit, python=python, requirements=tuple(
            requirements or audit.requirements), scan_progress=start_others)
        if "secrets" in names:
            results["secrets"] = _run_section("secrets", ctx, explicit)
            if progress is not None:
                progress(len(results), total)
        start_others()
        for future in concurrent.futures.as_completed(futures):
            results[futures[future]] = future.result()
            if progress is not None:
                progress(len(results), total)
    sections = tuple(results[name] for name in names)
    found = [f for s in sections for f in s.findings if f.id not in audit.disable]
    ran = {s.name for s in sections if s.status == "ok"}
    marked, stale = apply_baseline(found, entries, dt.date.today(), ran)
    written = None
    if update_baseline:
        written = write_baseline(path, updated_entries(marked, entries, ran, reason or "",
                                                       expires))
        marked = [f if f.status == "accepted" else
                  dataclasses.replace(f, status="accepted", reason=reason, expires=expires)
                  for f in marked]
        stale = []
    shown = _shown(path, settings.project_dir) if entries or written is not None else None
    return AuditReport(sections=sections, fail_on=fail_on or audit.fail_on,
                       findings=tuple(sorted(marked, key=_order)), baseline=shown,
                       stale=tuple(stale), baseline_written=written,
                       seconds=round(time.perf_counter() - started, 3))


def _shown(path: Path, project_dir: Path) -> str:
    try:
        return path.relative_to(project_dir).as_posix()
    except ValueError:
        return str(path)


__all__ = ["SECTIONS", "SEVERITIES", "run_audit"]
