"""The deps section: published vulnerabilities of the project's dependencies.

The packages come from the project's interpreter (what is installed there) or from
requirements and lock files (what they pin); the advisories from the OSV service
through pip-audit (the default) or, offline, from ``[audit] osv_db``.  Each advisory
covering an installed version is one ``PS-DEP-001`` finding naming the advisory, its
aliases (CVE …), the installed version and the first fixed one.  Its baseline key is
``package advisory-id``; any alias of the advisory accepts it too.
"""

from __future__ import annotations

import time

from pitstop.audit.context import AuditContext
from pitstop.audit.model import Finding, SectionResult
from pitstop.audit.osv import Vulnerability, load_index, matches, parse_version
from pitstop.audit.packages import Inventory, Package, from_files, installed
from pitstop.audit.rules import RULES


def _inventory(ctx: AuditContext) -> Inventory:
    if ctx.requirements:
        return from_files(ctx.requirements, ctx.project_dir)
    from pitstop.project_python import interpreter_for

    given = None if ctx.python is None else (
        ctx.python if ctx.python.is_absolute() else ctx.project_dir / ctx.python)
    python = interpreter_for(ctx.settings, configured=given,
                             configured_key=None if given is None else "the interpreter given")
    return installed(python, ctx.project_dir)


def _finding(package: Package, vuln: Vulnerability) -> Finding:
    cves = [a for a in vuln.aliases if a.startswith("CVE-")]
    named = vuln.id + (f" ({', '.join(cves)})" if cves else "")
    fixed = f"fixed in {vuln.fixed}" if vuln.fixed else "no fixed version yet"
    problem = f"{named}: {vuln.summary or 'published vulnerability'}; {fixed}"
    fix = (f"upgrade {package.name} to {vuln.fixed} or later" if vuln.fixed else
           f"no release of {package.name} fixes it yet: read {vuln.id} for a workaround, "
           "or replace the package")
    return RULES["PS-DEP-001"].finding(
        package.label, problem, fix=fix, severity=vuln.severity or "high",
        key=f"{package.canonical} {vuln.id}",
        also=tuple(f"{package.canonical} {a}" for a in vuln.aliases),
        path=package.path, line=package.line,
        details={"package": package.name, "installed": package.version, "advisory": vuln.id,
                 "aliases": list(vuln.aliases), "fixed": vuln.fixed,
                 "rated": vuln.severity is not None})


def audit_deps(ctx: AuditContext) -> SectionResult:
    """Audit the packages of the project's interpreter (or of the requirements/lock
    files given) against OSV."""
    started = time.perf_counter()
    inventory = _inventory(ctx)
    skipped = list(inventory.skipped)
    packages = []
    for package in inventory.packages:
        if parse_version(package.version) is None:
            skipped.append({"package": package.name, "origin": package.origin,
                            "reason": f"version {package.version!r} is not a PEP 440 version"})
        else:
            packages.append(package)
    notes: list[str] = []
    found: dict[Package, list[Vulnerability]]
    audit = ctx.audit
    if audit.osv_db is not None:
        index = load_index(audit.osv_db, {p.canonical for p in packages})
        found = {p: matches(index, p.canonical, p.version) for p in packages}
        where = f"offline OSV database {audit.osv_db} ({index.files} advisories)"
        if index.problems:
            notes.append(f"{len(index.problems)} advisory files could not be read (first: "
                         f"{index.problems[0]})")
    else:
        from pitstop.audit.osv_service import query_service

        found = query_service(packages, url=audit.osv_url, timeout=audit.osv_timeout,
                              cache_dir=ctx.settings.state_dir / "cache" / "osv")
        where = f"the OSV service at {audit.osv_url}"
    findings = tuple(_finding(p, v) for p in packages for v in found.get(p, ()))
    unrated = sum(1 for f in findings if not f.details.get("rated"))
    if unrated:
        notes.append(f"{unrated} advisories carry no severity rating: reported as high")
    checked = (inventory.source, f"advisories from {where}")
    return SectionResult("deps", "ok", findings, checked, tuple(notes), tuple(skipped),
                         seconds=time.perf_counter() - started)
