"""Reading a live database's schema in a few round trips, and writing a schema as SQL.

:func:`read_schema` asks SQLAlchemy's inspector for every table at once (its
``get_multi_*`` calls: one query per kind of object, not one per table) and returns the
stable JSON form of :mod:`pitstop.db.metadata_json`.  :func:`schema_sql` writes such a
form as the DDL that creates it, sorted, like dbmate's ``schema.sql``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pitstop.db.metadata_json import (
    FORMAT,
    load_dialect,
    load_metadata,
    normalize_table,
    render_type,
    type_spec,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

IGNORED = ("pitstop_*", "alembic_version")
"""Tables that are bookkeeping, not the application's schema (the migration history)."""


def ignored(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _column(col: Any, dialect: Any) -> dict[str, Any]:
    identity = col.get("identity")
    computed = col.get("computed")
    default = col.get("default")
    return {
        "name": col["name"],
        "type": render_type(col["type"], dialect),
        "spec": type_spec(col["type"], dialect),
        "nullable": bool(col.get("nullable", True)),
        "default": None if default is None or identity else str(default),
        "autoincrement": col["autoincrement"] if isinstance(col.get("autoincrement"), bool)
        else None,
        "identity": None if not identity else {
            "always": bool(identity.get("always")), "start": identity.get("start"),
            "increment": identity.get("increment")},
        "computed": None if not computed else {
            "sqltext": str(computed.get("sqltext")), "persisted": computed.get("persisted")},
        "comment": col.get("comment"),
    }


def _index(ix: Any) -> dict[str, Any]:
    names = ix.get("column_names") or []
    exprs = ix.get("expressions")
    options = ix.get("dialect_options") or {}
    where = options.get("postgresql_where") or options.get("sqlite_where")
    plain = all(n is not None for n in names) and not (exprs and exprs != names)
    return {"name": ix.get("name"), "columns": list(names) if plain else None,
            "expressions": None if plain else [str(e) for e in exprs or names],
            "unique": bool(ix.get("unique")),
            "where": None if where is None else str(where)}


def _fk(fk: Any) -> dict[str, Any]:
    options = fk.get("options") or {}
    return {"name": fk.get("name"), "columns": list(fk["constrained_columns"]),
            "referred_schema": fk.get("referred_schema"),
            "referred_table": fk["referred_table"],
            "referred_columns": list(fk["referred_columns"]),
            "ondelete": options.get("ondelete"), "onupdate": options.get("onupdate")}


def read_schema(conn: Connection, *, tables: Sequence[str] = (),
                exclude: Iterable[str] = IGNORED,
                progress: Callable[[int, int | None], None] | None = None) -> dict[str, Any]:
    """The schema of the database behind ``conn`` (its default schema): every table —
    or only ``tables`` — with its columns, keys, indexes and constraints, and the
    views, sequences and enum types; tables matching ``exclude`` are left out."""
    import warnings

    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():  # what the inspector cannot read (SQLite's expression
        warnings.simplefilter("ignore", SAWarning)  # indexes) is left out, not shouted
        return _read_schema(conn, tables, exclude, progress)


def _read_schema(conn: Connection, tables: Sequence[str], exclude: Iterable[str],
                 progress: Callable[[int, int | None], None] | None) -> dict[str, Any]:
    import sqlalchemy

    inspector = sqlalchemy.inspect(conn)
    dialect = conn.dialect
    patterns = tuple(exclude)
    names = [n for n in inspector.get_table_names() if not ignored(n, patterns)]
    if tables:
        wanted = set(tables)
        names = [n for n in names if n in wanted]
    steps = 7
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps)

    found: dict[str, Any] = {}
    if names:
        kw: dict[str, Any] = {"filter_names": names}
        columns = inspector.get_multi_columns(**kw)
        step()
        pks = inspector.get_multi_pk_constraint(**kw)
        step()
        fks = inspector.get_multi_foreign_keys(**kw)
        step()
        indexes = inspector.get_multi_indexes(**kw)
        step()
        uniques = _optional(inspector.get_multi_unique_constraints, kw)
        step()
        checks = _optional(inspector.get_multi_check_constraints, kw)
        step()
        comments = _optional(inspector.get_multi_table_comment, kw)
        for key in sorted(columns, key=lambda k: k[1]):
            name = key[1]
            pk: Any = pks.get(key) or {}
            # MySQL's unique constraints are unique indexes: list them once
            unique_names = {u.get("name") for u in uniques.get(key) or []}
            table = {
                "schema": None,
                "comment": (comments.get(key) or {}).get("text"),
                "columns": [_column(c, dialect) for c in columns[key]],
                "primary_key": {"name": pk.get("name"),
                                "columns": list(pk.get("constrained_columns") or [])}
                if pk.get("constrained_columns") else None,
                "indexes": [_index(i) for i in indexes.get(key) or []
                            if not i.get("duplicates_constraint")
                            and i.get("name") not in unique_names],
                "unique_constraints": [{"name": u.get("name"),
                                        "columns": list(u["column_names"])}
                                       for u in uniques.get(key) or []],
                "foreign_keys": [_fk(f) for f in fks.get(key) or []],
                "check_constraints": [{"name": c.get("name"), "sqltext": str(c["sqltext"])}
                                      for c in checks.get(key) or []],
            }
            found[name] = normalize_table(table)
    # a list, not a mapping: a view named "api_tokens" must not look like a secret key
    views = []
    for view in sorted(inspector.get_view_names()):
        if tables and view not in tables:
            continue
        try:
            definition = _view_body(str(inspector.get_view_definition(view)))
        except NotImplementedError:
            definition = ""
        views.append({"name": view, "definition": definition})
    sequences: list[str] = []
    if not tables:
        try:
            sequences = sorted(inspector.get_sequence_names())
        except NotImplementedError:
            sequences = []
    get_enums = getattr(inspector, "get_enums", None)  # only where the server has enum types
    enums = {}
    if get_enums is not None and not tables:
        for enum in sorted(get_enums(), key=lambda e: e["name"]):
            if enum.get("visible", True):
                enums[enum["name"]] = list(enum["labels"])
    step()
    return {"format": FORMAT, "dialect": dialect.name, "tables": found, "views": views,
            "sequences": sequences, "enums": enums}


