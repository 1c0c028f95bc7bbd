"""``pitstop audit``: leaked secrets, vulnerable dependencies, risky settings of the
database, Redis and files, in one report."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.errors import ConfigError, UsageError
from pitstop.output import emit_json, error, info, table, warning

SECTIONS = ("secrets", "deps", "database", "redis", "files")
SEVERITIES = ("low", "medium", "high", "critical")


def _only(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    if not value:
        return None
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in SECTIONS]
    if unknown or not names:
        raise click.BadParameter(f"unknown section {(unknown or [value])[0]!r}; choose from "
                                 f"{', '.join(SECTIONS)}", ctx, param)
    return names


@click.command()
@click.option("--only", callback=_only, metavar="SECTIONS",
              help="Comma-separated sections to run: secrets,deps,database,redis,files "
                   "[default [audit] sections: all].")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True, help="Report format (on stdout).")
@json_option
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write the report to this file instead of stdout.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Exit 1 when a finding at or above this severity is not in the baseline "
                   "[default [audit] fail_on: high].")
@click.option("--baseline", type=click.Path(path_type=Path), default=None,
              help="The baseline of accepted findings [default [audit] baseline, else "
                   "audit-baseline.toml when it exists].")
@click.option("--update-baseline", is_flag=True,
              help="Accept every current finding into the baseline (needs --reason) and "
                   "exit 0; entries still in force keep their reason and expiry.")
@click.option("--reason", metavar="TEXT",
              help="Why the findings --update-baseline accepts are accepted.")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              metavar="YYYY-MM-DD",
              help="After this date the findings --update-baseline accepts are reported "
                   "again.")
@click.option("--python", "python", type=click.Path(path_type=Path), default=None,
              help="The interpreter or virtualenv whose packages are audited [default "
                   "$VIRTUAL_ENV, .venv, venv].")
@click.option("--requirement", "-r", "requirements", multiple=True,
              type=click.Path(path_type=Path), metavar="FILE",
              help="Audit the pins of this requirements*.txt, uv.lock, poetry.lock or "
                   "pylock.toml instead of installed packages (repeatable) [audit] "
                   "requirements.")
@pass_app
def audit(app: AppContext, only: list[str] | None, fmt: str, as_json: bool,
          output: Path | None, fail_on: str | None, baseline: Path | None,
          update_baseline: bool, reason: str | None, expires: dt.datetime | None,
          python: Path | None, requirements: tuple[Path, ...]) -> int:
    """Audit the project in one report: leaked secrets (the secret scanner), known
    vulnerabilities of its dependencies (OSV), risky settings of its database and
    Redis, and files readable by others.

    Each finding has a stable id (PS-DB-001 …), a severity, the object, what is wrong
    and the fix.  Exit codes: 0 nothing at or above --fail-on outside the baseline ·
    1 such a finding · 2 a missing dependency (pip-audit, a driver) · 3 bad
    configuration or usage · 4 a server could not be reached.
    """
    from pitstop.audit import run_audit

    if update_baseline and not (reason or "").strip():
        raise UsageError("--update-baseline needs --reason TEXT",
                         hint="say why the current findings are accepted")
    if (reason or expires) and not update_baseline:
        raise UsageError("--reason and --expires go with --update-baseline")
    settings = app.settings()
    cwd = app.cwd
    report = run_audit(
        settings, only=only, fail_on=fail_on,  # type: ignore[arg-type]
        baseline=_absolute(baseline, cwd), update_baseline=update_baseline, reason=reason,
        expires=expires.date() if expires else None, python=_absolute(python, cwd),
        requirements=tuple(_absolute(r, cwd) for r in requirements) or None)  # type: ignore[misc]
    fmt = "json" if as_json else fmt
    if fmt == "text" and output is None:
        _render_text(report)
    elif fmt == "json" and output is None:
        emit_json(report.to_dict())
    else:
        text = _document(report, fmt, settings)
        if output is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            try:
                output.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise ConfigError(f"cannot write the report: {exc.strerror or exc}",
                                  file=output) from None
    _summary(report)
    return report.exit_code


def _absolute(path: Path | None, cwd: Path) -> Path | None:
    if path is None:
        return None
    return path if path.is_absolute() else cwd / path


def _document(report: Any, fmt: str, settings: Any) -> str:
    from pitstop.redact import redact

    if fmt == "text":
        return redact("".join(_text_block(f) for f in report.reported))
    if fmt == "sarif":
        from pitstop.audit import sarif_report

        config = None
        if settings.config_file is not None:
            try:
                config = settings.config_file.relative_to(settings.project_dir).as_posix()
            except ValueError:
                config = None
        data = sarif_report(report, config)
    else:
        data = report.to_dict()
    return redact(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n"


def _text_block(finding: Any) -> str:
    """One finding as plain text (for a report written to a file)."""
    expired = (f"\n  baseline entry expired {finding.expires}: {finding.reason}"
               if finding.status == "expired" else "")
    return (f"[{finding.severity}] {finding.id} {finding.object}\n  {finding.problem}{expired}"
            f"\n  fix: {finding.fix}\n")


def _render_text(report: Any) -> None:
    rows = []
    for finding in report.reported:
        problem = finding.problem
        if finding.status == "expired":
            problem += f" [baseline entry expired {finding.expires}: {finding.reason}]"
        rows.append((finding.severity, finding.id, finding.object, problem, finding.fix))
    if rows:
        table(["severity", "id", "object", "problem", "fix"], rows, keys=("id",))


def _summary(report: Any) -> None:
    for section in report.sections:
        if section.status == "error":
            error(f"{section.name}: {section.reason}", section.hint)
            continue
        if section.status == "skipped":
            info(f"{section.name}: skipped ({section.reason})")
            continue
        count = sum(1 for f in report.reported if f.section == section.name)
        looked = "; ".join(section.checked)
        info(f"{section.name}: {count} finding{'s' if count != 1 else ''} ({looked}, "
             f"{section.seconds:.2f} s)")
        for note in section.notes:
            info(f"  note: {note}")
        if section.skipped:
            first = section.skipped[0]
            info(f"  not audited: {len(section.skipped)} ({first['package']} at "
                 f"{first['origin']}: {first['reason']}{', …' if len(section.skipped) > 1 else ''})")
    for entry in report.stale:
        warning(f"baseline entry {entry.id} {entry.key!r} matches nothing any more: remove it")
    accepted = sum(1 for f in report.findings if f.status == "accepted")
    parts = [f"{len(report.reported)} findings", f"{report.failing} at or above "
             f"{report.fail_on}"]
    if accepted:
        parts.append(f"{accepted} accepted by {report.baseline}")
    if report.baseline_written is not None:
        parts.append(f"baseline {report.baseline} now holds {report.baseline_written} entries")
    info(f"audit: {', '.join(parts)} in {report.seconds:.2f} s")
    sys.stderr.flush()
