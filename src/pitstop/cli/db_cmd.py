"""``pitstop db``: create databases; extensions live in ``db extensions``."""

from __future__ import annotations

import importlib.util

import click

from pitstop.cli.common import AppContext, database_option, json_option, pass_app
from pitstop.output import emit_json, info


@click.group()
def db() -> None:
    """Create the application database and manage PostgreSQL extensions."""


@db.command("init")
@database_option
@click.option("--dry-run", is_flag=True, default=None,
              help="Say whether the database would be created; create nothing (exit 10).")
@json_option
@pass_app
def init_cmd(app: AppContext, database: str | None, dry_run: bool | None, as_json: bool) -> int:
    """Create the database named in the URL if it does not exist (SQLite file,
    PostgreSQL or MySQL/MariaDB database).  Safe to run again."""
    from pitstop.db import init

    result = init(app.settings(database_url=database, dry_run=dry_run))
    if as_json:
        emit_json(result.to_dict())
    else:
        info(result.message)
    return result.exit_code


if importlib.util.find_spec("pitstop.cli.db_extensions_cmd") is not None:
    db.add_command(importlib.import_module("pitstop.cli.db_extensions_cmd").extensions)

for _name in ("inspect_cmd", "export_cmd", "diff_cmd", "models_cmd", "create_all_cmd"):
    db.add_command(getattr(importlib.import_module("pitstop.cli.db_schema_cmd"), _name))
