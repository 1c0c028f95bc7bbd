"""``pitstop db inspect/export/diff/models/create-all``: the schema commands (added to
the ``pitstop db`` group)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from pitstop.cli.common import AppContext, database_option, json_option, pass_app
from pitstop.errors import EXIT_OK


def _describe_table(name: str, table: Mapping[str, Any]) -> None:
    from pitstop.output import echo
    from pitstop.output import table as print_table

    comment = f"  -- {table['comment']}" if table.get("comment") else ""
    echo(f"table {name}{comment}")
    pk = set((table.get("primary_key") or {}).get("columns") or [])
    rows = []
    for col in table.get("columns") or []:
        extra = []
        if col["name"] in pk:
            extra.append("primary key")
        if col.get("identity"):
            extra.append("identity always" if col["identity"].get("always") else "identity")
        elif col.get("autoincrement"):
            extra.append("autoincrement")
        if col.get("computed"):
            extra.append(f"computed {col['computed']['sqltext']}")
        if col.get("comment"):
            extra.append(f"-- {col['comment']}")
        rows.append([col["name"], col["type"], "yes" if col["nullable"] else "no",
                     col.get("default") or "", ", ".join(extra)])
    print_table(["column", "type", "null", "default", ""], rows, keys=("column",))
    for ix in table.get("indexes") or []:
        what = ", ".join(ix.get("columns") or ix.get("expressions") or [])
        where = f" WHERE {ix['where']}" if ix.get("where") else ""
        echo(f"  {'unique ' if ix.get('unique') else ''}index {ix.get('name')} ({what}){where}")
    for uq in table.get("unique_constraints") or []:
        echo(f"  unique {uq.get('name') or ''} ({', '.join(uq['columns'])})")
    for fk in table.get("foreign_keys") or []:
        actions = "".join(f" on {k} {fk[f'on{k}']}" for k in ("delete", "update")
                          if fk.get(f"on{k}"))
        echo(f"  foreign key {fk.get('name') or ''} ({', '.join(fk['columns'])}) -> "
             f"{fk['referred_table']} ({', '.join(fk['referred_columns'])}){actions}")
    for ck in table.get("check_constraints") or []:
        echo(f"  check {ck.get('name') or ''} ({ck['sqltext']})")
    echo()


@click.command("inspect")
@click.argument("tables", nargs=-1, metavar="[TABLE]...")
@database_option
@json_option
@pass_app
def inspect_cmd(app: AppContext, tables: tuple[str, ...], database: str | None,
                as_json: bool) -> int:
    """Show the database's tables (or only TABLE...): columns, keys, indexes, foreign
    keys, unique and check constraints; views, sequences and enum types."""
    from pitstop.db import schema_verbs
    from pitstop.output import echo, emit_json

    result = schema_verbs.inspect(app.settings(database_url=database), tables=tables)
    if as_json:
        emit_json(result.to_dict())
        return EXIT_OK
    schema = result.schema
    for name, table in (schema.get("tables") or {}).items():
        _describe_table(name, table)
    for view in schema.get("views") or []:
        echo(f"view {view['name']}: {' '.join(view['definition'].split())}")
    if schema.get("sequences"):
        echo(f"sequences: {', '.join(schema['sequences'])}")
    for name, labels in (schema.get("enums") or {}).items():
        echo(f"enum {name}: {', '.join(labels)}")
    if not schema.get("tables") and not schema.get("views"):
        echo(f"{result.database}: no tables")
    return EXIT_OK


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["json", "sql"]), default=None,
              help="json, or the SQL that creates the schema [default: by the file's "
                   "suffix, else json].")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Write to FILE (whole or not at all) instead of stdout.")
@click.option("--check", type=click.Path(path_type=Path, dir_okay=False), default=None,
              metavar="FILE", help="Compare the database with the committed export FILE; "
                                   "exit 1 and show the difference when they differ.")
@database_option
@json_option
@pass_app
def export_cmd(app: AppContext, fmt: str | None, output: Path | None, check: Path | None,
               database: str | None, as_json: bool) -> int:
    """Write the whole schema, sorted and stable so it diffs well in review: JSON, or
    SQL like dbmate's schema.sql.  With --check FILE, exit 1 when the database no
    longer matches FILE."""
    import sys

    from pitstop.db import schema_verbs
    from pitstop.errors import UsageError
    from pitstop.output import echo, emit_json, error, info

    if check is not None and output is not None:
        raise UsageError("--check and -o/--output cannot be used together",
                         hint="--check compares with FILE; -o writes it")
    result = schema_verbs.export(app.settings(database_url=database), format=fmt,  # type: ignore[arg-type]
                                 output=output, check=check)
    if as_json:
        emit_json(result.to_dict())
    elif check is not None:
        if result.matches:
            info(f"{check}: matches {result.database}")
        else:
            error(f"{check}: does not match {result.database}",
                  hint=f"if the change is intended: pitstop db export -o {check}")
            for line in result.difference:
                echo(line)
    elif output is not None:
        info(f"wrote {output} ({result.tables} tables, {result.format})")
    else:
        sys.stdout.write(result.text)
        sys.stdout.flush()
    return result.exit_code


@click.command("diff")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@click.option("--sql", "as_sql", is_flag=True,
              help="Print the SQL that takes FROM to TO (destructive statements included).")
@click.option("--dev-url", default=None, metavar="URL",
              help="A server for the scratch database when neither side is a database.")
@json_option
@pass_app
def diff_cmd(app: AppContext, source: str, target: str, as_sql: bool, dev_url: str | None,
             as_json: bool) -> int:
    """List every difference between two schemas; with --sql, the statements that take
    FROM to TO.  FROM and TO are database URLs, `db export` files, or
    models:PKG.MOD:Base (models: alone for the configured or discovered models).
    Exit 0 when identical, 1 when they differ."""
    import sys

    from pitstop.db import schema_verbs
    from pitstop.output import emit_json, info

    result = schema_verbs.diff(app.settings(), source=source, target=target, dev_url=dev_url)
    if as_json:
        emit_json(result.to_dict())
    elif as_sql:
        sys.stdout.write(result.statements())
        sys.stdout.flush()
    else:
        from pitstop.output import echo

        if result.identical:
            info(f"{result.source} and {result.target}: no difference")
        else:
            info(f"{result.source} → {result.target}: {len(result.differences)} "
                 f"difference{'s' if len(result.differences) != 1 else ''}")
            for d in result.differences:
                echo(f"  {d.text}{'  (destructive)' if d.destructive else ''}")
    return result.exit_code


@click.command("models")
@click.option("--base", default=None, metavar="PKG.MOD:Base",
              help="The declarative base [default: [models] base, else the models under "
                   "[models] paths].")
@click.option("--imports", "show_imports", is_flag=True,
              help="Print the import lines of every model.")
@click.option("--write-env", type=click.Path(path_type=Path, dir_okay=False), default=None,
              metavar="ENV_PY", help="Update the marked import block in Alembic's env.py.")
@json_option
@pass_app
def models_cmd(app: AppContext, base: str | None, show_imports: bool,
               write_env: Path | None, as_json: bool) -> int:
    """Find the declarative models (SQLAlchemy or SQLModel) under [models] paths,
    imported in the project's interpreter: class, table, module, columns.  A file that
    fails to import, or two classes mapping one table, exit 1 naming them."""
    from pitstop.db import schema_verbs
    from pitstop.output import echo, emit_json, error, info, table

    result = schema_verbs.models(app.settings(), base=base, write_env=write_env)
    if as_json:
        emit_json(result.to_dict())
        return result.exit_code
    if show_imports:
        for line in result.imports:
            echo(line)
    elif result.models:
        table(["class", "table", "module", "columns"],
              [[m.name, m.table, m.module, ", ".join(m.columns)] for m in result.models],
              keys=("class", "table"))
    else:
        info(f"no models found ({result.source})")
    for problem in result.problems:
        where = problem.file or problem.module
        error(f"{where}: {problem.message}" if where else problem.message)
    if result.written is not None:
        info(f"{'updated' if result.changed else 'already up to date:'} {result.written}")
    return result.exit_code


@click.command("create-all")
@click.option("--base", default=None, metavar="PKG.MOD:Base",
              help="The declarative base [default: [models] base, else [models] paths].")
@click.option("--dry-run", is_flag=True, default=None,
              help="Check and list the tables; create nothing (exit 10).")
@database_option
@json_option
@pass_app
def create_all_cmd(app: AppContext, base: str | None, dry_run: bool | None,
                   database: str | None, as_json: bool) -> int:
    """Create every model's table on an empty database (refusing one that has tables),
    for a project without migrations."""
    from pitstop.db import schema_verbs
    from pitstop.output import emit_json, info

    result = schema_verbs.create_all(app.settings(database_url=database, dry_run=dry_run),
                                     base=base)
    if as_json:
        emit_json(result.to_dict())
    else:
        verb = "would create" if result.dry_run else "created"
        info(f"{verb} {len(result.tables)} tables in {result.database}: "
             f"{', '.join(result.tables)}")
    return result.exit_code
