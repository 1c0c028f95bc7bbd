"""``pitstop plugins``: what installed packages add to pitstop, and whether it loads."""

from __future__ import annotations

import click

from pitstop.cli.common import json_option
from pitstop.output import echo, emit_json, table


@click.command()
@json_option
def plugins(as_json: bool) -> int:
    """List the plugins installed alongside pitstop — capabilities, check kinds and
    report formats registered through the entry points `pitstop.capabilities`,
    `pitstop.checks` and `pitstop.reporters` — and whether each one loads.

    A plugin that cannot be loaded is reported here (and warned about once by the
    commands that would use it); it never stops an unrelated command.  Exit 0, or 1
    when a plugin is broken.
    """
    from pitstop import registry

    found = registry.plugins()
    if as_json:
        emit_json({"plugins": [
            {"group": p.group, "name": p.name, "target": p.target,
             "distribution": p.distribution, "version": p.version, "ok": p.ok,
             "error": p.error} for p in found]})
    elif not found:
        echo("no plugins installed (see docs/architecture.md, 'Plugins')")
    else:
        table(["group", "name", "from", "target", "status"],
              [(p.group.removeprefix("pitstop."), p.name, f"{p.distribution} {p.version}",
                p.target, "ok" if p.ok else f"broken: {p.error}") for p in found],
              keys=("name",))
    return 0 if all(p.ok for p in found) else 1
