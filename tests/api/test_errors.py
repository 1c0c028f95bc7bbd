"""What goes wrong is said clearly, with the documented exit code, and nothing is
written: an app that cannot be imported (3), an app that raises (1), WebSocket routes
that are configured but missing or whose models cannot be imported, bad settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from pitstop.api.errors import ApiDependencyError, require
from pitstop.errors import EXIT_DEPENDENCY

from .conftest import cli


def _config(project: Path, old: str, new: str) -> None:
    path = project / "pitstop.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_missing_module_is_exit_3_naming_the_setting_and_interpreter(
        shop: Path, shop_venv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _config(shop, 'app = "shop.main:app"', 'app = "shop.nowhere:app"')
    assert cli("api", "generate") == 3
    err = capsys.readouterr().err
    assert "[api.app]" in err and "shop.nowhere" in err and str(shop_venv) in err
    assert not (shop / "generated").exists()


def test_a_package_the_app_needs_but_the_venv_lacks_is_exit_3(
        shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main = shop / "shop" / "main.py"
    main.write_text(main.read_text().replace("import os\n", "import os\n\nimport sqlmodel_not_installed\n"))
    assert cli("api", "generate") == 3
    assert "sqlmodel_not_installed" in capsys.readouterr().err


@pytest.mark.parametrize("app", ["shop.main:nothing", "shop.main:create_app()",
                                 "shop.models:Item"])
def test_an_app_string_naming_no_app_is_exit_3(shop: Path, app: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    _config(shop, 'app = "shop.main:app"', f'app = "{app}"')
    assert cli("api", "generate") == 3
    assert "[api.app]" in capsys.readouterr().err


def test_an_app_that_raises_is_exit_1_with_its_traceback(
        shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shop / ".env").write_text("SHOP_FAIL_ON_IMPORT=1\n")  # applied through [api] env_file
    assert cli("api", "generate") == 1
    err = capsys.readouterr().err
    assert "the shop refuses to start" in err and "shop/main.py" in err
    assert "Traceback" not in err or "pitstop" not in err.split("Traceback")[0]
    assert not (shop / "generated").exists()


def test_a_configured_websocket_route_the_app_lacks_is_an_error(
        shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _config(shop, '[api.websockets."/broker/ws/prices"]', '[api.websockets."/ws/prices"]')
    assert cli("api", "generate") == 1
    assert "/ws/prices" in capsys.readouterr().err


def test_a_websocket_message_that_cannot_be_imported_names_the_route(
        shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _config(shop, 'send = "shop.models:PriceUpdate"', 'send = "shop.models:Gone"')
    assert cli("api", "generate") == 3
    err = capsys.readouterr().err
    assert "/broker/ws/prices" in err and "Gone" in err


def test_strict_makes_undeclared_websocket_messages_an_error(
        shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("api", "generate", "--strict") == 1
    assert "/broker/ws/raw" in capsys.readouterr().err
    assert not (shop / "generated").exists()


@pytest.mark.parametrize(("old", "new", "key"), [
    ("[api.modules.items]", "[api.modules.Items]", "modules"),
    ('app = "shop.main:app"', 'app = "shop/main.py"', "api.app"),
    ('tags = ["items"]', 'tags = ["items"]\nprefix = "items"', "prefix"),
])
def test_bad_settings_are_exit_3(shop: Path, old: str, new: str, key: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    _config(shop, old, new)
    assert cli("api", "generate") == 3
    assert key in capsys.readouterr().err


def test_no_app_configured_is_exit_3(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shop / "pitstop.toml").write_text("[api]\n")
    assert cli("api", "generate") == 3
    assert "[api.app]" in capsys.readouterr().err


def test_a_missing_library_is_exit_2_naming_the_extra() -> None:
    with pytest.raises(ApiDependencyError) as caught:
        require("openapi_python_client_that_is_not_there", "openapi-python-client")
    assert caught.value.exit_code == EXIT_DEPENDENCY
    assert "pitstop[api]" in (caught.value.hint or "")


def test_a_damaged_manifest_is_exit_3(generated: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    (generated / "generated" / ".pitstop-generated.json").write_text("{not json")
    assert cli("api", "generate") == 3
    assert ".pitstop-generated.json" in capsys.readouterr().err
