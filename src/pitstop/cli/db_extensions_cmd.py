"""``pitstop db extensions``: list, verify and deploy PostgreSQL extensions
(added to the ``pitstop db`` group)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from pitstop.cli.common import AppContext, database_option, dry_run_option, json_option, pass_app

if TYPE_CHECKING:
    from pitstop.db.extensions import ExtensionStatus
    from pitstop.db.verbs import ExtensionsResult


def _table(states: Sequence[ExtensionStatus], dry_run: bool = False) -> None:
    from pitstop.output import table

    def shown(s: ExtensionStatus) -> str:
        if s.action is None:
            return s.state
        return f"would {s.action.removesuffix('d')}" if dry_run else s.action

    table(["extension", "required", "installed", "available", "state"],
          [[s.name, str(s.requirement), s.installed or "-", s.available or "-", shown(s)]
           for s in states])


def _render(result: ExtensionsResult, as_json: bool) -> None:
    from pitstop.output import emit_json

    if as_json:
        emit_json(result.to_dict())
    elif result.extensions:
        _table(result.extensions, result.dry_run)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def extensions() -> None:
    """PostgreSQL extensions: list, verify and deploy those in
    [db.extensions] required (e.g. "pg_trgm>=1.6")."""


@extensions.command("list")
@json_option
@database_option
@pass_app
def list_(app: AppContext, as_json: bool, database: str | None) -> int:
    """List installed extensions and the state of the required ones."""
    from pitstop.db import list_extensions
    from pitstop.output import emit_json, table

    result = list_extensions(app.settings(database_url=database))
    if as_json:
        emit_json(result.to_dict())
    elif result.required:
        _table(result.required)
    else:
        table(["extension", "installed"], [[e.name, e.version] for e in result.installed])
    return result.exit_code


@extensions.command("verify")
@click.argument("names", nargs=-1, metavar="[EXT[>=VERSION]]...")
@json_option
@database_option
@pass_app
def verify_cmd(app: AppContext, names: tuple[str, ...], as_json: bool,
               database: str | None) -> int:
    """Exit 1 unless every required extension is installed at a matching version."""
    from pitstop.db import verify_extensions
    from pitstop.output import error, info

    result = verify_extensions(app.settings(database_url=database), names=names)
    _render(result, as_json)
    if not result.extensions:
        info("no extensions required ([db.extensions] required is empty)")
    elif result.not_ready:
        error(f"{len(result.not_ready)} of {len(result.extensions)} extensions not ready: "
              + ", ".join(f"{s.name} ({s.state})" for s in result.not_ready),
              "run `pitstop db extensions deploy`")
    return result.exit_code


@extensions.command("deploy")
@click.argument("names", nargs=-1, metavar="[EXT[>=VERSION]]...")
@click.option("--schema", default=None,
              help="Schema to create the extensions in [config db.extensions.schema].")
@dry_run_option
@json_option
@database_option
@pass_app
def deploy_cmd(app: AppContext, names: tuple[str, ...], schema: str | None,
               dry_run: bool | None, as_json: bool, database: str | None) -> int:
    """Create missing extensions (and update outdated ones) in one transaction.

    Exit 5 when the role lacks the privilege, 2 when the server does not ship an
    extension (nothing is changed in either case), 1 when an installed extension
    cannot be updated to the required version, 10 after --dry-run.
    """
    from pitstop.db import deploy_extensions
    from pitstop.db.verbs import describe
    from pitstop.output import error, info

    result = deploy_extensions(app.settings(database_url=database, dry_run=dry_run),
                               names=names, schema=schema)
    _render(result, as_json)
    if result.not_ready and not result.dry_run:
        error(describe(result),
              "the server ships an older version: upgrade the extension's package")
    else:
        info(describe(result))
    return result.exit_code
