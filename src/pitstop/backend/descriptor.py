"""The ``backend`` capability, declared once (see :mod:`pitstop.capability`)."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Section, Verb

CAPABILITY = Capability(
    name="backend",
    summary="Several uvicorn processes per app behind a generated nginx gateway: restarts "
            "with backoff, active HTTP health checks, one status from any shell.",
    docs="docs/backend.md",
    sections=(Section("backend", "pitstop.backend.settings:BackendSettings"),),
    commands=(Command("backend", "pitstop.cli.backend_cmd:backend",
                      "Run the app processes behind an nginx gateway, supervised."),),
    verbs=(
        Verb("start", "pitstop.backend.verbs:start", "Start the processes and the gateway.",
             "write"),
        Verb("stop", "pitstop.backend.verbs:stop", "Stop every process and the gateway.",
             "write"),
        Verb("status", "pitstop.backend.verbs:status", "Each process and the gateway, with "
             "health and restarts.", recorded=False),
        Verb("restart", "pitstop.backend.verbs:restart", "Rolling restart: replace each "
             "process without failing a request.", "write"),
        Verb("logs", "pitstop.backend.verbs:logs", "The processes' logs, merged, each line "
             "named by its process.", recorded=False),
        Verb("export", "pitstop.backend.verbs:export", "systemd units, a supervisord config or "
             "a Procfile for the same processes.", "write"),
        Verb("config-nginx", "pitstop.backend.verbs:nginx_config", "The generated nginx "
             "configuration.", recorded=False, command=("backend", "config", "nginx")),
    ),
)
