"""A schema as plain, stable JSON data, and back: the one form pitstop compares, exports
and carries across the pipe from the project's interpreter.

This module runs in two places: in pitstop's process, and — its source sent by
:mod:`pitstop.db.models` — inside the project's interpreter, next to the project's
models.  So it imports only the standard library and SQLAlchemy (2.x), never pitstop,
and stays valid on Python 3.8.

The form (``pitstop-schema/1``)::

    {"format": "pitstop-schema/1", "dialect": "postgresql",
     "tables": {"users": {"columns": [{"name": "id", "type": "INTEGER",
                                        "spec": {"class": "sqlalchemy.sql.sqltypes:Integer"},
                                        "nullable": false, "default": null, …}, …],
                          "primary_key": {"name": …, "columns": ["id"]},
                          "indexes": […], "unique_constraints": […],
                          "foreign_keys": […], "check_constraints": […], "comment": null}},
     "views": [{"name": "v", "definition": "SELECT …"}], "sequences": ["name"], "enums": {"mood": ["happy"]}}

``type`` is the column type as the dialect writes it (for people); ``spec`` is the
SQLAlchemy type class and its arguments (for :func:`load_metadata`).  ``default`` is
the server default as SQL text.  Lists are sorted wherever order carries no meaning.
"""

from __future__ import annotations

import importlib
from typing import Any

FORMAT = "pitstop-schema/1"
_SCALARS = (str, int, float, bool)


# -- types ---------------------------------------------------------------------------------
def _sqlalchemy_class(cls: type) -> type:
    """``cls``, or the nearest SQLAlchemy class it derives from (SQLModel's AutoString
    is a String)."""
    for base in cls.__mro__:
        if base.__module__.startswith("sqlalchemy."):
            return base
    return cls


def type_spec(type_: Any, dialect: Any = None) -> dict[str, Any]:
    """``type_`` as ``{"class": "module:Name", "args": {…}}``; a ``TypeDecorator`` as
    the type it stores."""
    from sqlalchemy import Enum
    from sqlalchemy.types import TypeDecorator, TypeEngine
    from sqlalchemy.util import get_cls_kwargs

    if isinstance(type_, TypeDecorator):
        impl = type_.load_dialect_impl(dialect) if dialect is not None else type_.impl_instance
        if impl is not type_:
            return type_spec(impl, dialect)
    cls = _sqlalchemy_class(type(type_))
    spec: dict[str, Any] = {"class": f"{cls.__module__}:{cls.__qualname__}"}
    args: dict[str, Any] = {}
    if isinstance(type_, Enum):
        args["enums"] = [str(e) for e in type_.enums]
        for key in ("name", "schema"):
            if getattr(type_, key, None):
                args[key] = str(getattr(type_, key))
        args["native_enum"] = bool(type_.native_enum)
    else:
        for key in sorted(get_cls_kwargs(cls)):
            value = getattr(type_, key, None)
            if value is None:
                continue
            if isinstance(value, TypeEngine):
                args[key] = type_spec(value, dialect)
            elif isinstance(value, type) and issubclass(value, TypeEngine):
                args[key] = type_spec(value(), dialect)
            elif isinstance(value, _SCALARS) and not (key == "as_tuple" and value is False):
                args[key] = value
    if args:
        spec["args"] = args
    return spec


def type_from_spec(spec: dict[str, Any]) -> Any:
    """The SQLAlchemy type :func:`type_spec` described (``NullType`` for a class that is
    not SQLAlchemy's or that this SQLAlchemy lacks)."""
    from sqlalchemy import Enum
    from sqlalchemy.types import NullType

    module_name, _, name = str(spec.get("class") or "").partition(":")
    if not module_name.startswith("sqlalchemy.") or not name:
        return NullType()
    try:
        target: Any = importlib.import_module(module_name)
        for part in name.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        return NullType()
    args = dict(spec.get("args") or {})
    for key, value in list(args.items()):
        if isinstance(value, dict) and "class" in value:
            args[key] = type_from_spec(value)
    try:
        if isinstance(target, type) and issubclass(target, Enum):
            enums = args.pop("enums", [])
            return target(*enums, **args)
        return target(**args)
    except TypeError:
        return target()


def render_type(type_: Any, dialect: Any) -> str:
    """``type_`` as ``dialect`` writes it in DDL."""
    try:
        return str(type_.compile(dialect=dialect))
    except Exception:  # noqa: BLE001 - a type this dialect cannot write: say what it is
        return repr(type_)


