"""Helper: import the project's FastAPI app once and describe it for ``pitstop api``:
every module's OpenAPI document, every route (HTTP and WebSocket) with its module,
operationId and response model, and the declared messages of the WebSocket routes.

Routes are walked with FastAPI's own iteration (``fastapi.routing.iter_route_contexts``
where FastAPI has it, 0.137 and later, whose ``app.routes`` is a tree of included
routers; the flat ``app.routes`` before), so no route is missed.

Request: ``app`` (``package.module:attr`` or ``…:factory()``), ``modules`` (name →
``tags``, ``prefix``, ``app``), ``websockets`` (path → ``send``, ``receive``),
``sys_path``.  Runs on Python 3.8+; imports only the standard library, FastAPI,
Starlette and pydantic, all of which the project has.
"""

from __future__ import annotations

import inspect
import os
import typing
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # at run time these come from the runtime, loaded first
    from pitstop.project_python.helpers._runtime import Failure, import_module

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load_app(spec: str, key: str) -> Any:
    """The app named by ``spec`` (``module:attr`` or ``module:factory()``)."""
    module_name, _, attr = spec.partition(":")
    call = attr.endswith("()")
    attr = attr[:-2] if call else attr
    module = import_module(module_name)
    target: Any = module
    for part in attr.split("."):
        if not hasattr(target, part):
            raise Failure("config", f"{module_name} has no attribute {attr!r} (from {spec!r})",
                          code=key)
        target = getattr(target, part)
    if call:
        if not callable(target):
            raise Failure("config", f"{attr} is not callable (from {spec!r})", code=key)
        target = target()
    if not hasattr(target, "openapi") or not hasattr(target, "routes"):
        raise Failure("config", f"{spec!r} is a {type(target).__name__}, not a FastAPI app",
                      code=key)
    return target


def route_contexts(app: Any) -> list[tuple[Any, Any, str]]:
    """Every route as ``(context, original route, path)``: FastAPI's own iteration."""
    from fastapi import routing

    iterate = getattr(routing, "iter_route_contexts", None)
    found = []
    if iterate is not None:
        for context in iterate(app.routes):
            original = getattr(context, "original_route", context)
            path = context.path_format or context.path or getattr(original, "path", "")
            found.append((context, original, path))
    else:
        for route in app.routes:
            found.append((route, route, getattr(route, "path_format", None)
                          or getattr(route, "path", "")))
    return found


def _kind(route: Any) -> str | None:
    from fastapi.routing import APIRoute
    from starlette.routing import Route, WebSocketRoute

    if isinstance(route, WebSocketRoute):
        return "websocket"
    if isinstance(route, APIRoute):
        return "http"
    if isinstance(route, Route):
        return "plain"
    return None


def _selected(module: dict[str, Any], path: str, tags: list[str]) -> bool:
    wanted = module.get("tags") or []
    prefix = module.get("prefix")
    if wanted and not set(wanted) & set(tags):
        return False
    return not prefix or path == prefix or path.startswith(prefix.rstrip("/") + "/")


def _openapi(app: Any, contexts: list[Any], whole: bool) -> dict[str, Any]:
    if whole:
        document: dict[str, Any] = app.openapi()
        return document
    from fastapi.openapi.utils import get_openapi

    wanted = {
        "title": app.title, "version": app.version,
        "openapi_version": getattr(app, "openapi_version", "3.1.0"),
        "summary": getattr(app, "summary", None), "description": app.description,
        "routes": contexts, "webhooks": getattr(getattr(app, "webhooks", None), "routes", None),
        "tags": getattr(app, "openapi_tags", None), "servers": getattr(app, "servers", None),
        "terms_of_service": getattr(app, "terms_of_service", None),
        "contact": getattr(app, "contact", None),
        "license_info": getattr(app, "license_info", None),
        "separate_input_output_schemas": getattr(app, "separate_input_output_schemas", True),
    }
    accepted = inspect.signature(get_openapi).parameters
    document = get_openapi(**{k: v for k, v in wanted.items() if k in accepted})
    return document


