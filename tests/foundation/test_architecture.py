"""The architecture holds: every capability descriptor is complete, verbs have one shape
and are recorded, and imports between the units under ``src/pitstop`` point downward
only (no cycle)."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from pitstop import registry
from pitstop.capability import Capability, Verb, load_target
from pitstop.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "pitstop"
FRONTS = {"cli", "__main__", "serve", "web"}

CAPABILITIES = list(registry.capabilities().values())
CONVERTING: set[str] = set()
"""Capabilities whose verbs are being moved to the one verb shape (issue 15); the set
shrinks to nothing as each lands."""
VERBS = [(cap, verb) for cap in CAPABILITIES for verb in cap.verbs]


def _ids(value: object) -> str:
    if isinstance(value, Capability):
        return value.name
    if isinstance(value, Verb):
        return value.name
    return str(value)


# -- descriptors ----------------------------------------------------------------------------
@pytest.mark.parametrize("capability", CAPABILITIES, ids=_ids)
def test_descriptor_is_complete(capability: Capability) -> None:
    assert capability.name and capability.summary
    assert (ROOT / capability.docs).is_file(), f"{capability.name}: no {capability.docs}"
    assert capability.verbs, f"{capability.name} declares no verb"
    assert len({v.name for v in capability.verbs}) == len(capability.verbs)
    for command in capability.commands:
        assert isinstance(load_target(command.target), click.Command), command.target
    for task in capability.tasks:
        assert registry.tasks()[task.name] is task
        assert callable(task.load()), task.target
        if task.verb is not None:
            cap_name, _, verb_name = task.verb.partition(" ")
            registry.verb(cap_name, verb_name)  # names a real verb


def _cli_command(path: tuple[str, ...]) -> click.Command | None:
    command: click.Command | None = cli
    for name in path:
        if not isinstance(command, click.Group):
            return None
        command = command.get_command(click.Context(command), name)
    return command


@pytest.mark.parametrize(("capability", "verb"), VERBS, ids=_ids)
def test_verb_has_one_shape_a_command_help_and_docs(capability: Capability, verb: Verb) -> None:
    if capability.name in CONVERTING:
        pytest.xfail(f"{capability.name}: verbs not yet in the one shape")
    func = verb.load()
    assert callable(func), verb.target
    assert (func.__doc__ or "").strip(), f"{verb.target} has no docstring"
    params = list(inspect.signature(func).parameters.values())
    assert params and params[0].name == "settings", \
        f"{verb.target}: the first parameter must be settings"
    assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params[1:]), \
        f"{verb.target}: options after settings must be keyword-only"
    assert "progress" in {p.name for p in params}, f"{verb.target} takes no progress"
    marked = getattr(func, "__pitstop_verb__", None)
    if verb.recorded:
        assert marked == (capability.name, verb.name), \
            f"{verb.target} is not decorated @recorded({capability.name!r}, {verb.name!r})"
    path = capability.command_path(verb)
    command = _cli_command(path)
    assert command is not None, f"no CLI command pitstop {' '.join(path)}"
    assert (command.help or "").strip(), f"pitstop {' '.join(path)} has no help"
    docs = (ROOT / capability.docs).read_text(encoding="utf-8")
    assert f"pitstop {' '.join(path)}" in docs, f"{capability.docs} never shows pitstop {path}"


def _fields_without_docs(cls: type, prefix: str) -> Iterator[str]:
    """Dotted keys of ``cls`` (and of nested settings dataclasses) with no docstring."""
    import typing

    documented = _attribute_docs(cls)
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        assert field.default is not dataclasses.MISSING \
            or field.default_factory is not dataclasses.MISSING, \
            f"[{prefix}] {field.name} has no default"
        nested = hints.get(field.name)
        if isinstance(nested, type) and dataclasses.is_dataclass(nested):
            yield from _fields_without_docs(nested, f"{prefix}.{field.name}")
        elif field.name not in documented:
            yield f"{prefix}.{field.name}"


def _attribute_docs(cls: type) -> set[str]:
    """Fields of ``cls`` followed by a docstring in its source."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body  # type: ignore[attr-defined]
    documented = set()
    for node, following in itertools.pairwise(body):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant) \
                and isinstance(following.value.value, str):
            documented.add(node.target.id)
    return documented


SECTIONS = [(cap, section) for cap in CAPABILITIES for section in cap.sections]


@pytest.mark.parametrize(("capability", "section"), SECTIONS,
                         ids=lambda v: getattr(v, "name", str(v)))
def test_settings_section_documents_every_key(capability: Capability, section: object) -> None:
    cls = load_target(section.target)  # type: ignore[attr-defined]
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
    missing = list(_fields_without_docs(cls, section.name))  # type: ignore[attr-defined]
    if missing and capability.name in CONVERTING:
        pytest.xfail(f"{capability.name}: settings not yet documented key by key")
    assert not missing, f"settings without a docstring: {', '.join(missing)}"


def test_registry_lists_every_builtin_capability_once() -> None:
    names = [cap.name for cap in CAPABILITIES]
    assert len(names) == len(set(names))
    commands = [c.name for cap in CAPABILITIES for c in cap.commands]
    assert len(commands) == len(set(commands))


# -- import layering -------------------------------------------------------------------------
def _unit(path: Path) -> str:
    first = path.relative_to(SRC).parts[0]
    return first[:-3] if first.endswith(".py") else first


def _imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = list(path.relative_to(SRC.parent).parent.parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr",
                                                    getattr(node.func, "id", "")) == "import_module":
            yield from (arg.value for arg in node.args
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str))


def _edges() -> dict[str, set[str]]:
    units = {p.stem if p.suffix == ".py" else p.name for p in SRC.iterdir()
             if (p.suffix == ".py" or p.is_dir()) and not p.name.startswith("__")} - FRONTS
    edges: dict[str, set[str]] = {unit: set() for unit in units}
    for path in SRC.rglob("*.py"):
        me = _unit(path)
        if me not in edges:
            continue
        for module in _imports(path):
            parts = module.split(".")
            if len(parts) > 1 and parts[0] == "pitstop" and parts[1] in edges and parts[1] != me:
                edges[me].add(parts[1])
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


KNOWN_CYCLE: set[str] = set()
"""Units still in the one cycle being cut (issue 15); shrinks to nothing."""


def test_no_import_cycle_between_units() -> None:
    cycles = _cycles(_edges())
    new = [c for c in cycles if not set(c) <= KNOWN_CYCLE]
    assert not new, "import cycles: " + "; ".join(" <-> ".join(c) for c in new)


def test_core_does_not_import_capabilities_or_the_registry() -> None:
    edges = _edges()
    capabilities = {cap.name for cap in CAPABILITIES} - {"db"} | {"suite", "registry"}
    for core in ("capability", "config", "errors", "output", "redact", "log", "config_types",
                 "engine", "state"):
        assert not edges.get(core, set()) & capabilities, \
            f"{core} imports {sorted(edges[core] & capabilities)}"