_CREATE_VIEW = re.compile(r"^\s*CREATE\b.*?\bVIEW\s+\S+\s+AS\s+", re.IGNORECASE | re.DOTALL)


def _view_body(definition: str) -> str:
    """The query of a view: what SQLite and MySQL return as a whole ``CREATE …
    VIEW`` (MySQL's with the definer, which differs between servers) cut to it."""
    return _CREATE_VIEW.sub("", definition.strip(), count=1).strip().rstrip(";")


def _optional(call: Callable[..., Any], kw: dict[str, Any]) -> dict[Any, Any]:
    try:
        found: dict[Any, Any] = call(**kw)
    except NotImplementedError:
        return {}
    return found


def _stmt(ddl: Any, dialect: Any) -> str:
    return str(ddl.compile(dialect=dialect)).strip() + ";"


def _quote(name: str, dialect: Any) -> str:
    return str(dialect.identifier_preparer.quote(name))


def owned_sequences(schema: dict[str, Any]) -> set[str]:
    """The sequences serial and identity columns make for themselves."""
    import re

    owned = set()
    for name, table in (schema.get("tables") or {}).items():
        for col in table.get("columns") or []:
            match = re.match(r"nextval\('\"?([^'\"]+)\"?'", str(col.get("default") or ""))
            if match:
                owned.add(match.group(1))
            if col.get("identity"):
                owned.add(f"{name}_{col['name']}_seq")
    return owned


def schema_sql(schema: dict[str, Any]) -> str:
    """``schema`` (the JSON form) as the SQL that creates it in its dialect: enum types
    and sequences, tables by name, their indexes, then foreign keys (inline for SQLite,
    which cannot add them later), views.  The same schema always gives the same text."""
    from sqlalchemy.schema import (
        AddConstraint,
        CreateIndex,
        CreateTable,
        SetColumnComment,
        SetTableComment,
    )

    name = schema.get("dialect") or "sqlite"
    dialect = load_dialect(name)
    metadata = load_metadata(schema)
    inline_fks = not dialect.supports_alter  # SQLite: no ALTER TABLE … ADD CONSTRAINT
    out = [f"-- pitstop db export ({FORMAT}, {name}); generated, do not edit", ""]
    for enum, labels in sorted((schema.get("enums") or {}).items()):
        values = ", ".join("'" + v.replace("'", "''") + "'" for v in labels)
        out.append(f"CREATE TYPE {_quote(enum, dialect)} AS ENUM ({values});")
    for seq in sorted(set(schema.get("sequences") or []) - owned_sequences(schema)):
        out.append(f"CREATE SEQUENCE {_quote(seq, dialect)};")
    if len(out) > 2:
        out.append("")
    later: list[str] = []
    for key in sorted(metadata.tables):
        table = metadata.tables[key]
        include: list[Any] | None = None if inline_fks else []
        out.append(_stmt(CreateTable(table, include_foreign_key_constraints=include), dialect))
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            out.append(_stmt(CreateIndex(index), dialect))
        if dialect.supports_comments and not dialect.inline_comments:
            if table.comment:
                out.append(_stmt(SetTableComment(table), dialect))
            out.extend(_stmt(SetColumnComment(c), dialect) for c in table.columns if c.comment)
        out.append("")
        if not inline_fks:
            for fk in sorted(table.foreign_key_constraints,
                             key=lambda f: (str(f.name), [c.name for c in f.columns])):
                later.append(_stmt(AddConstraint(fk), dialect))
    if later:
        out.extend([*later, ""])
    for view in schema.get("views") or []:
        body = view["definition"].rstrip().rstrip(";")
        if not body.lower().startswith("create"):
            body = f"CREATE VIEW {_quote(view['name'], dialect)} AS {body}"
        out.extend([body + ";", ""])
    return "\n".join(out).rstrip() + "\n"


def dump_json(schema: dict[str, Any]) -> str:
    """``schema`` as JSON text, keys sorted: byte-identical for equal schemas."""
    import json

    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
