"""``pitstop config show``."""

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
    a flag, the environment, the config file, or the default.

    Precedence: flag > environment > pitstop.toml / [tool.pitstop] > default.
    """
    from pitstop.config_report import describe_settings

    rows = describe_settings(app.settings())
    if as_json:
        emit_json({"settings": {r.key: {"value": r.value, "origin": r.origin} for r in rows}})
        return 0
    table(["key", "value", "origin"], [
        (r.key, r.value if isinstance(r.value, str) else json.dumps(r.value), r.origin)
        for r in rows
    ])
    return 0


@config.command()
@pass_app
def validate(app: AppContext) -> int:
    """Load the configuration and every workflow plan; exit 3 on the first problem."""
    from pitstop.engine.planner import all_tasks, plan
    from pitstop.output import info
    from pitstop.registry import tasks

    settings = app.settings()
    builtins = tasks()
    all_tasks(settings, builtins)
    for workflow in settings.workflows:
        plan(settings, workflow, builtins)
    info(f"ok: {settings.config_file or 'defaults (no config file found)'}")
    return 0
