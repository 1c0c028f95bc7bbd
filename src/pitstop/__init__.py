"""pitstop — the chores around a Python backend as one tool with one history.

The public API is what this module exports; each capability lives in its own
subpackage (``pitstop.migrate``, ``pitstop.backup``, ``pitstop.checks`` …) and is
imported from there.  Names load on first use, so that ``import pitstop`` (and every
command's start-up) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pitstop.config import Settings
    from pitstop.errors import (
        ConfigError,
        ConnectError,
        DependencyError,
        PermissionDeniedError,
        PitstopError,
    )
    from pitstop.registry import load_settings

_EXPORTS = {
    "ConfigError": "pitstop.errors",
    "ConnectError": "pitstop.errors",
    "DependencyError": "pitstop.errors",
    "PermissionDeniedError": "pitstop.errors",
    "PitstopError": "pitstop.errors",
    "Settings": "pitstop.config",
    "load_settings": "pitstop.registry",
}

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pitstop' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