# -- from a MetaData (the models) ----------------------------------------------------------
def _name(value: Any) -> str | None:
    """A constraint's name, or ``None`` when it has none (SQLAlchemy marks a name left
    to the database with a symbol)."""
    return str(value) if isinstance(value, str) and value else None


def _sql(clause: Any, dialect: Any) -> str:
    if isinstance(clause, str):
        return clause
    text = getattr(clause, "text", None)
    if isinstance(text, str):
        return text
    return str(clause.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _default_sql(column: Any, dialect: Any) -> str | None:
    default = column.server_default
    arg = getattr(default, "arg", None)
    if arg is None:
        return None
    if isinstance(arg, str):
        return "'" + arg.replace("'", "''") + "'"
    return _sql(arg, dialect)


def _column(column: Any, dialect: Any) -> dict[str, Any]:
    identity = getattr(column, "identity", None)
    computed = getattr(column, "computed", None)
    return {
        "name": column.name,
        "type": render_type(column.type, dialect),
        "spec": type_spec(column.type, dialect),
        "nullable": bool(column.nullable),
        "default": _default_sql(column, dialect),
        "autoincrement": column.autoincrement if isinstance(column.autoincrement, bool)
        else None,
        "identity": None if identity is None else {
            "always": bool(identity.always), "start": identity.start,
            "increment": identity.increment},
        "computed": None if computed is None else {
            "sqltext": _sql(computed.sqltext, dialect), "persisted": computed.persisted},
        "comment": column.comment,
    }


def _where(options: Any, dialect: Any) -> str | None:
    for key in ("postgresql_where", "sqlite_where"):
        clause = options.get(key)
        if clause is not None:
            return _sql(clause, dialect)
    return None


def _index(index: Any, dialect: Any) -> dict[str, Any]:
    from sqlalchemy import Column

    exprs = list(index.expressions)
    plain = all(isinstance(e, (Column, str)) for e in exprs)
    return {
        "name": _name(index.name),
        "columns": [e if isinstance(e, str) else e.name for e in exprs] if plain else None,
        "expressions": None if plain else [_sql(e, dialect) for e in exprs],
        "unique": bool(index.unique),
        "where": _where(index.dialect_kwargs, dialect),
    }


def _table(table: Any, dialect: Any) -> dict[str, Any]:
    from sqlalchemy import CheckConstraint, UniqueConstraint

    pk = table.primary_key
    uniques = [{"name": _name(c.name), "columns": [col.name for col in c.columns]}
               for c in table.constraints if isinstance(c, UniqueConstraint)]
    checks = [{"name": _name(c.name), "sqltext": _sql(c.sqltext, dialect)}
              for c in table.constraints if isinstance(c, CheckConstraint)
              and not getattr(c, "_type_bound", False)]
    fks = []
    for fk in table.foreign_key_constraints:
        first = fk.elements[0]
        fks.append({
            "name": _name(fk.name),
            "columns": [e.parent.name for e in fk.elements],
            "referred_schema": first.column.table.schema,
            "referred_table": first.column.table.name,
            "referred_columns": [e.column.name for e in fk.elements],
            "ondelete": fk.ondelete, "onupdate": fk.onupdate,
        })
    return normalize_table({
        "schema": table.schema,
        "comment": table.comment,
        "columns": [_column(c, dialect) for c in table.columns],
        "primary_key": {"name": _name(pk.name), "columns": [c.name for c in pk.columns]}
        if len(pk.columns) else None,
        "indexes": [_index(i, dialect) for i in table.indexes],
        "unique_constraints": uniques,
        "foreign_keys": fks,
        "check_constraints": checks,
    })


def _sort_key(item: dict[str, Any]) -> tuple[str, str]:
    return (item.get("name") or "", repr(item.get("columns") or item.get("expressions")
                                         or item.get("sqltext")))


def normalize_table(table: dict[str, Any]) -> dict[str, Any]:
    """Sort the parts of ``table`` whose order means nothing, so equal schemas give
    equal data."""
    for key in ("indexes", "unique_constraints", "foreign_keys", "check_constraints"):
        table[key] = sorted(table.get(key) or [], key=_sort_key)
    return table


def model_enums(metadata: Any) -> dict[str, list[str]]:
    """The named, native enum types the tables of ``metadata`` use."""
    from sqlalchemy import Enum

    found: dict[str, list[str]] = {}
    for table in metadata.tables.values():
        for column in table.columns:
            type_ = column.type
            if isinstance(type_, Enum) and type_.native_enum and type_.name:
                found[str(type_.name)] = [str(e) for e in type_.enums]
    return dict(sorted(found.items()))


def dump_metadata(metadata: Any, dialect_name: str) -> dict[str, Any]:
    """``metadata``'s tables in the form above, types written by ``dialect_name``."""
    dialect = load_dialect(dialect_name)
    tables = {}
    for table in metadata.tables.values():
        key = table.name if not table.schema else f"{table.schema}.{table.name}"
        tables[key] = _table(table, dialect)
    sequences = sorted(str(s.name) for s in getattr(metadata, "_sequences", {}).values())
    return {"format": FORMAT, "dialect": dialect_name, "tables": dict(sorted(tables.items())),
            "views": [], "sequences": sequences,
            "enums": model_enums(metadata),
            "naming_convention": {k: v for k, v in metadata.naming_convention.items()
                                  if isinstance(k, str) and isinstance(v, str)}}


def load_dialect(name: str) -> Any:
    """A SQLAlchemy dialect object for ``name`` (no driver needed)."""
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    modules = {"postgresql": postgresql, "mysql": mysql, "mariadb": mysql, "sqlite": sqlite}
    module = modules.get(name, sqlite)
    return module.dialect()


# -- back to a MetaData --------------------------------------------------------------------
def load_metadata(schema: dict[str, Any]) -> Any:
    """A SQLAlchemy ``MetaData`` holding the tables of ``schema`` (the form above)."""
    from sqlalchemy import (
        CheckConstraint,
        Column,
        Computed,
        ForeignKeyConstraint,
        Identity,
        Index,
        MetaData,
        PrimaryKeyConstraint,
        Table,
        UniqueConstraint,
        text,
    )

    metadata = MetaData()
    for key, spec in (schema.get("tables") or {}).items():
        name = key.rpartition(".")[2] if spec.get("schema") else key
        items: list[Any] = []
        for col in spec.get("columns") or []:
            extra: list[Any] = []
            if col.get("identity"):
                ident = col["identity"]
                extra.append(Identity(always=ident.get("always", False),
                                      start=ident.get("start"),
                                      increment=ident.get("increment")))
            if col.get("computed"):
                extra.append(Computed(text(col["computed"]["sqltext"]),
                                      persisted=col["computed"].get("persisted")))
            kwargs: dict[str, Any] = {"nullable": col.get("nullable", True),
                                      "comment": col.get("comment")}
            default = col.get("default")
            serial = col.get("autoincrement") is True and str(default).startswith("nextval(")
            if default is not None and not serial:  # a serial column's own sequence
                kwargs["server_default"] = text(default)
            if isinstance(col.get("autoincrement"), bool):
                kwargs["autoincrement"] = col["autoincrement"]
            items.append(Column(col["name"], type_from_spec(col.get("spec") or {}), *extra,
                                **kwargs))
        pk = spec.get("primary_key")
        if pk and pk.get("columns"):
            items.append(PrimaryKeyConstraint(*pk["columns"], name=pk.get("name")))
        for uq in spec.get("unique_constraints") or []:
            items.append(UniqueConstraint(*uq["columns"], name=uq.get("name")))
        for ck in spec.get("check_constraints") or []:
            items.append(CheckConstraint(text(ck["sqltext"]), name=ck.get("name")))
        for fk in spec.get("foreign_keys") or []:
            prefix = f"{fk['referred_schema']}." if fk.get("referred_schema") else ""
            items.append(ForeignKeyConstraint(
                fk["columns"], [f"{prefix}{fk['referred_table']}.{c}"
                                for c in fk["referred_columns"]],
                name=fk.get("name"), ondelete=fk.get("ondelete"), onupdate=fk.get("onupdate")))
        for ix in spec.get("indexes") or []:
            parts = ix.get("columns") or [text(e) for e in ix.get("expressions") or []]
            where = text(ix["where"]) if ix.get("where") else None
            items.append(Index(ix.get("name"), *parts, unique=bool(ix.get("unique")),
                               postgresql_where=where, sqlite_where=where))
        Table(name, metadata, *items, schema=spec.get("schema"), comment=spec.get("comment"))
    return metadata
