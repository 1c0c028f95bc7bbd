"""Plain text: one line per finding, ``path:line:col: rule secret`` (and the commit).

The one-line :func:`summary` is separate: the CLI writes it to stderr.
"""

from __future__ import annotations

from pitstop.scan.model import Finding, ScanReport

_CONTROL = {c: f"\\x{c:02x}" for c in (*range(32), 127)} | {10: "\\n", 9: "\\t", 13: "\\r"}


def shown_path(path: str) -> str:
    """``path`` on one line: control characters (a newline in a file name) escaped."""
    return path.translate(_CONTROL)


def finding_line(finding: Finding, redact: bool = True) -> str:
    line = (f"{shown_path(finding.path)}:{finding.line}:{finding.column}: {finding.rule} "
            f"{finding.shown(redact)}  ({finding.description})")
    if finding.commit:
        line += f" [commit {finding.commit[:12]} by {finding.author} on {finding.date}]"
    return line


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def summary(report: ScanReport) -> str:
    """One line: how much was scanned and what was found."""
    stats = report.stats
    what = f"{_count(stats.commits, 'commit')}, " if report.mode == "history" else ""
    parts = [f"scanned {what}{_count(stats.files, 'file')} ({stats.bytes / 1e6:.1f} MB) in "
             f"{stats.seconds:.2f}s with {stats.rules} rules"]
    if stats.binary:
        parts.append(f"{stats.binary} binary skipped")
    if stats.skipped:
        parts.append(f"{stats.skipped} skipped")
    if stats.baselined:
        parts.append(f"{stats.baselined} in baseline")
    count = len(report.findings)
    parts.append(f"{count} finding{'s' if count != 1 else ''}" if count else "no secrets found")
    return "; ".join(parts)


DEFAULT_BASELINE = ".pitstop-secrets.json"


def accept_hint(count: int, baseline: str | None, configured: bool = False) -> str:
    """What a developer whose commit was blocked by ``count`` findings can do: remove a
    real secret, or accept a finding inline (``pitstop:allow``) or in the baseline.
    ``baseline`` is the baseline file in use (``None``: none yet), ``configured`` whether
    it comes from ``[scan] baseline`` (so the command needs no ``--baseline``)."""
    target = baseline or DEFAULT_BASELINE
    flag = "" if configured else f" --baseline {target}"
    lines = [
        f"commit blocked: {_count(count, 'finding')} in the staged files. For each one:",
        "  - a real secret: take it out of the file (read it from the environment or a "
        "secret store) and rotate it if it was ever pushed;",
        "  - not a secret, or an accepted one: end its line with a comment holding "
        "pitstop:allow (e.g. `# pitstop:allow`),",
        f"    or accept it in the baseline: pitstop scan secrets --staged{flag} "
        f"--update-baseline, then `git add {target}`",
    ]
    if not baseline:
        lines.append(f'    and scan with it: [scan] baseline = "{target}" in pitstop.toml '
                     f"(or args: [--baseline, {target}] in .pre-commit-config.yaml).")
    return "\n".join(lines)


def render(report: ScanReport, redact: bool = True) -> str:
    lines = [finding_line(f, redact) for f in report.findings]
    for skipped in report.skipped:
        lines.append(f"{shown_path(skipped.path)}: skipped: {skipped.reason}")
    for entry in report.stale:
        lines.append(f"{shown_path(entry.path)}: stale baseline entry: {entry.rule} {entry.hash[:12]}")
    for dropped in report.dropped:
        lines.append(f"{shown_path(dropped.path)}:{dropped.line}: dropped {dropped.rule} "
                     f"{dropped.shown(redact)}: {dropped.reason}")
    if report.baseline_written is not None:
        lines.append(f"baseline written: {report.baseline_written} entries")
    return "".join(f"{line}\n" for line in lines)
