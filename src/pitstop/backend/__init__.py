"""Run the backend: several app processes per app behind a generated nginx gateway,
supervised and health-checked (``pitstop backend``; see docs/backend.md)::

    from pitstop.backend import start, status, stop
    start(settings, launch=Launch(builtins=registry.tasks()))  # detaches a supervisor
    print(status(settings).healthy)
    stop(settings)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.backend.verbs import (
        BackendStatus,
        ExportFile,
        ExportResult,
        GatewayStatus,
        Launch,
        LogLine,
        LogTail,
        NginxConfig,
        ProcessStatus,
        Replaced,
        RestartResult,
        StartResult,
        StopResult,
        export,
        logs,
        nginx_config,
        restart,
        start,
        status,
        stop,
    )

__all__ = [
    "BackendStatus",
    "ExportFile",
    "ExportResult",
    "GatewayStatus",
    "Launch",
    "LogLine",
    "LogTail",
    "NginxConfig",
    "ProcessStatus",
    "Replaced",
    "RestartResult",
    "StartResult",
    "StopResult",
    "export",
    "logs",
    "nginx_config",
    "restart",
    "start",
    "status",
    "stop",
]


def __getattr__(name: str) -> Any:
    """The verbs and results, imported when first used: ``pitstop --help`` and the
    other capabilities never pay for the backend's modules."""
    if name in __all__:
        value = getattr(importlib.import_module("pitstop.backend.verbs"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pitstop.backend' has no attribute {name!r}")
