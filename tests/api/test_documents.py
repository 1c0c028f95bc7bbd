"""The pieces under `api generate`, on real libraries: the generator's lost endpoints
are errors, coverage is read from the generated code, invalid documents are named,
WebSocket messages declared on the endpoint reach the AsyncAPI document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pitstop.api import client, documents, generate
from pitstop.api.errors import ApiError
from pitstop.api.validation import BackgroundValidation

from .conftest import load

OK = {"get": {"operationId": "ok", "responses": {"200": {
    "description": "ok", "content": {"application/json": {"schema": {"type": "string"}}}}}}}
WEIRD = {"post": {"operationId": "weird", "requestBody": {"required": True, "content": {
    "application/x-weird": {"schema": {"type": "object"}}}},
    "responses": {"200": {"description": "ok"}}}}


def _document(**paths: object) -> dict[str, object]:
    return {"openapi": "3.1.0", "info": {"title": "T", "version": "1"}, "paths": paths}


def test_an_endpoint_the_generator_would_skip_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ApiError) as caught:
        client.generate(_document(**{"/ok": OK, "/weird": WEIRD}), "t_client",
                        tmp_path / "t_client", "t")
    assert "POST /weird" in str(caught.value) and "module t" in str(caught.value)


def test_coverage_is_read_from_the_generated_code(tmp_path: Path) -> None:
    document = _document(**{"/ok": OK, "/items/{item_id}": {"get": {
        "operationId": "get_item", "parameters": [{"name": "item_id", "in": "path",
                                                   "required": True,
                                                   "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "ok"}}}}})
    package = tmp_path / "t_client"
    client.generate(document, "t_client", package, "t")
    assert client.missing_operations(document, package) == []
    (package / "api" / "default" / "get_item.py").unlink()
    assert client.missing_operations(document, package) == ["GET /items/{item_id}"]


def test_an_invalid_document_is_named(tmp_path: Path) -> None:
    broken = _document(**{"/ok": {"get": {"operationId": "ok", "responses": {},
                                          "parameters": [{"name": "x"}]}}})  # no "in"
    with pytest.raises(ApiError) as caught:
        documents.validate_openapi(broken, "t")
    assert "module t" in str(caught.value) and "paths//ok/get" in str(caught.value)
    background = BackgroundValidation({"t": broken, "u": _document(**{"/ok": OK})})
    with pytest.raises(ApiError) as caught:
        background.wait()
    assert "module t" in str(caught.value)
    BackgroundValidation({"u": _document(**{"/ok": OK})}).wait()


def test_an_invalid_asyncapi_document_is_named() -> None:
    document = documents.asyncapi_document("T", "1", "m", [])
    documents.validate_asyncapi(document, "m")
    document["operations"] = {"x": {"action": "shout", "channel": {"$ref": "#/channels/a"}}}
    with pytest.raises(ApiError) as caught:
        documents.validate_asyncapi(document, "m")
    assert "operations/x" in str(caught.value)


def test_messages_declared_on_the_endpoint(shop: Path) -> None:
    broker = shop / "shop" / "broker.py"
    broker.write_text(broker.read_text()
                      .replace("from fastapi import APIRouter, WebSocket",
                               "from typing import Annotated\n\n"
                               "from fastapi import APIRouter, WebSocket")
                      .replace("async def raw_feed(websocket: WebSocket)",
                               'async def raw_feed(websocket: Annotated[WebSocket, '
                               '{"send": Price}])'))
    result = generate(load(shop), strict=True)
    assert result.exit_code == 0 and not result.warnings
    asyncapi = json.loads((shop / "generated/broker/asyncapi.json").read_text())
    raw = next(c for c in asyncapi["channels"].values() if c["address"] == "/broker/ws/raw")
    assert list(raw["messages"]) == ["Price"]
    assert asyncapi["operations"]["send_broker_ws_raw"]["action"] == "send"
