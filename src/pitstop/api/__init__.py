"""API documents and clients of the project's FastAPI app: per module an OpenAPI 3.1
document, an AsyncAPI 3.0 document for its WebSocket routes and a typed Python client
(openapi-python-client), written only where they changed.

The app is imported in the project's interpreter, never in pitstop's::

    from pitstop.registry import load_settings
    from pitstop.api import generate, check

    settings = load_settings(Path("."), env=os.environ)
    result = generate(settings)             # or check=True for CI
    for module in result.modules:
        print(module.name, len(module.written), module.unchanged)

Importing this package is cheap: each name loads on first use (FastAPI and
openapi-python-client only when a verb needs them).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.api.errors import ApiDependencyError, ApiError
    from pitstop.api.generation import GenerateResult, ModuleOutcome, generate
    from pitstop.api.inspect_verbs import RouteInfo, RoutesResult, SpecResult, routes, spec
    from pitstop.api.lint import CheckResult, Finding, check
    from pitstop.api.settings import ApiModule, ApiSettings, ApiWebSocket

_EXPORTS: dict[str, str] = {
    "ApiDependencyError": "pitstop.api.errors",
    "ApiError": "pitstop.api.errors",
    "ApiModule": "pitstop.api.settings",
    "ApiSettings": "pitstop.api.settings",
    "ApiWebSocket": "pitstop.api.settings",
    "CheckResult": "pitstop.api.lint",
    "Finding": "pitstop.api.lint",
    "GenerateResult": "pitstop.api.generation",
    "ModuleOutcome": "pitstop.api.generation",
    "RouteInfo": "pitstop.api.inspect_verbs",
    "RoutesResult": "pitstop.api.inspect_verbs",
    "SpecResult": "pitstop.api.inspect_verbs",
    "check": "pitstop.api.lint",
    "generate": "pitstop.api.generation",
    "routes": "pitstop.api.inspect_verbs",
    "spec": "pitstop.api.inspect_verbs",
}

__all__ = [
    "ApiDependencyError",
    "ApiError",
    "ApiModule",
    "ApiSettings",
    "ApiWebSocket",
    "CheckResult",
    "Finding",
    "GenerateResult",
    "ModuleOutcome",
    "RouteInfo",
    "RoutesResult",
    "SpecResult",
    "check",
    "generate",
    "routes",
    "spec",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pitstop.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
