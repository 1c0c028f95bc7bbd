"""What every section gets, and how a section says it has nothing to do.

A section is a function ``audit_<name>(ctx: AuditContext) -> SectionResult``.  It
returns its findings as data; it raises :class:`NotConfigured` when what it audits is
not set up (no Redis URL), and a :class:`~pitstop.errors.PitstopError` when it could
not do its work (a server that does not answer) — the runner turns both into the
section's result, so one broken section never hides the others' findings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pitstop.audit.settings import AuditSettings

if TYPE_CHECKING:
    from pitstop.capability import Progress
    from pitstop.config import Settings


class NotConfigured(Exception):
    """The section has nothing to audit here (``reason`` says why)."""

    def __init__(self, reason: str, *, key: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.key = key
        """The setting that would configure it (``redis_url``), if one would."""


@dataclasses.dataclass(frozen=True)
class AuditContext:
    """One audit's inputs, shared by its sections."""

    settings: Settings
    audit: AuditSettings
    python: Path | None = None
    """The interpreter (or virtualenv) whose packages the deps section audits; ``None``:
    the project's (``$VIRTUAL_ENV``, ``.venv`` …)."""
    requirements: tuple[Path, ...] = ()
    """Requirements or lock files to audit instead of an interpreter's packages."""
    scan_progress: Progress | None = dataclasses.field(
        default=None, compare=False, repr=False)
    """Called by the secret scan as it goes (``files_done, files_total``)."""

    @property
    def project_dir(self) -> Path:
        return self.settings.project_dir

    @property
    def environ(self) -> Mapping[str, str]:
        """The environment pitstop was started with (never ``os.environ``)."""
        return self.settings.environ

    def relative(self, path: Path) -> str:
        """``path`` relative to the project directory when it is inside it."""
        try:
            return path.relative_to(self.project_dir).as_posix()
        except ValueError:
            return str(path)
