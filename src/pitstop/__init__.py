"""pitstop — the chores around a Python backend as one tool with one history.

The public API is what this module exports; each capability lives in its own
subpackage (``pitstop.migrate``, ``pitstop.backup``, ``pitstop.checks`` …) and is
imported from there, so that ``import pitstop`` stays cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

from pitstop.config import Settings, load_settings
from pitstop.errors import (
    ConfigError,
    ConnectError,
    DependencyError,
    PermissionDeniedError,
    PitstopError,
)

__all__ = [
    "ConfigError",
    "ConnectError",
    "DependencyError",
    "PermissionDeniedError",
    "PitstopError",
    "Settings",
    "__version__",
    "load_settings",
]
