"""``pitstop scan``: secret scanning of a tree, the staged blobs, history or stdin."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.errors import ConfigError, DependencyError, UsageError
from pitstop.output import emit_json, info, table
from pitstop.schema import parse_bytesize

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
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "junit"]),
              default="text", show_default=True, help="Report format (on stdout).")
@json_option
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
    from pitstop.scan import ScanOptions, scan_secrets
    from pitstop.scan.reporters import render
    from pitstop.scan.reporters.text import accept_hint, summary

    modes = [name for name, on in (("PATH", bool(paths)), ("--staged", staged),
                                   ("--history", history is not None),
                                   ("--since", since is not None), ("--stdin", use_stdin)) if on]
    if len(modes) > 1:
        raise UsageError(f"{' and '.join(modes)} cannot be combined",
                         hint="scan one source at a time")
    settings = app.settings()
    from pitstop.scan.settings import ScanSettings

    section = settings.section(ScanSettings)
    overrides: dict[str, object] = {"explain": explain, "jobs": jobs, "env": dict(os.environ),
                                    "update_baseline": update_baseline}
    if max_file_size is not None:
        try:
            overrides["max_file_size"] = parse_bytesize(max_file_size)
        except ValueError as exc:
            raise UsageError(f"--max-file-size: {exc}") from None
    if rules_file is not None:
        overrides["rules_file"] = rules_file.resolve()
    if baseline is not None:
        overrides["baseline"] = baseline.resolve()
    if exclude:
        overrides["exclude"] = (*section.exclude, *exclude)
    if disable:
        overrides["disable"] = (*section.disable, *disable)
    if staged:
        overrides["mode"] = "staged"
    elif history is not None or since is not None:
        overrides["mode"] = "history"
        overrides["rev_range"] = f"{since}..HEAD" if since is not None else history
    elif use_stdin:
        overrides["mode"] = "stdin"
        overrides["stdin_stream"] = sys.stdin.buffer
    elif paths:
        overrides["paths"] = tuple(p.resolve() if not p.is_absolute() else p for p in paths)
    overrides["root"] = app.cwd
    options = ScanOptions.from_settings(settings, **overrides)
    with _progress() as progress:
        report = scan_secrets(options, progress=progress)

    redact = section.redact and not no_redact
    text = render(report, "json" if as_json else fmt, redact)
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
        info(accept_hint(len(report.findings), _shown_path(options.baseline, app.cwd),
                         configured=baseline is None and section.baseline is not None))
    return EXIT_FINDINGS if report.findings else 0


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal (nothing when piped)."""
    from pitstop.output import stderr_is_terminal

    if not stderr_is_terminal():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("scanning", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True, no_color="NO_COLOR" in os.environ),
                  transient=True) as bar:
        task = bar.add_task("scan", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


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
    from pitstop.scan import builtin_rules

    items = builtin_rules()
    if as_json:
        emit_json([{"id": r.id, "description": r.description, "keywords": list(r.keywords),
                    "entropy": r.entropy, "tags": list(r.tags)} for r in items])
        return 0
    table(["id", "description", "keywords"],
          [(r.id, r.description, ", ".join(r.keywords)) for r in items],
          title=f"{len(items)} built-in rules")
    return 0
