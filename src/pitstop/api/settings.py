"""``[api]``: where the project's FastAPI app is, how it splits into modules, and where
the documents and clients go.  Every default is here."""

from __future__ import annotations

import dataclasses
import keyword
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*(\(\))?$")
_MODEL = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


def target_problem(value: str, *, factory: bool = True) -> str | None:
    """Why ``value`` is not ``package.module:attribute`` (or ``…:factory()``), or ``None``."""
    pattern = _TARGET if factory else _MODEL
    if pattern.match(value):
        return None
    example = "'app.main:app' or 'app.main:create_app()'" if factory else "'app.ws:PriceUpdate'"
    return f"expected 'package.module:attribute' (for example {example}), got {value!r}"


@dataclasses.dataclass(frozen=True)
class ApiModule:
    """One ``[api.modules.NAME]`` table: which routes make the module."""

    tags: tuple[str, ...] = ()
    """Operations with any of these tags belong to the module."""
    prefix: str | None = None
    """Operations whose path starts with this prefix (``/api/v1/broker``) belong to it."""
    app: str | None = None
    """A separate app (``app.broker:app``) that is the module; ``tags``/``prefix`` then
    narrow it further."""

    def __post_init__(self) -> None:
        if self.prefix is not None and not self.prefix.startswith("/"):
            raise ValueError(f"prefix: expected a path starting with '/', got {self.prefix!r}")
        if self.app is not None and target_problem(self.app):
            raise ValueError(f"app: {target_problem(self.app)}")


@dataclasses.dataclass(frozen=True)
class ApiWebSocket:
    """One ``[api.websockets."PATH"]`` table: the messages of a WebSocket route."""

    send: str | None = None
    """The model the server sends (``app.ws:PriceUpdate``)."""
    receive: str | None = None
    """The model the server receives (``app.ws:Subscribe``)."""
    module: str | None = None
    """The module the route belongs to (default: the module whose prefix it has, else the
    module whose HTTP routes are defined in the same Python module)."""

    def __post_init__(self) -> None:
        for name in ("send", "receive"):
            value = getattr(self, name)
            if value is not None and target_problem(value, factory=False):
                raise ValueError(f"{name}: {target_problem(value, factory=False)}")


@dataclasses.dataclass(frozen=True)
class ApiSettings:
    """The ``[api]`` table of ``pitstop.toml``."""

    app: str | None = None
    """The FastAPI app, ``package.module:attribute`` or ``package.module:factory()``."""
    output: Path = Path("generated")
    """Where the documents and client packages are written (relative to the project)."""
    env_file: Path | None = None
    """A ``.env`` file applied when importing the app (its values never override the real
    environment, as ``load_dotenv`` does)."""
    python: Path | None = None
    """The interpreter that imports the app (default: the project's, ``[project] python``)."""
    source: tuple[str, ...] = ()
    """Files or directories ``api check`` reads (default: the package of ``app``)."""
    client_suffix: str = "_client"
    """The generated client package of module NAME is ``NAME`` + this suffix."""
    strict: bool = False
    """Treat WebSocket routes without declared messages as errors, not warnings."""
    timeout: float = 120.0
    """Seconds the app import and route walk may take in the project's interpreter."""
    modules: Mapping[str, ApiModule] = dataclasses.field(
        default_factory=lambda: MappingProxyType({}))
    """``[api.modules.NAME]``: the modules; none means the whole app is one module, ``api``."""
    websockets: Mapping[str, ApiWebSocket] = dataclasses.field(
        default_factory=lambda: MappingProxyType({}))
    """``[api.websockets."PATH"]``: declared messages of WebSocket routes."""

    def __post_init__(self) -> None:
        if self.app is not None and target_problem(self.app):
            raise ValueError(f"app: {target_problem(self.app)}")
        for name in self.modules:
            problem = module_name_problem(name)
            if problem:
                raise ValueError(f"modules.{name}: {problem}")
        packages: dict[str, str] = {}
        for name in self.module_names:
            package = self.package_name(name)
            if not package.isidentifier() or keyword.iskeyword(package):
                raise ValueError(f"client_suffix: {package!r} is not a valid Python package name")
            if package in packages:
                raise ValueError(f"modules: {name!r} and {packages[package]!r} give the same "
                                 f"package {package!r}")
            packages[package] = name
        for path, socket in self.websockets.items():
            if not path.startswith("/"):
                raise ValueError(f"websockets: expected a route path starting with '/', "
                                 f"got {path!r}")
            if socket.module is not None and socket.module not in self.module_names:
                raise ValueError(f"websockets: {path}: module {socket.module!r} is not one of "
                                 f"{', '.join(self.module_names)}")

    @property
    def module_names(self) -> tuple[str, ...]:
        """The modules, sorted; ``("api",)`` when none are configured."""
        return tuple(sorted(self.modules)) if self.modules else ("api",)

    def package_name(self, module: str) -> str:
        return module + self.client_suffix

    def request(self) -> dict[str, Any]:
        """What the helper in the project's interpreter needs (JSON-ready)."""
        return {
            "app": self.app,
            "modules": {name: {"tags": list(m.tags), "prefix": m.prefix, "app": m.app}
                        for name, m in sorted(self.modules.items())},
            "websockets": {path: {"send": w.send, "receive": w.receive, "module": w.module}
                           for path, w in sorted(self.websockets.items())},
        }


def module_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a module name, or ``None``."""
    if not MODULE_NAME.match(name):
        return (f"module names are lower-case letters, digits and '_', starting with a "
                f"letter (they name directories and Python packages), got {name!r}")
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword"
    return None
