"""``[migrate]``: where migrations live, how they are read and how they are applied.

Every default lives here.  Example::

    [migrate]
    dir = "db/migrations"
    layout = "flyway"          # auto | flyway | dbmate | golang-migrate | diesel | plain | alembic
    lock_timeout = "2m"
    create_database = true     # `up` creates a database that does not exist yet
    backup_before = true

    [migrate.placeholders]
    schema = "app"
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pitstop.config_types import Duration

LayoutName = Literal["auto", "flyway", "dbmate", "golang-migrate", "diesel", "plain", "alembic"]


@dataclasses.dataclass(frozen=True)
class MigrateSettings:
    """The ``[migrate]`` table of ``pitstop.toml``."""

    dir: Path = Path("migrations")
    """Directory holding the migration files (relative to the project directory)."""
    layout: LayoutName = "auto"
    """How the directory is read; ``auto`` detects it from the file names."""
    table: str = "pitstop_migrations"
    """History table in the target database."""
    lock: bool = True
    """Take the database lock against concurrent runners (on by default)."""
    lock_timeout: Duration = 60.0
    """How long to wait for another runner's lock before giving up (exit 4)."""
    placeholders: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    """``${name}`` substitutions; off when empty."""
    create_database: bool = True
    """``up`` creates the database when the server does not have it yet (as ``dbmate up``
    does; for SQLite, the file); ``false`` refuses with exit 4 instead."""
    backup_before: bool = False
    """Create a backup (``pitstop.backup.create_backup``) before applying anything."""
    applied_list: Path | None = None
    """For the plain layout: a ``migrations_applied.txt``-style list to import."""
    alembic_ini: Path | None = None
    """An ``alembic.ini`` to delegate to (else ``alembic.ini`` in the project directory)."""

    def __post_init__(self) -> None:
        if not self.table.replace("_", "").isalnum():
            raise ValueError(f"table: expected a plain table name (letters, digits, _), "
                             f"got {self.table!r}")
        if self.lock_timeout < 0:
            raise ValueError("lock_timeout: cannot be negative")
