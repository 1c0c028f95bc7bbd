"""The ``api`` capability, declared once (see :mod:`pitstop.capability`)."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Section, Task, Verb

CAPABILITY = Capability(
    name="api",
    summary="OpenAPI and AsyncAPI documents and typed Python clients of the FastAPI app.",
    docs="docs/api.md",
    sections=(Section("api", "pitstop.api.settings:ApiSettings"),),
    commands=(
        Command("api", "pitstop.cli.api_cmd:api",
                "OpenAPI/AsyncAPI documents and Python clients of the FastAPI app."),
        Command("generate", "pitstop.cli.api_cmd:generate_shortcut",
                "Same as `pitstop api generate`."),
    ),
    verbs=(
        Verb("generate", "pitstop.api:generate", "Write the documents and clients that "
             "changed.", "write"),
        Verb("spec", "pitstop.api:spec", "One module's OpenAPI or AsyncAPI document.",
             recorded=False),
        Verb("routes", "pitstop.api:routes", "Every route and what covers it.",
             recorded=False),
        Verb("check", "pitstop.api:check", "The pre-commit gate: response models, "
             "operationIds, WebSocket messages."),
    ),
    tasks=(
        Task("generate", "pitstop.api.tasks:generate_task",
             "Write the OpenAPI/AsyncAPI documents and Python clients that changed "
             "([api]).", verb="api generate"),
    ),
)
