"""The two sides of ``db diff``: a database URL, an export file (``db export``'s JSON or
SQL), or the project's models (``models:PKG.MOD:Base``, or ``models:`` for the
configured or discovered ones) — and the comparison between them, with a live database
always on one side (a scratch database when neither side is one)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pitstop.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from pitstop.config import Settings
    from pitstop.db.schema_diff import Change
    from pitstop.db.url import DatabaseURL

Kind = Literal["database", "file", "models"]
_HEADER = re.compile(r"pitstop db export \([^,]+, (\w+)\)")


@dataclasses.dataclass
class Side:
    """One side of a comparison, as given and as loaded."""

    spec: str
    kind: Kind
    label: str
    db: DatabaseURL | None = None
    schema: dict[str, Any] | None = None
    sql: str | None = None
    dialect: str | None = None


def classify(spec: str, project_dir: Path) -> Side:
    """What ``spec`` names; files are read here (a missing one is exit 3)."""
    from pitstop.db.url import parse_url

    if spec == "models" or spec.startswith("models:"):
        return Side(spec, "models", spec)
    if "://" in spec or spec.startswith("sqlite:"):
        db = parse_url(spec)
        return Side(spec, "database", db.masked, db=db, dialect=db.dialect)
    path = Path(spec)
    path = path if path.is_absolute() else project_dir / path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{spec}: neither a database URL, models:PKG.MOD:Base, nor an "
                         "existing export file",
                         hint="write an export with `pitstop db export -o FILE`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{spec}: cannot be read: {exc}") from None
    if text.lstrip().startswith("{"):
        try:
            schema = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{spec}: not valid JSON: {exc}") from None
        if not isinstance(schema, dict) or not str(schema.get("format", "")).startswith(
                "pitstop-schema/"):
            raise ConfigError(f"{spec}: not a `pitstop db export` JSON file (no "
                              '"format": "pitstop-schema/1")')
        return Side(spec, "file", spec, schema=schema, dialect=schema.get("dialect"))
    found = _HEADER.search(text[:300])
    return Side(spec, "file", spec, sql=text, dialect=found.group(1) if found else None)


def _run_sql(conn: Any, text: str) -> None:
    """Run an SQL export (statements ending with ``;`` at the end of a line)."""
    for statement in re.split(r";[ \t]*\n", text):
        body = "\n".join(ln for ln in statement.splitlines()
                         if not ln.lstrip().startswith("--")).strip().rstrip(";")
        if body:
            conn.exec_driver_sql(body)


@dataclasses.dataclass
class Comparison:
    changes: list[Change]
    dialect: str
    scratch: bool
    """Whether a scratch database was needed."""


def _metadata(side: Side) -> Any:
    from pitstop.db.metadata_json import load_metadata

    assert side.schema is not None
    return load_metadata(side.schema)


@contextlib.contextmanager
def _live(side: Side, settings: Settings, stack: contextlib.ExitStack, near: str | None,
          timeout: float) -> Iterator[Any]:
    """A connection to ``side`` as a database: itself, or a scratch database holding it."""
    from pitstop.db.connect import session
    from pitstop.db.scratch import scratch_database

    if side.kind == "database":
        assert side.db is not None
        with session(side.db, timeout=timeout, must_exist=True) as conn:
            yield conn
        return
    where = near_for(side.dialect or "sqlite", settings, near)
    scratch = stack.enter_context(scratch_database(where, timeout=timeout))
    with session(scratch, timeout=timeout) as conn:
        with conn.begin():
            if side.sql is not None:
                _run_sql(conn, side.sql)
            else:
                _metadata(side).create_all(conn)
        yield conn


def near_for(dialect: str, settings: Settings, near: str | None) -> str:
    """Where a scratch database of ``dialect`` can be made: ``near`` (``--dev-url``),
    else the configured database's server when it is of that dialect, else (SQLite) a
    temporary file."""
    from pitstop.db.dialects import BY_NAME
    from pitstop.db.resolve import resolve_url

    if near:
        return near
    entry = BY_NAME.get(dialect)
    if entry is not None and entry.file:
        return f"{entry.schemes[0]}:///scratch.db"  # a file in a temporary directory
    configured = resolve_url(settings, "db")
    if configured.dialect == dialect:
        return configured.raw
    raise UsageError(f"comparing two {dialect} schemas that are not databases needs a "
                     f"{dialect} server for a scratch database",
                     hint="pass --dev-url postgresql://USER@HOST/DB (any database on the "
                          "server: a scratch database is created next to it and dropped)")


def compare_sides(settings: Settings, old: Side, new: Side, *, exclude: tuple[str, ...],
                  near: str | None = None, timeout: float = 10.0) -> Comparison:
    """What it takes to go from ``old`` to ``new`` (both loaded)."""
    from pitstop.db.schema_diff import compare

    with contextlib.ExitStack() as stack:
        if old.kind == "database" or new.kind != "database":
            live_side, other, reverse = old, new, False
        else:
            live_side, other, reverse = new, old, True
        scratch = live_side.kind != "database"
        conn = stack.enter_context(_live(live_side, settings, stack, near, timeout))
        if other.kind == "database" or other.sql is not None:
            from sqlalchemy import MetaData

            from pitstop.db.inspect_schema import ignored

            other_conn = stack.enter_context(_live(other, settings, stack, near, timeout))
            target = MetaData()
            target.reflect(bind=other_conn, only=lambda name, _md: not ignored(name, exclude))
            scratch = scratch or other.kind != "database"
        else:
            target = _metadata(other)
        dialect = conn.dialect.name
        changes = compare(conn, target, reverse=reverse, exclude=exclude)
    return Comparison(changes, dialect, scratch)
