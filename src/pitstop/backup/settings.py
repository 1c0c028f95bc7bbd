"""Settings of the ``[backup]`` and ``[snapshot]`` sections; every default lives here.

Relative paths are resolved against the project directory (the directory of
``pitstop.toml``), both when written in the file and for the defaults.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

from pitstop.config_types import Duration

Compression = Literal["zstd", "gzip", "none"]

_KEEP_COUNTS = ("keep_last", "keep_hourly", "keep_daily", "keep_weekly", "keep_monthly",
                "keep_yearly")


def _check_retention(section: object, within: float | None = None) -> None:
    """``keep_*`` counts are ``>= 0`` or ``-1`` (unlimited), and not all 0: checked at
    load so that ``prune`` never meets them (and never blames a flag nobody typed)."""
    given: list[tuple[str, float]] = []
    for name in _KEEP_COUNTS:
        value = getattr(section, name)
        if value is None:
            continue
        if value < -1:
            raise ValueError(f"{name}: expected a count >= 0, or -1 for no limit, got {value}")
        given.append((name, value))
    if within is not None:
        given.append(("keep_within", within))
    if given and all(value == 0 for _, value in given):
        raise ValueError(f"{given[0][0]}: every keep rule is 0, so prune would remove "
                         "everything; keep at least one (e.g. keep_last = 1), or leave the "
                         "keep rules out")


@dataclasses.dataclass(frozen=True)
class BackupSettings:
    """``[backup]``: where database backups go, how they are made and kept.

    ``keep_*`` values are the default retention of ``backup prune`` when it is given
    no policy (``None`` = rule not used, ``-1`` = no limit).
    """

    dir: Path = Path(".pitstop/backups")
    """Where backups are stored (relative to the project directory)."""
    compress: Compression = "zstd"
    """How dumps are compressed: ``zstd``, ``gzip`` or ``none``."""
    level: int = 3
    """Compression level: zstd 1–22, gzip 1–9."""
    timeout: Duration | None = None
    """Stop a dump or restore that runs longer than this (default: no limit)."""
    pg_dump: str = "pg_dump"
    """The ``pg_dump`` to run (a name on ``PATH`` or a path)."""
    pg_restore: str = "pg_restore"
    """The ``pg_restore`` to run."""
    psql: str = "psql"
    """The ``psql`` that restores into PostgreSQL (default: the one next to
    ``pg_restore``)."""
    mysql_dump: str = "mariadb-dump"
    """The MySQL/MariaDB dump tool (falls back to ``mysqldump``)."""
    mysql_client: str = "mariadb"
    """The MySQL/MariaDB client that restores (falls back to ``mysql``)."""
    keep_last: int | None = None
    """``backup prune`` keeps the N newest backups."""
    keep_hourly: int | None = None
    """… the newest backup of each of the last N hours."""
    keep_daily: int | None = None
    """… the newest backup of each of the last N days."""
    keep_weekly: int | None = None
    """… the newest backup of each of the last N ISO weeks."""
    keep_monthly: int | None = None
    """… the newest backup of each of the last N months."""
    keep_yearly: int | None = None
    """… the newest backup of each of the last N years."""

    def __post_init__(self) -> None:
        if self.compress == "zstd" and not 1 <= self.level <= 22:
            raise ValueError("level: zstd levels go from 1 to 22")
        if self.compress == "gzip" and not 1 <= self.level <= 9:
            raise ValueError("level: gzip levels go from 1 to 9")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError("timeout: expected a positive duration")
        _check_retention(self)


@dataclasses.dataclass(frozen=True)
class SnapshotSettings:
    """``[snapshot]``: where tree snapshots go, how they are read and kept."""

    dir: Path = Path(".pitstop/snapshots")
    """Where snapshots are stored (relative to the project directory)."""
    level: int = 3
    """zstd level of the stored blobs, 1–22."""
    workers: int = 0
    """Threads reading and compressing files; 0: 4 per CPU, at most 16."""
    keep_last: int | None = None
    """``snapshot prune`` keeps the N newest snapshots."""
    keep_hourly: int | None = None
    """… the newest snapshot of each of the last N hours."""
    keep_daily: int | None = None
    """… the newest snapshot of each of the last N days."""
    keep_weekly: int | None = None
    """… the newest snapshot of each of the last N ISO weeks."""
    keep_monthly: int | None = None
    """… the newest snapshot of each of the last N months."""
    keep_yearly: int | None = None
    """… the newest snapshot of each of the last N years."""
    keep_within: Duration | None = None
    """… every snapshot no older than this before the newest one."""

    def __post_init__(self) -> None:
        if not 1 <= self.level <= 22:
            raise ValueError("level: zstd levels go from 1 to 22")
        if self.workers < 0:
            raise ValueError("workers: expected 0 (automatic) or a positive number")
        _check_retention(self, self.keep_within)


def resolve_dir(path: Path, project_dir: Path) -> Path:
    """``path`` made absolute against ``project_dir``."""
    return path if path.is_absolute() else project_dir / path
