"""Every command has help text and a docs page; the public API is what __init__ exports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

import pitstop
from pitstop import registry
from pitstop.cli.main import CORE_COMMANDS, available_commands, cli

ROOT = Path(__file__).resolve().parents[2]
DOC_PAGES = {
    "init": "configuration.md", "config": "configuration.md",
    "run": "run.md", "tasks": "run.md", "history": "run.md", "plugins": "architecture.md",
    **{name: capability.docs.removeprefix("docs/")
       for name, (capability, _command) in registry.commands().items()},
}


def walk(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...],
                                                                      click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from walk(sub, (*path, name))


def all_commands() -> list[tuple[tuple[str, ...], click.Command]]:
    return [item for name in available_commands()
            for item in walk(cli.get_command(click.Context(cli), name), (name,))]  # type: ignore[arg-type]


def test_every_registered_command_is_documented_somewhere() -> None:
    assert set(available_commands()) == set(DOC_PAGES)
    assert set(CORE_COMMANDS) <= set(DOC_PAGES)


@pytest.mark.parametrize(("path", "command"), all_commands(),
                         ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_command_has_help_and_docs(path: tuple[str, ...], command: click.Command) -> None:
    assert (command.help or "").strip(), f"pitstop {' '.join(path)} has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"pitstop {' '.join(path)} {param.opts[0]} has no help"
    page = ROOT / "docs" / DOC_PAGES[path[0]]
    assert page.is_file(), f"missing {page}"
    text = page.read_text(encoding="utf-8")
    assert f"pitstop {' '.join(path)}" in text or (
        len(path) > 1 and f"`{path[-1]}" in text), f"{page.name} does not mention {path}"


def test_docs_index_links_every_page() -> None:
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    for page in set(DOC_PAGES.values()) | {"exit-codes.md"}:
        assert f"({page})" in index


def test_public_api_is_what_init_exports() -> None:
    exported = {name for name in dir(pitstop) if not name.startswith("_")} - {"annotations"}
    modules = {name for name in exported if isinstance(getattr(pitstop, name), type(pitstop))}
    assert exported - modules == set(pitstop.__all__) - {"__version__"}


def test_help_is_fast_to_import() -> None:
    """`pitstop --help` must not import the heavy libraries (lazy imports)."""
    code = ("import sys; from pitstop.cli.main import main; main(['--help']); "
            "heavy = [m for m in ('sqlalchemy', 'rich', 'alembic', 'prometheus_client', "
            "'psycopg', 'redis', 'httpx', 'zstandard', 'celery', 'kombu') if m in sys.modules]; "
            "sys.stderr.write(repr(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "100"}, check=True)
    assert result.stderr.strip() == "[]"


def test_help_imports_only_the_descriptors_of_capabilities() -> None:
    """`pitstop --help` loads each capability's package and descriptor, nothing else of
    it (a package ``__init__`` that imports its verbs makes every command pay)."""
    src = ROOT / "src" / "pitstop"
    capabilities = sorted(p.parent.name for p in src.glob("*/descriptor.py"))
    code = ("import json, sys; from pitstop.cli.main import main; main(['--help']); "
            "sys.stderr.write(json.dumps([m for m in sys.modules if m.startswith('pitstop.')]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "100"}, check=True)
    loaded = json.loads(result.stderr)
    extra = [m for m in loaded if m.split(".")[1] in capabilities
             and m.count(".") > 1 and not m.endswith(".descriptor")]
    assert extra == [], f"--help imported more than descriptors: {extra}"


@pytest.mark.parametrize(("argv", "never"), [
    (["--version"], ("pitstop.config", "pitstop.registry", "pitstop.state", "logging",
                     "sqlite3", "tomllib")),
    (["--help"], ("pitstop.config", "pitstop.state", "logging", "sqlite3", "tomllib",
                  "pitstop.migrate.verbs", "pitstop.backup.archive")),
])
def test_start_up_imports_only_what_it_uses(argv: list[str], never: tuple[str, ...]) -> None:
    """`--version` needs no settings and no history; `--help` only the descriptors."""
    code = (f"import sys; from pitstop.cli.main import main; main({argv!r}); "
            f"sys.stderr.write(repr([m for m in {never!r} if m in sys.modules]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "100"}, check=True)
    assert result.stderr.strip() == "[]"


def test_shell_completion_script() -> None:
    result = subprocess.run([sys.executable, "-m", "pitstop"], capture_output=True, text=True,
                            env={**os.environ, "_PITSTOP_COMPLETE": "bash_source"})
    assert "_pitstop_completion" in result.stdout
    assert "_PITSTOP_COMPLETE=bash_source" in (ROOT / "docs" / "index.md").read_text()
