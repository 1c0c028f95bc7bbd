"""``pitstop check`` and ``pitstop wait``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pitstop.cli.common import DURATION, AppContext, database_option, json_option, pass_app
from pitstop.errors import EXIT_CONFIG, EXIT_DEPENDENCY, EXIT_OK, UsageError


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("names", nargs=-1, metavar="[NAMES]...")
@json_option
@click.option("--report", "report_file", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Also write the health+json report to FILE.")
@click.option("--timeout", type=DURATION, default=None, metavar="DURATION",
              help="Time limit of every check (5, 2s, 500ms) [config [checks] timeout; 5s].")
@click.option("--strict", is_flag=True, help="Exit 1 when a check warns.")
@click.option("--verbose", "-v", is_flag=True, help="Show every observed value.")
@click.option("--list", "list_only", is_flag=True, help="List the configured checks and exit.")
@click.option("--no-record", is_flag=True,
              help="Do not record the run nor store the results in the state store (nor "
                   "refresh metrics).")
@database_option
@click.option("--redis", "redis_url", metavar="URL", default=None,
              help="Redis URL [env REDIS_URL; config redis_url].")
@pass_app
def check(app: AppContext, names: tuple[str, ...], as_json: bool, report_file: Path | None,
          timeout: float | None, strict: bool, verbose: bool, list_only: bool,
          no_record: bool, database: str | None, redis_url: str | None) -> int:
    """Run health checks concurrently, each under its own timeout.

    NAMES are checks (env, database, redis, extensions, migrations, schema, http.NAME,
    tcp.NAME) or kinds (http = every http check); none means every configured check.

    Exit codes: 0 all pass (warnings allowed unless --strict), 1 a check failed,
    2 a driver is missing, 3 bad check configuration, 4 a service cannot be reached.
    """
    from pitstop.capability import invocation
    from pitstop.checks.report import NOT_STORED, format_lines, to_health_json
    from pitstop.checks.verbs import check as run_check
    from pitstop.checks.verbs import list_checks
    from pitstop.output import echo, emit_json, info

    settings = app.settings(database_url=database, redis_url=redis_url)
    if list_only:
        listed = list_checks(settings)
        if as_json:
            emit_json(listed.to_dict())
        for item in listed.checks if not as_json else ():
            echo(f"{item.name}  ({item.kind}, timeout {item.timeout:g} s)")
        return EXIT_OK
    if timeout is not None and timeout <= 0:
        raise UsageError("--timeout: expected a number of seconds above zero")
    with invocation(record=not no_record):  # --no-record: no run and no results stored
        report = run_check(settings, names=names, timeout=timeout, strict=strict,
                           save=not no_record)
    document = to_health_json(report)
    if report_file is not None:
        from pitstop.redact import redact

        try:
            report_file.write_text(redact(json.dumps(document, indent=2, default=str)) + "\n",
                                   encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write --report {report_file}: {exc.strerror or exc}"
                             ) from None
    if as_json:
        emit_json(document)
    else:
        for line in format_lines(report, verbose=verbose):
            echo(line)
        counts = report.counts
        info(f"{len(report.results)} checks: {counts['pass']} passed, {counts['warn']} warned, "
             f"{counts['fail']} failed in {report.duration_seconds:.2f} s")
    for warning in report.warnings:
        if warning.startswith(NOT_STORED):  # metrics warnings were logged already
            info(f"warning: {warning}")
    return report.exit_code


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("targets", nargs=-1, metavar="[database|redis|URL]...")
@click.option("--timeout", type=DURATION, default=60.0, show_default=True,
              metavar="DURATION", help="Give up after this long (seconds, or 30s, 2m).")
@click.option("--interval", type=DURATION, default=1.0, show_default=True,
              metavar="DURATION", help="Time between attempts (seconds, or 500ms, 2s).")
@json_option
@database_option
@click.option("--redis", "redis_url", metavar="URL", default=None,
              help="Redis URL for the `redis` target [env REDIS_URL; config redis_url].")
@pass_app
def wait(app: AppContext, targets: tuple[str, ...], timeout: float, interval: float,
         as_json: bool, database: str | None, redis_url: str | None) -> int:
    """Block until each target answers (default: the database), like `dbmate wait`.

    A target is `database`, `redis`, a database/Redis/HTTP URL, tcp://HOST:PORT or
    HOST:PORT.  Exit 0 when all answered, 4 naming what did not and its last error,
    3 for a bad target, 2 for a missing driver.
    """
    from pitstop.checks.wait import wait as wait_for_targets
    from pitstop.output import emit_json, error, info

    settings = app.settings(database_url=database, redis_url=redis_url)
    if timeout <= 0 or interval <= 0:
        raise UsageError("--timeout and --interval must be above zero")

    def told(label: str, attempts: int, message: str) -> None:
        if attempts == 1 or attempts % 10 == 0:
            info(f"waiting for {label} (attempt {attempts}): "
                 f"{message.removeprefix(f'{label}: ')}")

    report = wait_for_targets(settings, targets=targets or ("database",), timeout=timeout,
                              interval=interval, on_retry=told)
    if as_json:
        emit_json(report.to_dict())
    for r in report.results:
        if r.ready:
            info(f"{r.label} answered after {r.seconds:.1f} s: {r.detail}")
        elif r.exit_code in (EXIT_CONFIG, EXIT_DEPENDENCY):  # ended at once, not waited for
            error(f"cannot wait for {r.label}: {r.detail.removeprefix(f'{r.label}: ')}", r.hint)
        else:
            detail = r.detail.removeprefix(f"{r.label}: ")
            tries = f"{r.attempts} attempt{'s' if r.attempts != 1 else ''}"
            error(f"{r.label} did not answer within {timeout:g} s ({tries}); last error: "
                  f"{detail}", r.hint)
    return report.exit_code
