"""``pitstop check`` and ``pitstop wait``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from pitstop.cli.common import DURATION, AppContext, database_option, json_option, pass_app
from pitstop.errors import EXIT_CONFIG, EXIT_CONNECTION, EXIT_DEPENDENCY, EXIT_OK, UsageError


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
              help="Do not store the results in the state store (nor refresh metrics).")
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
    from pitstop.checks.report import NOT_STORED, format_lines, save_report, to_health_json
    from pitstop.checks.runner import check_env, configured_checks, run_checks, select_checks
    from pitstop.output import echo, emit_json, info

    settings = app.settings(database_url=database, redis_url=redis_url)
    env = check_env(settings, os.environ)
    if list_only:
        for item in configured_checks(env):
            echo(f"{item.name}  ({item.kind}, timeout {item.timeout:g} s)")
        return EXIT_OK
    if timeout is not None and timeout <= 0:
        raise UsageError("--timeout: expected a number of seconds above zero")
    report = run_checks(select_checks(env, names), timeout=timeout)
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
        counts = report.counts()
        info(f"{len(report.results)} checks: {counts['pass']} passed, {counts['warn']} warned, "
             f"{counts['fail']} failed in {report.duration_seconds:.2f} s")
    if not no_record:
        for warning in save_report(settings, report, log_warnings=False):
            if warning.startswith(NOT_STORED):  # metrics warnings were logged already
                info(f"warning: {warning}")
    return report.exit_code(strict=strict)


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

    def progress(label: str, attempts: int, message: str) -> None:
        if attempts == 1 or attempts % 10 == 0:
            info(f"waiting for {label} (attempt {attempts}): "
                 f"{message.removeprefix(f'{label}: ')}")

    results = wait_for_targets(settings, targets or ("database",), timeout=timeout,
                               interval=interval, on_retry=progress)
    if as_json:
        emit_json([{"target": r.label, "ready": r.ready, "seconds": round(r.seconds, 3),
                    "attempts": r.attempts, "detail": r.detail, "hint": r.hint,
                    "exit_code": r.exit_code if not r.ready else 0} for r in results])
    for r in results:
        if r.ready:
            info(f"{r.label} answered after {r.seconds:.1f} s: {r.detail}")
        elif r.exit_code in (EXIT_CONFIG, EXIT_DEPENDENCY):  # ended at once, not waited for
            error(f"cannot wait for {r.label}: {r.detail.removeprefix(f'{r.label}: ')}", r.hint)
        else:
            detail = r.detail.removeprefix(f"{r.label}: ")
            tries = f"{r.attempts} attempt{'s' if r.attempts != 1 else ''}"
            error(f"{r.label} did not answer within {timeout:g} s ({tries}); last error: "
                  f"{detail}", r.hint)
    failed = {r.exit_code for r in results if not r.ready}
    if not failed:
        return EXIT_OK
    for code in (EXIT_CONFIG, EXIT_DEPENDENCY):
        if code in failed:
            return code
    return EXIT_CONNECTION
