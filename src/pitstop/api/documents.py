"""The documents: OpenAPI as the app gives it (validated), AsyncAPI 3.0 built from the
WebSocket routes (validated against the official JSON schema), both written as sorted,
indented JSON so that the same app gives the same bytes everywhere.

The AsyncAPI 3.0.0 JSON Schema is the one the AsyncAPI Initiative publishes (npm
``@asyncapi/specs``), shipped unchanged in ``schemas/`` under its Apache-2.0 licence.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from pitstop.api.errors import ApiError, require

ASYNCAPI_SCHEMA = Path(__file__).with_name("schemas") / "asyncapi-3.0.0.json"


def canonical(document: Any) -> bytes:
    """``document`` as sorted, indented UTF-8 JSON with a final newline."""
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def validate_openapi(document: dict[str, Any], module: str) -> None:
    """Raise :class:`ApiError` naming the failing path when ``document`` is not a valid
    OpenAPI 3.x document (openapi-spec-validator)."""
    require("openapi_spec_validator", "openapi-spec-validator")
    from pitstop.api.validation import problem

    found = problem(document)
    if found:
        raise ApiError(f"module {module}: the OpenAPI document is invalid at {found}",
                       hint="fix the route or model it names; `pitstop api spec "
                            f"{module}` prints the document")


@functools.cache
def _asyncapi_validator() -> Any:
    require("jsonschema", "jsonschema")
    import jsonschema  # type: ignore[import-untyped]

    schema = json.loads(ASYNCAPI_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def validate_asyncapi(document: dict[str, Any], module: str) -> None:
    """Raise :class:`ApiError` when ``document`` breaks the AsyncAPI 3.0.0 JSON Schema."""
    errors = sorted(_asyncapi_validator().iter_errors(document),
                    key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "its top level"
        raise ApiError(f"module {module}: the AsyncAPI document is invalid at {where}: "
                       f"{first.message}" + (f" (and {len(errors) - 1} more)"
                                             if len(errors) > 1 else ""))


def _channel_id(path: str) -> str:
    text = "".join(c if c.isalnum() else "_" for c in path.strip("/"))
    return "_".join(p for p in text.split("_") if p) or "root"


def _lift(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """Move pydantic's ``$defs`` into ``components.schemas`` (refs already point there)."""
    schema = dict(schema)
    for name, value in (schema.pop("$defs", None) or {}).items():
        components.setdefault(name, value)
    return schema


def asyncapi_document(title: str, version: str, module: str,
                      sockets: list[dict[str, Any]]) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of ``module``'s WebSocket routes (as the helper
    described them): a channel per route, its declared messages, and a ``send``
    operation for what the server sends, a ``receive`` one for what it receives."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for socket in sockets:
        cid = _channel_id(socket["path"])
        channel: dict[str, Any] = {"address": socket["path"], "messages": {}}
        if socket.get("name"):
            channel["title"] = socket["name"]
        for which in ("send", "receive"):
            message = socket.get(which)
            if not message:
                continue
            name = message["name"]
            payload = _lift(message["schema"], schemas)
            messages.setdefault(name, {"name": name, "payload": payload})
            channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
            operations[f"{which}_{cid}"] = {
                "action": which,
                "channel": {"$ref": f"#/channels/{cid}"},
                "messages": [{"$ref": f"#/channels/{cid}/messages/{name}"}],
            }
        channels[cid] = channel
    document: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {"title": f"{title} — {module}", "version": version},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
    }
    components: dict[str, Any] = {}
    if messages:
        components["messages"] = messages
    if schemas:
        components["schemas"] = schemas
    if components:
        document["components"] = components
    return document
