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

    ``keep-*`` values are the default retention for ``pitstop backup prune`` when no
    ``--keep-*`` flag is given (``None`` = rule not used, ``-1`` = no limit).
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
        _check_retention(self)


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
        _check_retention(self, self.keep_within)


def resolve_dir(path: Path, project_dir: Path) -> Path:
    """``path`` made absolute against ``project_dir``."""
    return path if path.is_absolute() else project_dir / path
