"""Run the backend: several app processes per app behind a generated nginx gateway,
supervised and health-checked (``pitstop backend``; see docs/backend.md)::

    from pitstop.backend import start, status, stop
    start(settings, launch=Launch(builtins=registry.tasks()))  # detaches a supervisor
    print(status(settings).healthy)
    stop(settings)
"""

from __future__ import annotations

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
