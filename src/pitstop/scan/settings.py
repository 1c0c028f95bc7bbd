"""``[scan]``: what ``pitstop scan secrets`` and the ``scan-secrets`` task use.

Example::

    [scan]
    exclude = ["tests/fixtures/**", "*.min.js"]
    max-file-size = "10MB"
    config = ".gitleaks.toml"          # extra rules in gitleaks' TOML format
    baseline = ".pitstop-secrets.json"
    disable = ["generic-api-key"]
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pitstop.config_types import ByteSize

DEFAULT_MAX_FILE_SIZE = 50 * 1000 * 1000
DEFAULT_EXCLUDE = (".git", ".hg", ".svn", ".pitstop")


@dataclasses.dataclass(frozen=True)
class ScanSettings:
    """The ``[scan]`` section; every default of the scanner lives here."""

    exclude: tuple[str, ...] = ()
    """Globs of paths never scanned (added to the built-in ``.git``, ``.pitstop`` …)."""
    max_file_size: ByteSize = DEFAULT_MAX_FILE_SIZE
    """Files larger than this are skipped and reported as skipped."""
    config: Path | None = None
    """A rule file in gitleaks' TOML format (``[extend] useDefault`` keeps the built-ins)."""
    baseline: Path | None = None
    """Accepted findings; only findings not in it are reported."""
    disable: tuple[str, ...] = ()
    """Rule ids to turn off."""
    redact: bool = True
    """Show secrets as their first 4 characters and an ellipsis."""
    jobs: int | None = None
    """Worker processes for tree scans (default: every core)."""

    def __post_init__(self) -> None:
        if self.jobs is not None and self.jobs < 1:
            raise ValueError("jobs: expected a number of processes >= 1")
        if self.max_file_size < 1:
            raise ValueError("max-file-size: expected a size of at least 1 byte")
