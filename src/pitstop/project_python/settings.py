"""``[project]``: facts about the project as a whole that several capabilities share.
Every default is here."""

from __future__ import annotations

import dataclasses
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class ProjectSettings:
    """The ``[project]`` table of ``pitstop.toml``."""

    python: Path | None = None
    """The project's interpreter (``.venv/bin/python``) or its virtualenv directory
    (``.venv``), relative to the project directory.  Default: ``$VIRTUAL_ENV``, then
    ``.venv`` or ``venv`` in the project directory, then pitstop's own interpreter."""
