"""``pitstop config show`` and ``pitstop config validate``."""

from __future__ import annotations

import json

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.output import emit_json, table


@click.group()
def config() -> None:
    """Inspect the resolved configuration."""


@config.command()
@json_option
@pass_app
def show(app: AppContext, as_json: bool) -> int:
    """Print every setting, its value (passwords masked) and where it came from:
    a flag, the environment, the .env file, the config file, or the default.

    Precedence: flag > environment > .env > pitstop.toml / [tool.pitstop] > default.
    """
    from pitstop.config_report import describe_settings

    rows = describe_settings(app.settings())
    if as_json:
        emit_json({"settings": {r.key: {"value": r.value, "origin": r.origin} for r in rows}})
        return 0
    table(["key", "value", "origin"], [
        (r.key, r.value if isinstance(r.value, str) else json.dumps(r.value), r.origin)
        for r in rows
    ], keys=("key",))
    return 0


@config.command()
@json_option
@pass_app
def validate(app: AppContext, as_json: bool) -> int:
    """Check the configuration as every command will use it: the file, the .env and
    the environment, every section, every workflow and every task (unknown names,
    dependency cycles even between tasks no workflow uses, a workflow named like a
    task), the database and state URLs.  Exit 3 on the first problem, naming the file
    and the key; 0 when all is well.

    With --json the verdict is an object on stdout: {"valid", "config_file",
    "env_file", "error": null or {"message", "file", "key", "hint", "exit_code"},
    "tasks", "workflows", "warnings"}.
    """
    from pitstop.config_check import validate_config
    from pitstop.errors import ConfigError
    from pitstop.output import error, info
    from pitstop.registry import tasks as builtin_tasks

    try:
        report = validate_config(app.settings(), builtin_tasks())
    except ConfigError as exc:
        if not as_json:
            raise
        emit_json({"valid": False, "config_file": None, "env_file": None, "error": {
            "message": exc.message, "file": str(exc.file) if exc.file else None,
            "key": exc.key, "hint": exc.hint, "exit_code": exc.exit_code},
            "tasks": [], "workflows": [], "warnings": []})
        error(exc.message, exc.hint)
        return exc.exit_code
    if as_json:
        emit_json(report.to_dict())
    else:
        from pitstop.output import warning

        shown = set(app.settings().warnings)  # said when the settings were loaded
        for text in report.warnings:
            if text not in shown:
                warning(text)
        info(f"ok: {report.config_file or 'defaults (no config file found)'}")
    return 0
