"""`api check`: the pre-commit gate, by AST (no import) and at run time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pitstop.api import check
from pitstop.api.lint import default_operation_id, python_name

from .conftest import cli, load

ROUTES = '''
from fastapi import APIRouter, Response, status
from fastapi.responses import HTMLResponse

router = APIRouter()


@router.get("/ok-model", response_model=dict)
def ok_model():
    return {}


@router.get("/ok-annotation")
async def ok_annotation() -> list[int]:
    return []


@router.delete("/ok-204", status_code=status.HTTP_204_NO_CONTENT)
def ok_204():
    return Response(status_code=204)


@router.get("/ok-html", response_class=HTMLResponse)
def ok_html():
    return "<p>hi</p>"


@router.get("/bad")
def bad():
    return {}


@router.post("/bad-none")
def bad_none() -> None:
    return None


@router.get("/a", operation_id="listThings")
def a() -> dict:
    return {}


@router.get("/b", operation_id="list_things")
def b() -> dict:
    return {}


@router.get("/c", operation_id="list_things")
def c() -> dict:
    return {}


@router.websocket("/ws/undeclared")
async def undeclared(websocket):
    await websocket.accept()
'''


def test_the_shop_passes_with_one_warning(shop: Path) -> None:
    result = check(load(shop))
    assert result.mode == "ast" and result.files == 6 and result.routes == 11
    assert result.errors == 0 and result.exit_code == 0
    assert [f.code for f in result.findings] == ["websocket-messages"]
    assert result.findings[0].file == "shop/broker.py"


def test_ast_findings(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shop / "shop" / "more.py").write_text(ROUTES)
    result = check(load(shop))
    found = {(f.code, f.line) for f in result.findings}
    lines = ROUTES.splitlines()

    def line_of(text: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if text in line)

    assert ("response-model", line_of('"/bad"')) in found
    assert ("response-model", line_of('"/bad-none"')) in found
    assert ("operation-id-collision", line_of('"/b"')) in found
    assert ("operation-id-duplicate", line_of('"/c"')) in found
    assert sum(1 for f in result.findings if f.code == "response-model") == 2
    assert result.errors == 4 and result.exit_code == 1
    assert cli("api", "check") == 1
    out = capsys.readouterr().out
    assert "shop/more.py:" in out and "does not declare what it returns" in out
    assert cli("api", "check", "shop/items.py") == 0  # only the files given


def test_strict_makes_undeclared_websockets_errors(shop: Path) -> None:
    config = shop / "pitstop.toml"
    config.write_text(config.read_text().replace('env_file = ".env"', 'env_file = ".env"\n'
                                                 'strict = true'))
    assert check(load(shop)).errors == 1


def test_runtime_check(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items = shop / "shop" / "items.py"
    items.write_text(items.read_text() + '''

@router.get("/default/{item_id}")
def default_id(item_id: int):
    return {}
''')
    result = check(load(shop), runtime=True)
    codes = sorted(f.code for f in result.findings)
    assert codes == ["operation-id-default", "response-model", "websocket-messages"]
    default = next(f for f in result.findings if f.code == "operation-id-default")
    assert "default_id_items_default__item_id__get" in default.message
    assert result.exit_code == 1
    assert cli("api", "check", "--runtime", "--json") == 1
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "runtime" and data["errors"] == 1


def test_names() -> None:
    assert python_name("listThings") == python_name("list_things") == "list_things"
    assert python_name("getHTTPStatus") == "get_http_status"
    assert default_operation_id("list_items", "/items", "GET") == "list_items_items_get"
