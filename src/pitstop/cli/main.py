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

# pitstop's own commands; every capability's come from pitstop.registry.
# name -> ("module:attribute", one-line help).  Modules are imported only when used.
CORE_COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("pitstop.cli.init_cmd:init", "Create pitstop.toml, migrations/ and .gitignore entries."),
    "config": ("pitstop.cli.config_cmd:config", "Show the resolved settings and where each came from."),
    "run": ("pitstop.cli.run_cmd:run", "Run a workflow or a task (DAG, parallel, retries, timeouts)."),
    "tasks": ("pitstop.cli.run_cmd:tasks", "List the tasks and workflows this project can run."),
    "history": ("pitstop.cli.history_cmd:history", "Show recorded runs, their tasks and logs."),
    "plugins": ("pitstop.cli.plugins_cmd:plugins", "List installed plugins and whether they load."),
}


def available_commands() -> dict[str, tuple[str, str]]:
    """Every command: pitstop's own, then each capability's (plugins' included)."""
    from pitstop.registry import commands

    found = dict(CORE_COMMANDS)
    for name, (_capability, command) in commands().items():
        found.setdefault(name, (command.target, command.summary))
    return found


class LazyGroup(click.Group):
    """A group that imports a sub-command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(available_commands())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = CORE_COMMANDS.get(cmd_name) or available_commands().get(cmd_name)
        if spec is None:
            return None
        module_name, _, attr = spec[0].partition(":")
        if module_name.startswith("pitstop."):
            command: click.Command = getattr(importlib.import_module(module_name), attr)
            return command
        try:  # a plugin's command: its failure is a warning, not a crash
            command = getattr(importlib.import_module(module_name), attr)
        except Exception as exc:
            raise PitstopError(f"the plugin command {cmd_name!r} ({spec[0]}) cannot be loaded: "
                               f"{type(exc).__name__}: {exc}",
                               hint="`pitstop plugins` lists what is installed; reinstall or "
                                    "remove the plugin") from exc
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
    from pitstop.capability import install_observers, install_recorder, invocation
    from pitstop.cli.common import AppContext

    app = AppContext()
    recorder = _LazyRecorder()
    previous = install_recorder(recorder)
    previous_observers = install_observers((_announce,))
    try:
        with invocation(trigger="cli"):
            code = _run(args, app)
    finally:
        install_recorder(previous)
        install_observers(previous_observers)
        recorder.close()
    app.discard_state_of_failure(code)
    return code


def _publish_metrics(settings: Any) -> None:
    """After a recorded command: refresh the Prometheus textfile / Pushgateway when the
    project exports metrics (costs nothing otherwise)."""
    if settings.metrics.textfile is None and not settings.metrics.pushgateway:
        return
    from pitstop.metrics import publish_metrics
    from pitstop.state.store import StateStore

    with StateStore.open(settings.state.url) as store:
        publish_metrics(settings, store)


def _announce(settings: Any, event: Any) -> None:
    """The capabilities' run observers (notifications), looked up when a run is first
    announced."""
    from pitstop.capability import announce_to
    from pitstop.registry import observers

    announce_to(observers(), settings, event)


class _LazyRecorder:
    """The state recorder, imported when the first command is recorded (``--help`` and
    ``--version`` never pay for it)."""

    def __init__(self) -> None:
        self._recorder: Any = None

    def _get(self) -> Any:
        if self._recorder is None:
            from pitstop.state.recorder import StateRecorder

            self._recorder = StateRecorder(on_finish=_publish_metrics)
        return self._recorder

    def start(self, *args: Any, **kwargs: Any) -> Any:
        return self._get().start(*args, **kwargs)

    def finish(self, *args: Any, **kwargs: Any) -> None:
        self._get().finish(*args, **kwargs)

    def close(self) -> None:
        if self._recorder is not None:
            self._recorder.close()


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
