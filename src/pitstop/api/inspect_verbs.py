"""``api spec`` and ``api routes``: one document, and every route with its coverage."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from pitstop.api import documents
from pitstop.api.app import describe_app, section_of
from pitstop.api.generation import _selected
from pitstop.api.manifest import read_manifest
from pitstop.capability import Progress, Result
from pitstop.errors import UsageError

if TYPE_CHECKING:
    from pitstop.config import Settings


@dataclasses.dataclass(frozen=True)
class SpecResult(Result):
    """One module's document, as ``api generate`` writes it."""

    module: str
    kind: str
    document: dict[str, Any]

    @property
    def text(self) -> str:
        return documents.canonical(self.document).decode()


def spec(settings: Settings, *, progress: Progress | None = None, module: str | None = None,
         asyncapi: bool = False) -> SpecResult:
    """The OpenAPI document of ``module`` (the only module when there is one), or with
    ``asyncapi`` its AsyncAPI 3.0 document, exactly as ``api generate`` writes it."""
    section = section_of(settings)
    if module is None:
        if len(section.module_names) > 1:
            raise UsageError(f"name the module: {', '.join(section.module_names)}")
        module = section.module_names[0]
    _selected(section, [module])
    info = describe_app(settings, section)
    if asyncapi:
        document = documents.asyncapi_document(info.title, info.version, module,
                                               info.sockets_of(module))
        documents.validate_asyncapi(document, module)
        return SpecResult(module, "asyncapi", document)
    document = json.loads(documents.canonical(info.documents[module]))
    return SpecResult(module, "openapi", document)


@dataclasses.dataclass(frozen=True)
class RouteInfo:
    """One route of the app and what covers it."""

    kind: str
    """``http`` (in OpenAPI), ``websocket`` (in AsyncAPI) or ``plain`` (a Starlette
    route: neither)."""
    path: str
    methods: tuple[str, ...]
    modules: tuple[str, ...]
    operation_ids: dict[str, str | None]
    response_model: str | None
    endpoint: str
    file: str | None
    line: int | None
    in_client: bool
    """An HTTP route: its module's written client has it (the manifest lists its files)."""
    in_asyncapi: bool
    """A WebSocket route: it has declared messages, so its channel says what it carries."""


@dataclasses.dataclass(frozen=True)
class RoutesResult(Result):
    routes: tuple[RouteInfo, ...]
    fastapi: str
    interpreter: str


def routes(settings: Settings, *, progress: Progress | None = None) -> RoutesResult:
    """Every HTTP and WebSocket route: its module, operationIds, response model, and
    whether the written client and the AsyncAPI document cover it."""
    from pitstop.api.app import output_dir

    section = section_of(settings)
    info = describe_app(settings, section)
    manifest = read_manifest(output_dir(settings, section))
    declared = {s["path"]: bool(s.get("send") or s.get("receive")) for s in info.websockets}
    written = {name for name, document in info.documents.items()
               if name in manifest.modules and manifest.modules[name].spec
               == documents.digest(documents.canonical(document))}
    found = []
    for route in info.routes:
        modules = tuple(route.get("modules") or ())
        in_client = route["kind"] == "http" and route["in_schema"] and any(
            name in written and route["path"] in (info.documents[name].get("paths") or {})
            for name in modules)
        found.append(RouteInfo(
            kind=route["kind"], path=route["path"], methods=tuple(route.get("methods") or ()),
            modules=modules, operation_ids=dict(route.get("operation_ids") or {}),
            response_model=route.get("response_model"), endpoint=route["endpoint"],
            file=route.get("file"), line=route.get("line"), in_client=in_client,
            in_asyncapi=route["kind"] == "websocket" and bool(modules)
            and declared.get(route["path"], False)))
    return RoutesResult(tuple(found), info.fastapi, info.interpreter)
