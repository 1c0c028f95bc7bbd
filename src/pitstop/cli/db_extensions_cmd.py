"""``pitstop db extensions``: list, verify and deploy PostgreSQL extensions
(added to the ``pitstop db`` group)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from pitstop.cli.common import AppContext, database_option, dry_run_option, json_option, pass_app
from pitstop.errors import EXIT_DRY_RUN, EXIT_ERROR, EXIT_OK, UsageError

if TYPE_CHECKING:
    from pitstop.config import Settings
    from pitstop.db.extensions import ExtensionStatus


def _target(app: AppContext, database: str | None, names: Sequence[str]
            ) -> tuple[Settings, str, tuple[str, ...], str | None]:
    from pitstop.checks.settings import ChecksSettings
    from pitstop.db.extensions import parse_requirement

    settings = app.settings(database_url=database)
    checks = settings.section(ChecksSettings)
    url = database or checks.database.url or settings.database_url
    for name in names:
        try:
            parse_requirement(name)
        except ValueError as exc:
            raise UsageError(str(exc).removeprefix("required: ")) from None
    return settings, url, tuple(names) or checks.extensions.required, checks.extensions.schema


def _render(states: Sequence[ExtensionStatus], as_json: bool) -> None:
    from pitstop.output import emit_json, table

    if as_json:
        emit_json([{"name": s.name, "required": str(s.requirement), "state": s.state,
                    "installed": s.installed, "available": s.available, "action": s.action}
                   for s in states])
        return
    table(["extension", "required", "installed", "available", "state"],
          [[s.name, str(s.requirement), s.installed or "-", s.available or "-",
            s.action or s.state] for s in states])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def extensions() -> None:
    """PostgreSQL extensions: list, verify and deploy those in
    [checks.extensions] required (e.g. "pg_trgm>=1.6")."""


@extensions.command("list")
@json_option
@database_option
@pass_app
def list_(app: AppContext, as_json: bool, database: str | None) -> int:
    """List installed extensions and the state of the required ones."""
    from pitstop.db.extensions import installed, verify
    from pitstop.output import emit_json, table

    _settings, url, required, _schema = _target(app, database, ())
    if required:
        _render(verify(url, required), as_json)
        return EXIT_OK
    rows = installed(url)
    if as_json:
        emit_json([{"name": n, "installed": v} for n, v in rows])
    else:
        table(["extension", "installed"], rows)
    return EXIT_OK


@extensions.command("verify")
@click.argument("names", nargs=-1, metavar="[EXT[>=VERSION]]...")
@json_option
@database_option
@pass_app
def verify_cmd(app: AppContext, names: tuple[str, ...], as_json: bool,
               database: str | None) -> int:
    """Exit 1 unless every required extension is installed at a matching version."""
    from pitstop.db.extensions import verify
    from pitstop.output import error

    _settings, url, required, _schema = _target(app, database, names)
    if not required:
        raise UsageError("no extensions required",
                         hint='set [checks.extensions] required = ["pg_trgm>=1.6"] or name them')
    states = verify(url, required)
    _render(states, as_json)
    bad = [s for s in states if s.state != "ok"]
    if bad:
        error(f"{len(bad)} of {len(states)} extensions not ready: "
              + ", ".join(f"{s.name} ({s.state})" for s in bad),
              "run `pitstop db extensions deploy`")
        return EXIT_ERROR
    return EXIT_OK


@extensions.command("deploy")
@click.argument("names", nargs=-1, metavar="[EXT[>=VERSION]]...")
@click.option("--schema", default=None, help="Schema to create the extensions in.")
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
    from pitstop.db.extensions import deploy, verify
    from pitstop.output import error, info

    settings, url, required, configured_schema = _target(app, database, names)
    if not required:
        raise UsageError("no extensions required",
                         hint='set [checks.extensions] required = ["pg_trgm>=1.6"] or name them')
    if dry_run or settings.dry_run:
        states = verify(url, required)
        _render(states, as_json)
        todo = [s.name for s in states if s.state in ("missing", "outdated")]
        info(f"dry run: would create or update {', '.join(todo) or 'nothing'}")
        return EXIT_DRY_RUN
    states = deploy(url, required, schema=schema or configured_schema)
    _render(states, as_json)
    bad = [s for s in states if s.state != "ok"]
    if bad:
        error("not deployed: " + ", ".join(f"{s.name} ({s.state})" for s in bad),
              "the server ships an older version: upgrade the extension's package")
        return EXIT_ERROR
    changed = [s.name for s in states if s.action]
    info(f"deployed: {', '.join(changed)}" if changed else "all extensions already present")
    return EXIT_OK
