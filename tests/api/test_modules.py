"""How routes become modules: the whole app as one, by prefix, a separate app, and a
module dropped from the configuration; two runs at once; lazy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pitstop.api import generate

from .conftest import load, tree


def _modules(project: Path, text: str) -> None:
    config = project / "pitstop.toml"
    head = config.read_text().split("[api.modules.items]")[0]
    config.write_text(head + text)


def test_without_modules_the_whole_app_is_one(generated: Path) -> None:
    _modules(generated, "")
    result = generate(load(generated))
    assert [m.name for m in result.modules][:1] == ["api"]
    files = tree(generated / "generated")
    document = json.loads(files["api/openapi.json"])
    assert len(document["paths"]) == 7  # every path of the app
    assert "api/api_client/api/orders/pay_order.py" in files
    assert "api/asyncapi.json" in files
    gone = {m.name: m.removed for m in result.modules}
    assert set(gone) == {"api", "items", "orders", "broker"}
    assert not [p for p in files if p.startswith(("items/", "orders/", "broker/"))]


def test_modules_by_prefix_and_by_separate_app(shop: Path) -> None:
    (shop / "shop" / "admin.py").write_text('''
from fastapi import FastAPI

app = FastAPI(title="Admin", version="2.0.0")


@app.get("/stats", operation_id="stats")
def stats() -> dict[str, int]:
    return {"orders": 0}
''')
    _modules(shop, '[api.modules.shop]\nprefix = "/items"\n\n'
                   '[api.modules.admin]\napp = "shop.admin:app"\n')
    result = generate(load(shop))
    assert result.exit_code == 0
    shop_doc = json.loads((shop / "generated/shop/openapi.json").read_text())
    admin_doc = json.loads((shop / "generated/admin/openapi.json").read_text())
    assert set(shop_doc["paths"]) == {"/items", "/items/{item_id}"}
    assert set(admin_doc["paths"]) == {"/stats"} and admin_doc["info"]["title"] == "Admin"
    assert any("belongs to no module" in w and "/orders" in w for w in result.warnings)


def test_two_runs_at_once_leave_one_consistent_output(shop: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    runs = [subprocess.Popen([sys.executable, "-m", "pitstop", "api", "generate"], cwd=shop,
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    outcomes = [(proc.wait(timeout=240), proc.communicate()[1]) for proc in runs]
    codes = sorted(code for code, _err in outcomes)
    assert codes[0] == 0, outcomes
    assert codes[1] in (0, 1), outcomes  # the second one writes nothing, or is told to retry
    if codes[1] == 1:
        assert any("changed while pitstop was generating" in err for _c, err in outcomes)
    assert generate(load(shop), check=True).exit_code == 0


@pytest.mark.parametrize("argv", [["--help"], ["api", "--help"], ["generate", "--help"],
                                  ["api", "check", "--help"]])
def test_start_up_imports_no_generator(argv: list[str]) -> None:
    heavy = ("openapi_python_client", "fastapi", "jsonschema", "openapi_spec_validator",
             "jinja2", "pitstop.api.generation")
    code = (f"import sys; from pitstop.cli.main import main; main({argv!r}); "
            f"sys.stderr.write(repr([m for m in {heavy!r} if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "100"}, check=True)
    assert done.stderr.strip().endswith("[]")


def test_an_app_factory_is_called_once(shop: Path) -> None:
    main = shop / "shop" / "main.py"
    main.write_text(main.read_text() + '''

CALLS = []


def create_app() -> FastAPI:
    CALLS.append(1)
    assert len(CALLS) == 1, "create_app() called twice"
    return app
''')
    config = shop / "pitstop.toml"
    config.write_text(config.read_text().replace('app = "shop.main:app"',
                                                 'app = "shop.main:create_app()"'))
    result = generate(load(shop))
    assert result.exit_code == 0
    assert {m.name for m in result.modules} == {"items", "orders", "broker"}
