"""What it takes to go from one schema to another, in words and in SQL.

The comparison is Alembic's (``produce_migrations``: its autogenerate comparators, with
types and server defaults compared), between a live database and a SQLAlchemy
``MetaData``; the SQL is Alembic's operations rendered offline in the target dialect.
Where Alembic is silent or cannot write the change, this module adds to it:

- PostgreSQL enum types: values added to a type (``ALTER TYPE … ADD VALUE``), types a
  new column needs (``CREATE TYPE``), values removed (a destructive change with no
  automatic SQL);
- SQLite, which cannot alter a column or add a constraint: the table is rebuilt (new
  table, copy of the common columns, drop, rename, indexes), as Alembic's batch mode
  would;
- destructive changes (a table or column dropped, a type narrowed, enum values removed)
  are marked, so migrations can write them commented out.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from pitstop.db.inspect_schema import ignored
from pitstop.db.metadata_json import model_enums


@dataclasses.dataclass(frozen=True)
class Change:
    """One difference: what it is in words, the SQL that makes it, whether it loses data."""

    kind: str
    """``add_table``, ``drop_table``, ``add_column``, ``drop_column``, ``alter_column``,
    ``add_index``, ``drop_index``, ``add_constraint``, ``drop_constraint``,
    ``add_fk``, ``drop_fk``, ``enum``, ``rebuild_table``, ``comment`` …"""
    table: str | None
    text: str
    sql: str = ""
    """The statements (``;``-terminated), in the target dialect."""
    destructive: bool = False


# -- words ---------------------------------------------------------------------------------
def _cols(columns: Iterable[Any]) -> str:
    return ", ".join(str(getattr(c, "name", c)) for c in columns)


def _type(type_: Any, dialect: Any) -> str:
    from pitstop.db.metadata_json import render_type

    return "?" if type_ is None else render_type(type_, dialect)


def _default(value: Any) -> str:
    if value is None or value is False:
        return "none"
    arg = getattr(value, "arg", value)
    return str(getattr(arg, "text", arg))


def _words(op: Any, dialect: Any) -> tuple[str, str, str | None]:
    """``(kind, text, table)`` for one Alembic operation."""
    from alembic.operations import ops

    if isinstance(op, ops.CreateTableOp):
        from sqlalchemy import Column

        columns = [c for c in op.columns if isinstance(c, Column)]
        return "add_table", f"add table {op.table_name} ({_cols(columns)})", op.table_name
    if isinstance(op, ops.DropTableOp):
        return "drop_table", f"drop table {op.table_name}", op.table_name
    if isinstance(op, ops.AddColumnOp):
        col = op.column
        null = "NULL" if col.nullable else "NOT NULL"
        default = f" DEFAULT {_default(col.server_default)}" if col.server_default else ""
        return ("add_column", f"add column {op.table_name}.{col.name} "
                f"{_type(col.type, dialect)} {null}{default}", op.table_name)
    if isinstance(op, ops.DropColumnOp):
        return "drop_column", f"drop column {op.table_name}.{op.column_name}", op.table_name
    if isinstance(op, ops.AlterColumnOp):
        parts = []
        if op.modify_type is not None:
            parts.append(f"type {_type(op.existing_type, dialect)} → "
                         f"{_type(op.modify_type, dialect)}")
        if op.modify_nullable is not None:
            parts.append("NOT NULL → NULL" if op.modify_nullable else "NULL → NOT NULL")
        if op.modify_server_default is not False:
            parts.append(f"default {_default(op.existing_server_default)} → "
                         f"{_default(op.modify_server_default)}")
        if op.modify_comment is not False:
            parts.append(f"comment {op.existing_comment!r} → {op.modify_comment!r}")
        return ("alter_column", f"alter column {op.table_name}.{op.column_name}: "
                + "; ".join(parts), op.table_name)
    if isinstance(op, ops.CreateIndexOp):
        unique = "unique " if op.unique else ""
        return ("add_index", f"add {unique}index {op.index_name} on {op.table_name} "
                f"({_cols(op.columns)})", op.table_name)
    if isinstance(op, ops.DropIndexOp):
        return "drop_index", f"drop index {op.index_name} on {op.table_name}", op.table_name
    if isinstance(op, ops.CreateForeignKeyOp):
        actions = "".join(f" ON {k.upper()} {v}" for k, v in
                          (("delete", op.kw.get("ondelete")), ("update", op.kw.get("onupdate")))
                          if v)
        return ("add_fk", f"add foreign key {op.constraint_name or ''} on {op.source_table} "
                f"({_cols(op.local_cols)}) → {op.referent_table} ({_cols(op.remote_cols)})"
                f"{actions}".replace("  ", " "), op.source_table)
    if isinstance(op, ops.CreateUniqueConstraintOp):
        return ("add_constraint", f"add unique constraint {op.constraint_name or ''} on "
                f"{op.table_name} ({_cols(op.columns)})".replace("  ", " "), op.table_name)
    if isinstance(op, ops.CreateCheckConstraintOp):
        return ("add_constraint", f"add check constraint {op.constraint_name or ''} on "
                f"{op.table_name}".replace("  ", " "), op.table_name)
    if isinstance(op, ops.DropConstraintOp):
        kind = "drop_fk" if op.constraint_type == "foreignkey" else "drop_constraint"
        what = {"foreignkey": "foreign key", "unique": "unique constraint",
                "check": "check constraint"}.get(op.constraint_type or "", "constraint")
        return kind, f"drop {what} {op.constraint_name} on {op.table_name}", op.table_name
    if isinstance(op, ops.CreateTableCommentOp | ops.DropTableCommentOp):
        return "comment", f"change the comment of table {op.table_name}", op.table_name
    name = type(op).__name__
    return name, f"{name} on {getattr(op, 'table_name', '?')}", getattr(op, "table_name", None)


# -- what loses data -----------------------------------------------------------------------
def _rank(type_: Any) -> int:
    from sqlalchemy import BigInteger, SmallInteger

    if isinstance(type_, SmallInteger):
        return 1
    if isinstance(type_, BigInteger) or "BIG" in type(type_).__name__.upper():
        return 3
    return 2


def narrows(old: Any, new: Any) -> bool:
    """Whether changing a column from type ``old`` to ``new`` can lose data: a shorter
    string, less precision or scale, a smaller integer, fewer enum values, or a change
    to another kind of type."""
    from sqlalchemy import Enum, Integer, Numeric, String

    if old is None or new is None:
        return False
    if isinstance(old, Enum) and isinstance(new, Enum):
        return not set(old.enums) <= set(new.enums)
    if isinstance(old, String) and isinstance(new, String):
        return new.length is not None and (old.length is None or new.length < old.length)
    if isinstance(old, Integer) and isinstance(new, Integer):
        return _rank(new) < _rank(old)
    if isinstance(old, Numeric) and isinstance(new, Numeric) and \
            not isinstance(old, Integer) and not isinstance(new, Integer):
        big = 10**6
        return (new.precision or big) < (old.precision or big) or \
            (new.scale or 0) < (old.scale or 0)
    if isinstance(old, Integer) and isinstance(new, Numeric):
        return False
    return old._type_affinity is not new._type_affinity


def _destructive(op: Any) -> bool:
    from alembic.operations import ops

    if isinstance(op, ops.DropTableOp | ops.DropColumnOp):
        return True
    if isinstance(op, ops.AlterColumnOp) and op.modify_type is not None:
        return narrows(op.existing_type, op.modify_type)
    return False


# -- SQL -----------------------------------------------------------------------------------
class Renderer:
    """Alembic operations as SQL text in one dialect (Alembic's offline mode)."""

    def __init__(self, dialect: Any) -> None:
        """``dialect``: a name, or the dialect of the live connection (which knows the
        server's version: MariaDB's native UUID, say)."""
        from alembic.migration import MigrationContext
        from alembic.operations import Operations

        self.buffer = io.StringIO()
        opts = {"as_sql": True, "output_buffer": self.buffer, "literal_binds": True}
        if isinstance(dialect, str):
            self.context = MigrationContext.configure(dialect_name=dialect, opts=opts)
        else:
            self.context = MigrationContext(dialect, None, opts)
        self.operations = Operations(self.context)
        self.dialect = self.context.dialect

    def sql(self, op: Any) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.operations.invoke(op)
        return _tidy(self.buffer.getvalue())

    def ddl(self, element: Any) -> str:
        return str(element.compile(dialect=self.dialect)).strip() + ";"


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


_SQLITE_REBUILD = ("AlterColumnOp", "CreateForeignKeyOp", "DropConstraintOp",
                   "CreateUniqueConstraintOp", "CreateCheckConstraintOp",
                   "CreatePrimaryKeyOp")


def sqlite_rebuild(renderer: Renderer, old: Any, new: Any) -> str:
    """SQL that turns SQLite table ``old`` into ``new`` (both ``Table``\\ s of one name):
    create the new table under a temporary name, copy the columns both have, drop the
    old one, rename, recreate the indexes."""
    from sqlalchemy import MetaData
    from sqlalchemy.schema import CreateIndex, CreateTable

    temp = f"_pitstop_new_{new.name}"
    scratch = MetaData()  # with the other tables, so its foreign keys resolve
    for other in new.metadata.tables.values():
        if other is not new:
            other.to_metadata(scratch)
    copy = new.to_metadata(scratch, name=temp)
    for index in list(copy.indexes):
        copy.indexes.discard(index)
    common = [c.name for c in new.columns if c.name in old.columns]
    quote = renderer.dialect.identifier_preparer.quote
    cols = ", ".join(quote(c) for c in common)
    statements = [
        renderer.ddl(CreateTable(copy)),
        f"INSERT INTO {quote(temp)} ({cols}) SELECT {cols} FROM {quote(old.name)};",
        f"DROP TABLE {quote(old.name)};",
        f"ALTER TABLE {quote(temp)} RENAME TO {quote(new.name)};",
    ]
    statements += [renderer.ddl(CreateIndex(ix)) for ix in
                   sorted(new.indexes, key=lambda i: str(i.name))]
    return "\n".join(statements)


# -- the comparison ------------------------------------------------------------------------
def _flatten(upgrade_ops: Any) -> Iterator[tuple[Any, Any | None]]:
    """``(op, its ModifyTableOps or None)`` for every operation, in Alembic's order."""
    from alembic.operations import ops

    for op in upgrade_ops.ops:
        if isinstance(op, ops.ModifyTableOps):
            for sub in op.ops:
                yield sub, op
        else:
            yield op, None


def _has_enum_types(conn: Any) -> bool:
    """Whether the server keeps enum types of their own, with names (PostgreSQL), which
    Alembic does not compare; elsewhere an enum is a column type Alembic compares."""
    import sqlalchemy

    return getattr(sqlalchemy.inspect(conn), "get_enums", None) is not None


def _live_enums(conn: Any) -> dict[str, list[str]]:
    import sqlalchemy

    get_enums = getattr(sqlalchemy.inspect(conn), "get_enums", None)
    if get_enums is None:
        return {}
    return {e["name"]: list(e["labels"]) for e in get_enums() if e.get("visible", True)}


def _enum_changes(old: dict[str, list[str]], new: dict[str, list[str]], needed: set[str],
                  created: set[str], renderer: Renderer) -> list[Change]:
    """PostgreSQL enum types ``old`` → ``new``: added and removed values, and types a
    new column needs that no new table creates."""
    quote = renderer.dialect.identifier_preparer.quote
    changes = []
    for name in sorted(set(old) & set(new)):
        added = [v for v in new[name] if v not in old[name]]
        removed = [v for v in old[name] if v not in new[name]]
        for value in added:
            literal = "'" + value.replace("'", "''") + "'"
            changes.append(Change("enum", None, f"add value {value!r} to enum {name}",
                                  f"ALTER TYPE {quote(name)} ADD VALUE IF NOT EXISTS "
                                  f"{literal};"))
        if removed:
            changes.append(Change(
                "enum", None, f"remove value(s) {', '.join(map(repr, removed))} from enum "
                f"{name}", f"-- PostgreSQL cannot drop values from an enum type: recreate "
                f"{name} by hand (new type, ALTER COLUMN … TYPE, DROP TYPE)", True))
    for name in sorted((needed & set(new)) - set(old) - created):
        labels = ", ".join("'" + v.replace("'", "''") + "'" for v in new[name])
        changes.append(Change("enum", None, f"add enum type {name} ({', '.join(new[name])})",
                              f"CREATE TYPE {quote(name)} AS ENUM ({labels});"))
    return changes


_NOW = {"now()", "current_timestamp", "current_timestamp()", "localtimestamp",
        "localtimestamp()"}


def _plain_default(text: str) -> str:
    value = text.strip()
    while value.startswith("(") and value.endswith(")"):
        value = value[1:-1].strip()
    value = re.sub(r"::[\w .\"\[\]]+$", "", value)  # PostgreSQL's cast of a literal
    while value.startswith("(") and value.endswith(")"):
        value = value[1:-1].strip()
    if len(value) >= 2 and value[0] == value[-1] == "'":
        value = value[1:-1]
    value = value.lower()
    return "now()" if value in _NOW else value


def same_default(old_default: Any, new_default: Any) -> bool:
    """Whether two server defaults are the same, one database merely writing it its own
    way (``0.00`` for ``0``, ``'x'::text`` for ``'x'``, ``current_timestamp()`` for
    ``now()``)."""
    if old_default in (None, False) or new_default in (None, False):
        return False
    old, new = _plain_default(_default(old_default)), _plain_default(_default(new_default))
    if old == new:
        return True
    try:
        return float(old) == float(new)
    except ValueError:
        return False


def _drop_same_defaults(op: Any) -> Any | None:
    """``op``, without a server-default change that is no change (see
    :func:`same_default`); ``None`` when nothing else is left of it."""
    from alembic.operations import ops

    if not isinstance(op, ops.AlterColumnOp) or op.modify_server_default is False:
        return op
    if not same_default(op.existing_server_default, op.modify_server_default):
        return op
    op.modify_server_default = False
    changed = (op.modify_type is not None or op.modify_nullable is not None
               or op.modify_comment is not False or op.modify_name is not None)
    return op if changed else None


def _drop_key_nullable(op: Any, *metadatas: Any) -> Any | None:
    """``op`` without a nullability change of a primary key column: a key column is
    NOT NULL in effect, whatever the catalog says (SQLite reports ``id INTEGER PRIMARY
    KEY`` as nullable); ``None`` when nothing else is left of it."""
    from alembic.operations import ops

    if not isinstance(op, ops.AlterColumnOp) or op.modify_nullable is None:
        return op
    for metadata in metadatas:
        table = metadata.tables.get(op.table_name)
        column = None if table is None else table.columns.get(op.column_name)
        if column is None or not column.primary_key:
            return op
    op.modify_nullable = None
    changed = (op.modify_type is not None or op.modify_server_default is not False
               or op.modify_comment is not False or op.modify_name is not None)
    return op if changed else None


def same_type(context: Any, _inspected_column: Any, _metadata_column: Any,
              inspected: Any, metadata: Any) -> bool | None:
    """Alembic's ``compare_type`` hook: ``False`` (no change) when the dialect writes
    both types the same way in DDL (``CHAR(32)`` for a UUID on MariaDB); else
    ``None``, Alembic's own comparison."""
    from pitstop.db.metadata_json import render_type

    dialect = context.dialect
    if render_type(inspected, dialect) == render_type(metadata, dialect):
        return False
    return None


def compare(conn: Any, target: Any, *, reverse: bool = False,
            exclude: Iterable[str] = ()) -> list[Change]:
    """The changes between the database behind ``conn`` and the ``MetaData``
    ``target``: taking the database to ``target``, or with ``reverse`` taking
    ``target`` to the database; SQL in the database's dialect."""
    forward, backward = compare_both(conn, target, exclude=exclude)
    return backward if reverse else forward


def compare_both(conn: Any, target: Any, *, exclude: Iterable[str] = ()) -> tuple[list[Change], list[Change]]:
    """``(database → target, target → database)`` from one comparison (one reflection
    of the database)."""
    from alembic.autogenerate import produce_migrations
    from alembic.migration import MigrationContext
    from sqlalchemy import MetaData

    patterns = tuple(exclude)

    def include(name: Any, type_: str, _parent: Any) -> bool:
        return not (type_ == "table" and name is not None and ignored(str(name), patterns))

    context = MigrationContext.configure(conn, opts={
        "compare_type": same_type, "compare_server_default": True,
        "include_name": include, "target_metadata": target})
    script = produce_migrations(context, target)
    assert script.upgrade_ops is not None and script.downgrade_ops is not None
    live_md = MetaData()
    live_md.reflect(bind=conn, only=lambda name, _md: not ignored(name, patterns))
    named_enums = _has_enum_types(conn)
    live_enums = _live_enums(conn) if named_enums else {}
    renderer = Renderer(conn.dialect)
    forward = _changes(script.upgrade_ops, False, target, live_md, live_enums, renderer,
                       named_enums)
    if not forward:
        return [], []
    backward = _changes(script.downgrade_ops, True, target, live_md, live_enums, renderer,
                        named_enums)
    return forward, backward


def _changes(upgrade: Any, reverse: bool, target: Any, live_md: Any,
             live: dict[str, list[str]], renderer: Renderer, named_enums: bool
             ) -> list[Change]:
    from alembic.operations import ops

    old_md, new_md = (target, live_md) if reverse else (live_md, target)
    changes: list[Change] = []
    rebuilt: set[str] = set()
    pending = [(kept, mt) for op, mt in _flatten(upgrade)
               if (same := _drop_same_defaults(op)) is not None
               and (kept := _drop_key_nullable(same, old_md, new_md)) is not None]
    if not renderer.dialect.supports_alter:  # SQLite: rebuild what it cannot alter
        rebuilt = {str(mt.table_name) for op, mt in pending if mt is not None
                   and type(op).__name__ in _SQLITE_REBUILD}
    drops: list[Change] = []
    created_enums: set[str] = set()
    needed_enums: set[str] = set()
    for op, _mt in pending:
        if isinstance(op, ops.CreateTableOp):
            created_enums |= {str(getattr(c.type, "name", "")) for c in op.columns
                              if hasattr(c, "type")}
        if isinstance(op, ops.AddColumnOp | ops.AlterColumnOp):
            type_ = getattr(getattr(op, "column", None), "type", None) or \
                getattr(op, "modify_type", None)
            if getattr(type_, "name", None):
                needed_enums.add(str(type_.name))  # type: ignore[union-attr]
    old_enums: dict[str, list[str]] = {}
    new_enums: dict[str, list[str]] = {}
    if named_enums:
        mine = model_enums(target)
        old_enums, new_enums = (mine, live) if reverse else (live, mine)
        changes += _enum_changes(old_enums, new_enums, needed_enums, created_enums, renderer)
    if named_enums:  # types no table uses any more go last
        quote = renderer.dialect.identifier_preparer.quote
        for name in sorted(set(old_enums) - set(new_enums)):
            drops.append(Change("enum", None, f"drop enum type {name}",
                                f"DROP TYPE {quote(name)};"))
    done_rebuild: set[str] = set()
    loses = {str(mt.table_name) for op, mt in pending if mt is not None and _destructive(op)}
    for op, _mt in pending:
        kind, text, table = _words(op, renderer.dialect)
        destructive = _destructive(op)
        if table in rebuilt:  # one rebuild for all of the table's changes, on the first
            sql = ""
            if table not in done_rebuild:
                done_rebuild.add(table)
                sql = sqlite_rebuild(renderer, old_md.tables[table], new_md.tables[table])
                destructive = table in loses
            changes.append(Change(kind, table, text, sql, destructive))
            continue
        changes.append(Change(kind, table, text, renderer.sql(op), destructive))
    return changes + drops


def words_only(changes: Iterable[Change]) -> list[str]:
    return [c.text for c in changes]


def script(changes: Iterable[Change], *, allow_destructive: bool = True,
           warn: Callable[[Change], None] | None = None) -> str:
    """The changes' SQL as one script; destructive ones commented out (with a
    warning line) unless ``allow_destructive``."""
    out = []
    for change in changes:
        if not change.sql:
            continue
        if change.destructive and not allow_destructive:
            if warn is not None:
                warn(change)
            lines = [f"-- DESTRUCTIVE, left commented out ({change.text}); uncomment to "
                     "apply:"]
            lines += [f"-- {line}" if line else "--" for line in change.sql.splitlines()]
            out.append("\n".join(lines))
        else:
            out.append(change.sql)
    return "\n\n".join(out) + ("\n" if out else "")
