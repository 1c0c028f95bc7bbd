"""`api routes` and `api spec`: what the app has, and the documents as written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import cli


def test_routes_show_modules_operations_and_coverage(
        generated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("api", "routes", "--json") == 0
    routes = {(r["kind"], r["path"], tuple(r["methods"])): r
              for r in json.loads(capsys.readouterr().out)["routes"]}
    get_item = routes[("http", "/items/{item_id}", ("GET",))]
    assert get_item["modules"] == ["items"] and get_item["in_client"]
    assert get_item["operation_ids"] == {"GET": "get_item"}
    assert get_item["response_model"] == "shop.models.Item"  # from the return annotation
    assert routes[("http", "/broker/prices", ("GET",))]["modules"] == ["broker"]
    prices = routes[("websocket", "/broker/ws/prices", ())]
    raw = routes[("websocket", "/broker/ws/raw", ())]
    assert prices["in_asyncapi"] and not raw["in_asyncapi"]
    assert prices["modules"] == raw["modules"] == ["broker"]
    assert not any(path.startswith("/docs") for _kind, path, _m in routes)


def test_routes_before_generating_cover_nothing(
        shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("api", "routes") == 0
    out = capsys.readouterr().out
    assert "/orders/{order_id}/pay" in out and "client" not in out.split("covered", 1)[1]


def test_spec_prints_what_generate_writes(generated: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("api", "spec", "orders") == 0
    assert capsys.readouterr().out == (generated / "generated/orders/openapi.json").read_text()
    assert cli("api", "spec", "broker", "--asyncapi") == 0
    assert capsys.readouterr().out == (generated / "generated/broker/asyncapi.json").read_text()
    assert cli("api", "spec") == 3  # three modules: name one
