"""Dumpers: one module per database dialect behind the :class:`Dumper` Protocol, named
after the dialect of :mod:`pitstop.db.dialects` (``sqlite``, ``postgresql``,
``mysql``), each with its ``DUMPER`` class."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from pitstop.backup.compress import Sink
from pitstop.backup.settings import BackupSettings
from pitstop.capability import Progress
from pitstop.db.url import DatabaseURL
from pitstop.errors import UsageError


@dataclasses.dataclass(frozen=True)
class DatabaseState:
    """What is in a database: user tables, their total rows, and an integrity verdict."""

    tables: int
    rows: int
    integrity: str = "ok"
    table_rows: tuple[tuple[str, int], ...] = ()


class Dumper(Protocol):
    """Makes and restores a dump of one database of one dialect."""

    dialect: str
    tool: str
    extension: str
    atomic_restore: bool
    """``True`` when a restore is all or nothing (a failure leaves the old contents);
    ``False`` when a failure midway leaves the target partly restored (MySQL DDL)."""

    def versions(self, db: DatabaseURL) -> tuple[str | None, str | None]:
        """``(server_version, tool_version)``; raises when the server is unreachable."""
        ...

    def dump(self, db: DatabaseURL, out: Sink, progress: Progress | None) -> None:
        """Write the raw dump of ``db`` to ``out``."""
        ...

    def ensure_database(self, db: DatabaseURL) -> None:
        """Create ``db`` when it does not exist (for SQLite: its directory)."""
        ...

    def restore(self, db: DatabaseURL, source: BinaryIO, *, clean: bool) -> None:
        """Load a raw dump read from ``source`` into the existing database ``db``;
        ``clean``: replace what it holds."""
        ...

    def inspect(self, db: DatabaseURL) -> DatabaseState:
        """Count tables and rows; run the dialect's integrity check where there is one."""
        ...

    def scratch(self, db: DatabaseURL) -> contextlib.AbstractContextManager[DatabaseURL]:
        """A new empty database next to ``db``, dropped on exit."""
        ...


@runtime_checkable
class FileDumper(Protocol):
    """A dumper whose tool writes a complete file itself (the SQLite backup API) rather
    than a stream: the caller hands it the final temporary file, so an uncompressed
    backup needs no second copy."""

    def dump_file(self, db: DatabaseURL, path: Path) -> None:
        """Write the raw dump of ``db`` into the existing empty file ``path``."""
        ...


def get_dumper(dialect: str, settings: BackupSettings, workdir: Path) -> Dumper:
    """The dumper for ``dialect``; ``workdir`` is where it may put temporary files."""
    from pitstop.db.dialects import implementation

    module = implementation("pitstop.backup.dumpers.{dialect}", dialect)
    if module is None:
        raise UsageError(f"no backup support for {dialect} databases")
    dumper: Dumper = module.DUMPER(settings, workdir)
    return dumper