def _type_name(tp: Any) -> str | None:
    if tp is None:
        return None
    name = getattr(tp, "__name__", None)
    if name and getattr(tp, "__module__", "") not in ("typing", "builtins"):
        return f"{tp.__module__}.{getattr(tp, '__qualname__', name)}"
    return str(tp).replace("typing.", "")


def _where(endpoint: Any) -> dict[str, Any]:
    try:
        source = inspect.getsourcefile(endpoint)
        line = endpoint.__code__.co_firstlineno
    except (TypeError, AttributeError):
        source, line = None, None
    if source:
        try:
            relative = os.path.relpath(source)
            source = None if relative.startswith("..") else relative
        except ValueError:
            source = None
    return {"endpoint": f"{getattr(endpoint, '__module__', '?')}:{getattr(endpoint, '__qualname__', '?')}",
            "file": source, "line": line}


def _model_schema(model: Any) -> dict[str, Any]:
    ref = "#/components/schemas/{model}"
    try:
        from pydantic import TypeAdapter
    except ImportError:  # pydantic 1
        schema: dict[str, Any] = model.schema(ref_template=ref)
        return schema
    schema = TypeAdapter(model).json_schema(ref_template=ref)
    return schema


def _import_model(target: str, route: str, which: str) -> Any:
    module_name, _, attr = target.partition(":")
    key = f'api.websockets."{route}".{which}'
    try:
        value: Any = import_module(module_name)
    except Failure as failure:
        raise Failure("config", f"the {which} message of WebSocket route {route}, {target}, "
                      f"cannot be imported: {failure.payload.get('message')}", code=key) from None
    for part in attr.split("."):
        if not hasattr(value, part):
            raise Failure("config", f"the {which} message of WebSocket route {route}: "
                          f"{module_name} has no attribute {attr!r}", code=key)
        value = getattr(value, part)
    return value


def _annotated_messages(endpoint: Any) -> dict[str, Any]:
    """``send``/``receive`` from ``websocket: Annotated[WebSocket, {"send": M, …}]``."""
    try:
        hints = typing.get_type_hints(endpoint, include_extras=True)
    except Exception:  # noqa: BLE001 - unresolvable annotations: nothing declared there
        return {}
    found = {}
    for hint in hints.values():
        for extra in getattr(hint, "__metadata__", ()):
            if isinstance(extra, dict):
                for which in ("send", "receive"):
                    if extra.get(which) is not None:
                        found[which] = extra[which]
    return found


def _message(model: Any) -> dict[str, Any]:
    return {"name": getattr(model, "__name__", str(model)), "schema": _model_schema(model)}


def describe_websocket(route: Any, path: str, declared: dict[str, Any]) -> dict[str, Any]:
    endpoint = getattr(route, "endpoint", None)
    info = {"path": path, "name": getattr(route, "name", None), "send": None,
            "receive": None, "declared_by": None}
    info.update(_where(endpoint))
    models = {}
    configured = declared.get(path) or {}
    if configured.get("send") or configured.get("receive"):
        info["declared_by"] = "config"
        for which in ("send", "receive"):
            if configured.get(which):
                models[which] = _import_model(configured[which], path, which)
    elif endpoint is not None:
        models = _annotated_messages(endpoint)
        if models:
            info["declared_by"] = "annotation"
    for which, model in sorted(models.items()):
        info[which] = _message(model)
    return info


