"""``pitstop scan``: secret scanning of a tree, the staged blobs, history or stdin."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.config_types import parse_bytesize
from pitstop.errors import ConfigError, DependencyError, UsageError
from pitstop.output import emit_json, info, table

EXIT_FINDINGS = 1


F = TypeVar("F", bound=Callable[..., int])


def _libraries_required(func: F) -> F:
    """google-re2 and pyahocorasick are dependencies of pitstop; a broken install that
    lacks one is exit 2 naming it, not a crash."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> int:
        try:
            return func(*args, **kwargs)
        except ImportError as exc:
            module = exc.name or "a module"
            raise DependencyError(
                f"the secret scanner cannot import {module}: {exc}",
                hint="reinstall pitstop with its dependencies (google-re2, pyahocorasick): "
                     "pip install --force-reinstall pitstop") from exc
    return cast(F, wrapper)


@click.group()
def scan() -> None:
    """Scan files, the staged diff or git history for secrets."""


@scan.command("secrets")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--staged", is_flag=True,
              help="Scan the blobs in the git index (what the next commit will contain).")
@click.option("--history", "history", is_flag=False, flag_value="HEAD", default=None,
              metavar="[RANGE]", help="Scan every line added in the commits of RANGE "
              "(default: all of HEAD's history), e.g. main..HEAD.")
@click.option("--since", metavar="REF", help="Scan the lines added by commits after REF "
              "(the same as --history REF..HEAD).")
@click.option("--stdin", "use_stdin", is_flag=True, help="Scan standard input.")
@click.option("--config", "rules_file", type=click.Path(path_type=Path), default=None,
              help="A rule file in gitleaks' TOML format [config [scan] config].")
@click.option("--baseline", type=click.Path(path_type=Path), default=None,
              help="Report only findings not in this baseline file [config [scan] baseline].")
@click.option("--update-baseline", is_flag=True,
              help="Write every current finding to the baseline file and exit 0 (a scan "
              "of --staged, PATHs or history keeps the entries of files it did not read).")
@click.option("--format", "fmt", default="text", show_default=True, metavar="FORMAT",
              help="Report format on stdout: text, json, sarif, junit, or one a plugin "
              "adds (pitstop plugins lists them).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the result as JSON on stdout (always redacted; the same data the "
              "history keeps).")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write the report to this file instead of stdout.")
@click.option("--no-redact", is_flag=True,
              help="Show secrets in full (default: first 4 characters then …).")
@click.option("--explain", is_flag=True,
              help="Also list each candidate a filter dropped, and which filter.")
@click.option("--max-file-size", metavar="SIZE", default=None,
              help="Skip (and report) files larger than this, e.g. 10MB [default 50MB].")
@click.option("--exclude", multiple=True, metavar="GLOB",
              help="Do not scan paths matching GLOB (repeatable; adds to [scan] exclude).")
@click.option("--disable", multiple=True, metavar="RULE", help="Turn off a rule (repeatable).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for tree scans [default: every core].")
@pass_app
@_libraries_required
def secrets(app: AppContext, paths: tuple[Path, ...], staged: bool, history: str | None,
            since: str | None, use_stdin: bool, rules_file: Path | None, baseline: Path | None,
            update_baseline: bool, fmt: str, as_json: bool, output: Path | None,
            no_redact: bool, explain: bool, max_file_size: str | None,
            exclude: tuple[str, ...], disable: tuple[str, ...], jobs: int | None) -> int:
    """Scan for secrets: by default the repository's tracked files (or the directory
    when it is not a git repository), or PATHs, the index (--staged), history
    (--history, --since) or standard input (--stdin).

    Exit codes: 0 no findings · 1 findings · 3 bad configuration, bad usage or nothing
    scanned · 2 git missing.  Secrets are redacted unless --no-redact.
    """
    import pitstop.scan
    from pitstop.cli.progress import progress_bar
    from pitstop.scan.reporters import render, reporter
    from pitstop.scan.reporters.text import accept_hint, summary
    from pitstop.scan.settings import ScanSettings

    modes = [name for name, on in (("PATH", bool(paths)), ("--staged", staged),
                                   ("--history", history is not None),
                                   ("--since", since is not None), ("--stdin", use_stdin)) if on]
    if len(modes) > 1:
        raise UsageError(f"{' and '.join(modes)} cannot be combined",
                         hint="scan one source at a time")
    size: int | None = None
    if max_file_size is not None:
        try:
            size = parse_bytesize(max_file_size)
        except ValueError as exc:
            raise UsageError(f"--max-file-size: {exc}") from None
    settings = app.settings()
    reporters = settings.extensions.get("reporters")
    if not as_json:
        reporter(fmt, reporters)  # an unknown or broken format: say so before scanning
    given: dict[str, Any] = {
        "paths": tuple(p if p.is_absolute() else p.resolve() for p in paths),
        "staged": staged, "history": history, "since": since,
        "stdin": sys.stdin.buffer if use_stdin else None,
        "config": rules_file and rules_file.resolve(),
        "baseline": baseline and baseline.resolve(), "update_baseline": update_baseline,
        "explain": explain, "max_file_size": size, "exclude": exclude, "disable": disable,
        "jobs": jobs}
    # only the options given, so that the history shows just those
    options = {k: v for k, v in given.items() if v is not None and v is not False and v != ()}
    with progress_bar("scanning") as progress:
        report = pitstop.scan.secrets(settings, progress=progress, root=app.cwd, **options)

    section = settings.section(ScanSettings)
    redact = section.redact and not no_redact
    if as_json:
        text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    else:
        text = render(report, fmt, redact, reporters=reporters)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write the report: {exc.strerror or exc}",
                              file=output) from None
    elif text:
        if redact and fmt == "text" and not as_json:
            # text also passes pitstop's line redactor; the structured formats are
            # redacted by their reporters (the line redactor would break their quoting)
            sys.stdout.write(_redacted(text))
        else:
            sys.stdout.write(text)
        sys.stdout.flush()
    info(summary(report))
    if update_baseline:
        return 0
    if staged and report.findings:  # a blocked commit: say how to unblock it
        shown = _shown_path(baseline.resolve() if baseline else section.baseline, app.cwd)
        info(accept_hint(len(report.findings), shown,
                         configured=baseline is None and section.baseline is not None))
    return report.exit_code


def _shown_path(path: Path | None, cwd: Path) -> str | None:
    """``path`` relative to ``cwd`` when it is below it (how a user would type it)."""
    if path is None:
        return None
    try:
        return str(path.resolve().relative_to(cwd.resolve()))
    except ValueError:
        return str(path)


def _redacted(text: str) -> str:
    """The report through pitstop's redactor, line by line (``\\n`` only: a JSON string
    may hold other line separators)."""
    from pitstop.redact import redact

    return "\n".join(redact(line) for line in text.split("\n"))


@scan.command("rules")
@json_option
@pass_app
@_libraries_required
def rules(app: AppContext, as_json: bool) -> int:
    """List the built-in rules: id, description and keywords."""
    import pitstop.scan

    listing = pitstop.scan.list_rules(app.settings())
    if as_json:
        emit_json(listing.to_dict())
        return 0
    table(["id", "description", "keywords"],
          [(r.id, r.description, ", ".join(r.keywords)) for r in listing.rules],
          title=f"{len(listing.rules)} built-in rules")
    return 0
