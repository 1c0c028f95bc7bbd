"""What differs between database systems: the one table that maps a URL scheme to a
dialect, and the dialects.

A dialect is one module here (:mod:`.sqlite`, :mod:`.postgresql`, :mod:`.mysql`)
whose ``DIALECT`` implements :class:`~pitstop.db.dialects.interface.Dialect`:
connecting, locks, creating and dropping databases, answering a wait and, for
PostgreSQL, extensions — one small Protocol each (:mod:`.interface`).  Nothing
outside these modules asks which dialect a URL names: it calls
:mod:`pitstop.db.connect`, :mod:`pitstop.db.lock`, :mod:`pitstop.db.databases` …,
which ask the dialect (``DatabaseURL.system``).

A capability with work of its own per dialect (migrations, dumps, health figures)
keeps one module per dialect named after it and finds it with :func:`implementation`,
so :data:`TABLE` stays the only list of dialects and schemes.  Adding a dialect is
one row here, one module here, and one module in each such capability.

This module imports nothing heavy: :func:`pitstop.db.url.parse_url` reads the table
on every command.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from pitstop.db.dialects.interface import Dialect
    from pitstop.db.url import DatabaseURL

DialectName = Literal["sqlite", "postgresql", "mysql"]


class Entry(NamedTuple):
    """One row of the dialect table (a named tuple: cheaper to define than a dataclass,
    and this module is imported by every command)."""

    name: DialectName
    schemes: tuple[str, ...]
    """URL schemes that name it (``postgres://`` and ``postgresql://`` …)."""
    sqlalchemy: str
    """SQLAlchemy's ``dialect+driver`` for engines."""
    driver: str | None
    """The DBAPI module pitstop drives it with (``None``: Python's own ``sqlite3``)."""
    extra: str | None
    """The ``pitstop[extra]`` that installs the driver."""
    file: bool = False
    """The database is a file: no server to wait for or to make scratch databases on."""


TABLE: tuple[Entry, ...] = (
    Entry("sqlite", ("sqlite",), "sqlite", None, None, file=True),
    Entry("postgresql", ("postgres", "postgresql", "postgresql+psycopg"),
          "postgresql+psycopg", "psycopg", "postgres"),
    Entry("mysql", ("mysql", "mariadb", "mysql+pymysql", "mariadb+pymysql"),
          "mysql+pymysql", "pymysql", "mysql"),
)
"""Every dialect pitstop knows."""

SCHEMES: dict[str, Entry] = {scheme: entry for entry in TABLE for scheme in entry.schemes}
BY_NAME: dict[str, Entry] = {entry.name: entry for entry in TABLE}


def dialect_of(db: DatabaseURL | str) -> Dialect:
    """The dialect of a URL (parsed or not)."""
    if isinstance(db, str):
        from pitstop.db.url import parse_url

        db = parse_url(db)
    dialect: Dialect = importlib.import_module(f"{__name__}.{db.dialect}").DIALECT
    return dialect


def implementation(pattern: str, dialect: str) -> Any | None:
    """The module that implements a capability's own work for ``dialect``, named by
    ``pattern`` (``implementation("pitstop.backup.dumpers.{dialect}", "mysql")``), or
    ``None`` when the capability has none for it."""
    name = pattern.format(dialect=dialect)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
