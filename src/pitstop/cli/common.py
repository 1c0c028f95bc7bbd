"""Shared plumbing for command modules: the application context, common options,
settings loading with flag overrides, and logging set-up.

A command looks like::

    @click.command()
    @json_option
    @database_option
    @pass_app
    def status(app: AppContext, as_json: bool, database: str | None) -> int:
        settings = app.settings(database_url=database)
        result = pitstop.migrate.status(settings)
        ...render...
        return 0
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import click

if TYPE_CHECKING:
    from pitstop.config import Settings

F = TypeVar("F", bound=Callable[..., Any])


@dataclasses.dataclass
class AppContext:
    """What the top-level options decided; shared by every sub-command."""

    config_file: Path | None = None
    log_level: str | None = None
    log_format: str | None = None
    show_traceback: bool = False
    env_file: Path | bool | None = None
    """``--env-file PATH``, ``--no-env-file`` (False), or None (the config decides)."""
    cwd: Path = dataclasses.field(default_factory=Path.cwd)
    _settings: Settings | None = None
    _said: set[str] = dataclasses.field(default_factory=set)
    _state_dir_was_there: bool | None = None

    def settings(self, **overrides: Any) -> Settings:
        """Load settings (flags > env > .env > file > defaults) and configure logging."""
        from pitstop.registry import load_settings

        flags = {"log_level": self.log_level, "log_format": self.log_format, **overrides}
        settings = load_settings(self.cwd, config_file=self.config_file, env=os.environ,
                                 overrides=flags, env_file=self.env_file)
        from pitstop.log import configure_logging
        from pitstop.output import set_json_lines

        configure_logging(settings.log_level, settings.log_format)
        set_json_lines(settings.log_format == "json")
        _register_secrets(settings)
        self._tell(settings)
        if self._settings is None:
            self._state_dir_was_there = os.path.lexists(settings.state_dir)
        self._settings = settings
        return settings

    def _tell(self, settings: Settings) -> None:
        """Warnings from loading, and the note that no config was found: once each."""
        from pitstop.output import info, warning

        for text in settings.warnings:
            if text not in self._said and settings.log_level != "ERROR":
                warning(text)
            self._said.add(text)
        if settings.config_file is None and "no-config" not in self._said:
            self._said.add("no-config")
            if settings.log_level in ("DEBUG", "INFO"):
                info(f"no pitstop.toml found above {self.cwd}: using defaults")

    def discard_state_of_failure(self, exit_code: int) -> None:
        """Outside a project, a failed command leaves no ``.pitstop/`` it created
        for nothing (see :func:`pitstop.cli.state_cleanup.discard_unused_state`)."""
        settings = self._settings
        if settings is None or settings.config_file is not None \
                or self._state_dir_was_there is not False:
            return
        from pitstop.cli.state_cleanup import discard_unused_state

        discard_unused_state(settings.state_dir, exit_code)


def _register_secrets(settings: Settings) -> None:
    """The secrets of every URL in play, wherever it came from (flag, env, .env,
    file), are masked even where they appear on their own."""
    from pitstop.config import ENV_OVERRIDES
    from pitstop.redact import register_secret, url_secrets

    urls = [os.environ.get(var) for var in ENV_OVERRIDES if var.endswith("_URL")]
    urls += [settings.database_url, settings.redis_url, settings.state.url,
             settings.metrics.pushgateway]
    for value in urls:
        for secret in url_secrets(value or ""):
            register_secret(secret)


pass_app = click.make_pass_decorator(AppContext, ensure=True)


class DurationType(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.2
    """A command-line duration: seconds as a plain number (``60``, ``0.5``) or with units
    (``30s``, ``2m``, ``1h30m``, ``250ms``), the same forms the config file takes."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        from pitstop.config_types import parse_duration

        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = DurationType()


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True,
                        help="Print the result as JSON on stdout.")(func)


def database_option(func: F) -> F:
    return click.option("--database", "database", metavar="URL", default=None,
                        help="Database URL [env DATABASE_URL; config database_url; "
                             "default sqlite:///.pitstop/app.db].")(func)


def dry_run_option(func: F) -> F:
    return click.option("--dry-run", is_flag=True, default=None,
                        help="Show what would be done, change nothing, exit 10 "
                             "[env PITSTOP_DRY_RUN or DRY_RUN].")(func)


def option_flag(option: str, flags: Mapping[str, str] | None = None) -> str:
    """How the CLI spells the verb option ``option``: ``flags[option]``, else ``--``
    and the name with dashes (``lock_timeout`` → ``--lock-timeout``)."""
    return (flags or {}).get(option) or "--" + option.replace("_", "-")


class SpellingGroup(click.Group):
    """A command group whose errors name the verbs' options as this CLI spells them:
    the library says ``to``, the user reads ``--to`` (:meth:`PitstopError.respell`).
    ``flags`` maps the options whose flag is not the default spelling."""

    flags: ClassVar[Mapping[str, str]] = {"database_url": "--database", "directory": "--dir"}

    def invoke(self, ctx: click.Context) -> Any:
        from pitstop.errors import PitstopError

        try:
            return super().invoke(ctx)
        except PitstopError as exc:
            exc.respell(lambda name: option_flag(name, self.flags))
            raise
