"""``pitstop init [DIR]``."""

from __future__ import annotations

from pathlib import Path

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.output import emit_json, info


@click.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".",
                required=False)
@click.option("--force", is_flag=True, help="Replace an existing pitstop.toml (or shadow [tool.pitstop]).")
@json_option
@pass_app
def init(app: AppContext, directory: Path, force: bool, as_json: bool) -> int:
    """Create a commented pitstop.toml, a migrations/ folder and a .gitignore entry
    for .pitstop/ in DIRECTORY (default: here).

    Refuses to overwrite an existing pitstop.toml, or to shadow a [tool.pitstop]
    table in pyproject.toml, (exit 3) unless --force.
    """
    from pitstop.project import init_project

    result = init_project(app.cwd / directory, force=force)
    if as_json:
        emit_json({"directory": str(result.directory),
                   "created": [str(p) for p in result.created],
                   "updated": [str(p) for p in result.updated]})
        return 0
    for path in result.created:
        info(f"created {path}")
    for path in result.updated:
        info(f"updated {path}")
    info("next: edit pitstop.toml, then `pitstop run setup`")
    return 0
