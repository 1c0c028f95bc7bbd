"""Entry point: the top-level ``pitstop`` group with lazily imported command groups,
and the one place where errors become exit codes.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

import click

from pitstop import __version__
from pitstop.errors import EXIT_CONFIG, EXIT_ERROR, EXIT_INTERRUPTED, PitstopError
from pitstop.output import error, set_json_lines

# name -> ("module:attribute", one-line help).  Modules are imported only when used.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("pitstop.cli.init_cmd:init", "Create pitstop.toml, migrations/ and .gitignore entries."),
    "config": ("pitstop.cli.config_cmd:config", "Show the resolved settings and where each came from."),
    "run": ("pitstop.cli.run_cmd:run", "Run a workflow or a task (DAG, parallel, retries, timeouts)."),
    "tasks": ("pitstop.cli.run_cmd:tasks", "List the tasks and workflows this project can run."),
    "history": ("pitstop.cli.history_cmd:history", "Show recorded runs, their tasks and logs."),
    "migrate": ("pitstop.cli.migrate_cmd:migrate", "Apply, roll back and inspect SQL migrations."),
    "db": ("pitstop.cli.db_cmd:db", "Create databases and manage PostgreSQL extensions."),
    "backup": ("pitstop.cli.backup_cmd:backup", "Create, verify, restore and prune database backups."),
    "snapshot": ("pitstop.cli.snapshot_cmd:snapshot", "Deduplicated snapshots of the git-tracked tree."),
    "check": ("pitstop.cli.check_cmd:check", "Run health checks in parallel (database, Redis, HTTP…)."),
    "wait": ("pitstop.cli.check_cmd:wait", "Block until the database, Redis or a URL answers."),
    "bench": ("pitstop.cli.bench_cmd:bench", "Measure Redis/Dragonfly throughput and latency."),
    "scan": ("pitstop.cli.scan_cmd:scan", "Scan files, the staged diff or history for secrets."),
    "release": ("pitstop.cli.release_cmd:release", "Compute the next version, tag it, write the changelog."),
    "test": ("pitstop.cli.test_cmd:test", "Run smoke tests with a time budget, or coverage with a floor."),
}


def available_commands() -> dict[str, tuple[str, str]]:
    """The commands whose module is present in this installation."""
    cli_dir = Path(__file__).parent
    return {
        name: spec
        for name, spec in COMMANDS.items()
        if (cli_dir / (spec[0].partition(":")[0].rsplit(".", 1)[1] + ".py")).is_file()
    }


class LazyGroup(click.Group):
    """A group that imports a sub-command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(available_commands())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = available_commands().get(cmd_name)
        if spec is None:
            return None
        module_name, _, attr = spec[0].partition(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, spec[1]) for name, spec in available_commands().items()]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "-V", "--version", prog_name="pitstop",
                      message="%(prog)s %(version)s")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              envvar="PITSTOP_CONFIG", help="Use this pitstop.toml / pyproject.toml instead of "
              "searching upwards from the current directory.")
@click.option("--env-file", type=click.Path(path_type=Path), default=None,
              envvar="PITSTOP_ENV_FILE", help="Read DATABASE_URL and the other variables "
              "pitstop uses from this file instead of the project's .env (the real "
              "environment still wins) [config env_file].")
@click.option("--no-env-file", is_flag=True, help="Read no .env file.")
@click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"],
              case_sensitive=False), default=None,
              help="Log verbosity [env PITSTOP_LOG_LEVEL, or LOG_LEVEL; INFO].")
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None,
              help="Log lines for people (text) or one JSON object per line.")
@click.option("--traceback", "show_traceback", is_flag=True,
              help="Print the full traceback of an unexpected error.")
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None, env_file: Path | None,
        no_env_file: bool, log_level: str | None, log_format: str | None,
        show_traceback: bool) -> None:
    """pitstop — the chores around a Python backend, as one tool with one history.

    Exit codes: 0 ok · 1 error · 2 dependency missing/failed · 3 configuration or
    usage error · 4 connection error · 5 permission error · 10 dry run done ·
    130 interrupted.  See docs/exit-codes.md.
    """
    from pitstop.cli.common import AppContext

    # JSON lines from the start, so that even a broken config is reported as JSON
    set_json_lines((log_format or os.environ.get("PITSTOP_LOG_FORMAT", "")) == "json")
    app = ctx.ensure_object(AppContext)  # main() passes one in, to clean up after
    app.config_file, app.log_level, app.log_format = config_file, log_level, log_format
    app.show_traceback = show_traceback
    app.env_file = False if no_env_file else env_file


def _crash_report(exc: BaseException) -> Path | None:
    from pitstop.redact import redact

    text = redact("".join(traceback.format_exception(exc)))
    try:
        fd, name = tempfile.mkstemp(prefix="pitstop-crash-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"pitstop {__version__}\nargv: {redact(' '.join(sys.argv))}\n\n{text}")
        return Path(name)
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (never raises, never calls sys.exit)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        return _main(args)
    finally:
        set_json_lines(False)  # for callers (tests) that run several commands in one process


def _main(args: list[str]) -> int:
    from pitstop.cli.common import AppContext

    app = AppContext()
    code = _run(args, app)
    app.discard_state_of_failure(code)
    return code


def _run(args: list[str], app: Any) -> int:
    show_tb = "--traceback" in args
    try:
        result = cli.main(args=args, prog_name="pitstop", standalone_mode=False, obj=app)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        error("interrupted")
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        # bad flags, missing arguments, unknown commands: usage errors -> 3
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            click.echo(exc.ctx.get_usage(), err=True)
        error(exc.format_message())
        return EXIT_CONFIG if isinstance(exc, click.UsageError | click.BadParameter) else exc.exit_code
    except PitstopError as exc:
        error(exc.message, exc.hint)
        return exc.exit_code
    except KeyboardInterrupt:
        error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # stdout closed early (e.g. piped into head): not an error worth a report
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - the last resort: one line and a crash report
        if show_tb:
            traceback.print_exception(exc)
        report = _crash_report(exc)
        where = f"; full report in {report}" if report else ""
        error(f"unexpected error: {type(exc).__name__}: {exc}{where}",
              "this is a bug in pitstop; rerun with --traceback and report it")
        return EXIT_ERROR
    return int(result) if isinstance(result, int) else 0


def run() -> Any:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