def describe_route(context: Any, route: Any, path: str, kind: str) -> dict[str, Any]:
    endpoint = getattr(route, "endpoint", None)
    info = {"kind": kind, "path": path, "name": getattr(route, "name", None),
            "methods": sorted(m for m in (getattr(context, "methods", None) or ()) if m != "HEAD")
            if kind != "websocket" else [],
            "tags": [str(t) for t in (getattr(context, "tags", None) or [])],
            "in_schema": bool(getattr(context, "include_in_schema", kind == "http"))
            and kind == "http"}
    info.update(_where(endpoint))
    if kind == "http":
        response_class = getattr(context, "response_class", None)
        actual = getattr(response_class, "value", response_class)  # FastAPI's DefaultPlaceholder
        info["response_model"] = _type_name(getattr(context, "response_model", None))
        info["status_code"] = getattr(context, "status_code", None)
        info["response_class"] = _type_name(actual)
        info["explicit_response_class"] = type(response_class).__name__ != "DefaultPlaceholder"
    return info


def main(request: dict[str, Any]) -> dict[str, Any]:
    import fastapi

    app = load_app(request["app"], "api.app")
    configured = request.get("modules") or {}
    modules = configured or {"api": {}}
    declared = request.get("websockets") or {}
    apps = {}
    for name, module in sorted(modules.items()):
        apps[name] = load_app(module["app"], f"api.modules.{name}.app") \
            if module.get("app") else app
    described = {}  # (id(app), path, kind, methods) -> route info
    documents = {}
    sockets = {}
    for name, module in sorted(modules.items()):
        module_app = apps[name]
        whole = not module.get("tags") and not module.get("prefix")
        chosen = []
        endpoint_modules = set()
        candidates = []
        for context, route, path in route_contexts(module_app):
            kind = _kind(route)
            if kind is None or (kind == "plain" and str(getattr(
                    getattr(route, "endpoint", None), "__module__", "")).startswith("fastapi.")):
                continue  # mounts; FastAPI's own /docs and /openapi.json
            key = (id(module_app), path, kind, tuple(sorted(getattr(context, "methods", None)
                                                             or ())))
            if key not in described:
                described[key] = describe_route(context, route, path, kind)
                described[key]["modules"] = []
            info = described[key]
            if kind == "websocket":
                candidates.append((info, route, path))
                continue
            if not _selected(module, path, info["tags"]):
                continue
            info["modules"].append(name)
            endpoint_modules.add(info["endpoint"].partition(":")[0])
            chosen.append(context)
        for info, route, path in candidates:
            wanted = (declared.get(path) or {}).get("module")
            if wanted is not None:
                belongs = wanted == name
            elif module.get("prefix"):
                belongs = _selected({"prefix": module["prefix"]}, path, [])
            elif module.get("tags"):
                belongs = info["endpoint"].partition(":")[0] in endpoint_modules
            else:
                belongs = True
            if not belongs:
                continue
            info["modules"].append(name)
            if path not in sockets:
                sockets[path] = describe_websocket(route, path, declared)
                sockets[path]["modules"] = []
            sockets[path]["modules"].append(name)
        documents[name] = _openapi(module_app, chosen, whole)
    for info in described.values():
        if info["kind"] != "http":
            continue
        for method in info["methods"]:
            operation = None
            for name in info["modules"]:
                operation = (documents[name].get("paths", {}).get(info["path"], {})
                             .get(method.lower()))
                if operation is not None:
                    break
            info.setdefault("operation_ids", {})[method] = (operation or {}).get("operationId")
    missing = sorted(set(declared) - set(sockets))
    try:
        import pydantic
        pydantic_version = pydantic.VERSION
    except (ImportError, AttributeError):
        pydantic_version = None
    return {
        "fastapi": fastapi.__version__,
        "pydantic": str(pydantic_version) if pydantic_version else None,
        "title": getattr(app, "title", None),
        "version": getattr(app, "version", None),
        "separate_input_output_schemas": getattr(app, "separate_input_output_schemas", True),
        "documents": documents,
        "routes": sorted(described.values(), key=lambda r: (r["path"], r["kind"],
                                                            r.get("methods") or [])),
        "websockets": [sockets[p] for p in sorted(sockets)],
        "missing_websockets": missing,
    }
