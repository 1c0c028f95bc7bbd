"""Settings of the ``[backup]`` and ``[snapshot]`` sections; every default lives here.

Relative paths are resolved against the project directory (the directory of
``pitstop.toml``), both when written in the file and for the defaults.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

from pitstop.schema import Duration

Compression = Literal["zstd", "gzip", "none"]


@dataclasses.dataclass(frozen=True)
class BackupSettings:
    """``[backup]``: where database backups go, how they are made and kept.

    ``keep-*`` values are the default retention for ``pitstop backup prune`` when no
    ``--keep-*`` flag is given (``None`` = rule not used).
    """

    dir: Path = Path(".pitstop/backups")
    compress: Compression = "zstd"
    level: int = 3
    timeout: Duration | None = None
    pg_dump: str = "pg_dump"
    pg_restore: str = "pg_restore"
    psql: str = "psql"
    mysql_dump: str = "mariadb-dump"
    mysql_client: str = "mariadb"
    keep_last: int | None = None
    keep_hourly: int | None = None
    keep_daily: int | None = None
    keep_weekly: int | None = None
    keep_monthly: int | None = None
    keep_yearly: int | None = None

    def __post_init__(self) -> None:
        if self.compress == "zstd" and not 1 <= self.level <= 22:
            raise ValueError("level: zstd levels go from 1 to 22")
        if self.compress == "gzip" and not 1 <= self.level <= 9:
            raise ValueError("level: gzip levels go from 1 to 9")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError("timeout: expected a positive duration")


@dataclasses.dataclass(frozen=True)
class SnapshotSettings:
    """``[snapshot]``: where tree snapshots go, how they are read and kept."""

    dir: Path = Path(".pitstop/snapshots")
    level: int = 3
    workers: int = 0
    keep_last: int | None = None
    keep_hourly: int | None = None
    keep_daily: int | None = None
    keep_weekly: int | None = None
    keep_monthly: int | None = None
    keep_yearly: int | None = None
    keep_within: Duration | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.level <= 22:
            raise ValueError("level: zstd levels go from 1 to 22")
        if self.workers < 0:
            raise ValueError("workers: expected 0 (automatic) or a positive number")


def resolve_dir(path: Path, project_dir: Path) -> Path:
    """``path`` made absolute against ``project_dir``."""
    return path if path.is_absolute() else project_dir / path
