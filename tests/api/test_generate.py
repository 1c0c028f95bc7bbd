"""`api generate`: documents and clients per module, written only where they changed,
never destroying what pitstop did not write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pitstop.api import generate
from pitstop.api.manifest import MANIFEST

from .conftest import cli, load, make_project, tree


def test_generates_documents_and_a_client_per_module(generated: Path) -> None:
    files = tree(generated / "generated")
    assert MANIFEST in files
    for module in ("items", "orders", "broker"):
        assert f"{module}/openapi.json" in files
        assert f"{module}/{module}_client/client.py" in files
    items = json.loads(files["items/openapi.json"])
    assert set(items["paths"]) == {"/items", "/items/{item_id}", "/health"}
    assert "Order" not in items["components"]["schemas"]  # only what the module reaches
    assert "items/items_client/api/items/delete_item.py" in files  # the 204 route
    assert "items/items_client/api/items/get_item.py" in files  # return annotation only
    assert "items/items_client/models/colour.py" in files  # the enum
    assert "orders/orders_client/models/order_line.py" in files  # nested model
    assert "broker/asyncapi.json" in files and "items/asyncapi.json" not in files
    asyncapi = json.loads(files["broker/asyncapi.json"])
    assert asyncapi["asyncapi"] == "3.0.0"
    channels = {c["address"]: c for c in asyncapi["channels"].values()}
    assert set(channels) == {"/broker/ws/prices", "/broker/ws/raw"}
    assert set(channels["/broker/ws/prices"]["messages"]) == {"PriceUpdate", "Subscribe"}
    assert channels["/broker/ws/raw"]["messages"] == {}
    assert not [p for p in files if "__pycache__" in p or ".ruff_cache" in p]
    manifest = json.loads(files[MANIFEST])
    assert set(manifest["generator"]) == {"openapi-python-client", "ruff"}
    assert set(manifest["modules"]["items"]["files"]) == {
        p for p in files if p.startswith("items/")}


def test_nothing_changed_writes_nothing(generated: Path) -> None:
    output = generated / "generated"
    before = {p: p.stat().st_mtime_ns for p in output.rglob("*") if p.is_file()}
    result = generate(load(generated))
    assert result.exit_code == 0
    assert all(not m.written and not m.removed and not m.regenerated for m in result.modules)
    assert sum(m.unchanged for m in result.modules) == len(before) - 1  # all but the manifest
    assert {p: p.stat().st_mtime_ns for p in output.rglob("*") if p.is_file()} == before
    assert any("/broker/ws/raw" in w and "declares no messages" in w for w in result.warnings)


def test_one_changed_route_rewrites_only_that_module(generated: Path) -> None:
    output = generated / "generated"
    before = tree(output)
    mtimes = {p: p.stat().st_mtime_ns for p in output.rglob("*") if p.is_file()}
    orders = generated / "shop" / "orders.py"
    orders.write_text(orders.read_text() + '''

@router.post("/{order_id}/cancel", response_model=Order, operation_id="cancel_order")
def cancel_order(order_id: int) -> Order:
    return get_order(order_id)
''')
    result = generate(load(generated))
    by_name = {m.name: m for m in result.modules}
    assert by_name["orders"].regenerated
    assert set(by_name["orders"].written) == {"orders/openapi.json",
                                              "orders/orders_client/api/orders/cancel_order.py"}
    for name in ("items", "broker"):
        assert not by_name[name].regenerated and not by_name[name].written
    after = tree(output)
    changed = {p for p in after if before.get(p) != after[p]}
    assert changed == set(by_name["orders"].written) | {MANIFEST}
    for path, mtime in mtimes.items():
        if path.relative_to(output).as_posix() not in changed:
            assert path.stat().st_mtime_ns == mtime, path


def test_hand_added_files_survive_and_dropped_ones_go(generated: Path) -> None:
    output = generated / "generated"
    (output / "README.md").write_text("our notes\n")
    (output / "items" / "items_client" / "extra.py").write_text("HAND = True\n")
    items = generated / "shop" / "items.py"
    text = items.read_text()
    start = text.index('@router.delete("/{item_id}"')
    items.write_text(text[:start])  # the delete route is gone
    result = generate(load(generated))
    assert result.exit_code == 0
    module = next(m for m in result.modules if m.name == "items")
    assert "items/items_client/api/items/delete_item.py" in module.removed
    assert not (output / "items/items_client/api/items/delete_item.py").exists()
    assert (output / "README.md").read_text() == "our notes\n"
    assert (output / "items/items_client/extra.py").read_text() == "HAND = True\n"


def test_an_edited_generated_file_is_reported_and_kept_until_force(generated: Path) -> None:
    target = generated / "generated" / "orders" / "orders_client" / "client.py"
    target.write_text(target.read_text() + "# my fix\n")
    result = generate(load(generated))
    module = next(m for m in result.modules if m.name == "orders")
    assert module.edited == ("orders/orders_client/client.py",)
    assert result.exit_code == 1
    assert target.read_text().endswith("# my fix\n")
    assert cli("api", "generate", "--check") == 1
    forced = generate(load(generated), force=True)
    assert forced.exit_code == 0
    assert not target.read_text().endswith("# my fix\n")
    assert cli("api", "generate", "--check") == 0


def test_a_file_pitstop_did_not_write_is_a_conflict(shop: Path) -> None:
    target = shop / "generated" / "items" / "openapi.json"
    target.parent.mkdir(parents=True)
    target.write_text("{}\n")
    result = generate(load(shop))
    module = next(m for m in result.modules if m.name == "items")
    assert module.conflicts == ("items/openapi.json",)
    assert result.exit_code == 1
    assert target.read_text() == "{}\n"


def test_check_and_dry_run_exit_codes(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("api", "generate", "--check") == 1
    out = capsys.readouterr().out
    assert "missing items/openapi.json" in out
    assert not (shop / "generated").exists()
    assert cli("api", "generate", "--dry-run", "items") == 10
    assert "+++ b/items/openapi.json" in capsys.readouterr().out
    assert not (shop / "generated").exists()
    assert cli("generate") == 0  # the shortcut
    assert cli("api", "generate", "--check") == 0
    assert cli("api", "generate", "nope") == 3


def test_output_is_byte_identical_across_hash_seeds(tmp_path: Path, shop_venv: Path,
                                                    generated_baseline: Path) -> None:
    project = make_project(tmp_path, shop_venv)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    for seed in ("1", "4242"):
        subprocess.run([sys.executable, "-m", "pitstop", "api", "generate", "--force"],
                       cwd=project, env={**env, "PYTHONHASHSEED": seed}, check=True,
                       capture_output=True)
        assert tree(project / "generated") == tree(generated_baseline / "generated"), seed
        (project / "generated" / MANIFEST).unlink()
        for path in sorted((project / "generated").rglob("*"), reverse=True):
            if path.is_file():
                path.unlink()
            else:
                path.rmdir()


def test_the_generate_task_runs_the_verb(generated: Path) -> None:
    assert cli("run", "generate") == 0
    assert cli("api", "generate", "--check") == 0


def test_what_pitstop_keeps_under_its_state_folder_is_private(shop: Path) -> None:
    import stat

    old = os.umask(0o022)
    try:
        assert generate(load(shop)).exit_code == 0
    finally:
        os.umask(old)
    for directory in (shop / ".pitstop", shop / ".pitstop" / "cache" / "api-templates"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
