"""``[audit]``: what ``pitstop audit`` and the ``audit`` task look at.  Every default is
here.  Example::

    [audit]
    sections = ["secrets", "deps", "database", "redis", "files"]
    fail_on = "high"
    baseline = "audit-baseline.toml"
    osv_db = "/srv/osv/PyPI"          # offline: OSV's export, one JSON per advisory
    requirements = ["requirements.txt"]
    disable = ["PS-FILE-004"]
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

from pitstop.config_types import Duration

SectionName = Literal["secrets", "deps", "database", "redis", "files"]
SECTION_NAMES: tuple[SectionName, ...] = ("secrets", "deps", "database", "redis", "files")
Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")
DEFAULT_OSV_URL = "https://api.osv.dev/v1/query"
DEFAULT_BASELINE = "audit-baseline.toml"


@dataclasses.dataclass(frozen=True)
class AuditSettings:
    """The ``[audit]`` section."""

    sections: tuple[SectionName, ...] = SECTION_NAMES
    """The sections a plain ``pitstop audit`` runs."""
    fail_on: Severity = "high"
    """The lowest severity that makes the audit fail (exit 1) unless baselined."""
    baseline: Path | None = None
    """Accepted findings, with reasons and expiry dates (default: ``audit-baseline.toml``
    in the project directory, read when it exists)."""
    osv_db: Path | None = None
    """A directory (or ``.zip``) in OSV's export format, one JSON file per advisory:
    dependencies are checked offline against it instead of the OSV service."""
    osv_url: str = DEFAULT_OSV_URL
    """The OSV query endpoint pip-audit asks when ``osv_db`` is not set."""
    osv_timeout: Duration = 15.0
    """How long one request to the OSV service may take."""
    requirements: tuple[Path, ...] = ()
    """Requirements or lock files (``requirements*.txt``, ``uv.lock``, ``poetry.lock``,
    ``pylock.toml``) to audit instead of the packages installed in the project's
    interpreter."""
    timeout: Duration = 10.0
    """Connect and read timeout for the database and Redis."""
    exclude: tuple[str, ...] = ()
    """Globs of paths (relative to the project) the files section does not look at."""
    disable: tuple[str, ...] = ()
    """Finding ids never reported (``PS-FILE-004`` …)."""

    def __post_init__(self) -> None:
        if len(set(self.sections)) != len(self.sections):
            raise ValueError("sections: a section is named twice")
        if self.osv_timeout <= 0:
            raise ValueError("osv_timeout: expected a positive duration")
        if self.timeout <= 0:
            raise ValueError("timeout: expected a positive duration")
        if not self.osv_url.startswith(("http://", "https://")):
            raise ValueError(f"osv_url: expected an http(s) URL, got {self.osv_url!r}")
        unknown = [d for d in self.disable if not d.startswith("PS-")]
        if unknown:
            raise ValueError(f"disable: expected finding ids like PS-DB-001, got {unknown[0]!r}")
