"""Typed Python clients through openapi-python-client's library API, formatted by the
pinned ruff, and checked afterwards: every operation of the document has its function.

openapi-python-client runs in pitstop's own process (the ``api`` extra), on the
document the project's interpreter produced; ruff runs once for all modules, isolated
from the project's ruff settings and with no cache, so the output depends on nothing
but the document and the two pinned versions.
"""

from __future__ import annotations

import ast
import contextlib
import io
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from pitstop.api.errors import ApiDependencyError, ApiError, require

GENERATOR = "openapi-python-client"
FORMATTER = "ruff"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def versions() -> dict[str, str]:
    """The generator's and the formatter's versions (recorded in the manifest: a change
    regenerates every client)."""
    require("openapi_python_client", GENERATOR)
    require("ruff", FORMATTER)
    found = {}
    for name in (GENERATOR, FORMATTER):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            raise ApiDependencyError(name) from None
    return found


def preload() -> None:
    """Import the generator (from a thread, while the app is imported elsewhere)."""
    with contextlib.suppress(ImportError):
        import openapi_python_client
        import openapi_python_client.parser  # noqa: F401


def template_cache(directory: Path | None) -> Any:
    """A Jinja bytecode cache shared by every module's generator (templates compiled
    once, not once per module), kept in ``directory`` across runs when given."""
    import jinja2

    class Shared(jinja2.BytecodeCache):
        def __init__(self, disk: jinja2.BytecodeCache | None) -> None:
            self.memory: dict[str, bytes] = {}
            self.disk = disk

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            if bucket.key in self.memory:
                bucket.bytecode_from_string(self.memory[bucket.key])
            elif self.disk is not None:
                self.disk.load_bytecode(bucket)

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            self.memory[bucket.key] = bucket.bytecode_to_string()
            if self.disk is not None:
                with contextlib.suppress(OSError):
                    self.disk.dump_bytecode(bucket)

    disk = None
    if directory is not None:
        from pitstop.private import make_private_dir

        with contextlib.suppress(OSError):
            make_private_dir(directory)
            disk = jinja2.FileSystemBytecodeCache(str(directory))
    return Shared(disk)


def generate(document: dict[str, Any], package: str, target: Path, module: str,
             cache: Any = None) -> None:
    """Write the client package ``package`` for ``document`` into ``target`` (a new
    directory).  Every problem the generator reports — "endpoint will not be generated"
    included — is an :class:`ApiError` naming the route: a client never silently lacks
    an endpoint."""
    from openapi_python_client import Project
    from openapi_python_client.config import Config, ConfigFile, MetaType
    from openapi_python_client.parser import GeneratorData

    config = Config.from_sources(
        ConfigFile(project_name_override=package, package_name_override=package,
                   post_hooks=[]),
        MetaType.NONE, document_source=Path(f"{module}.openapi.json"), file_encoding="utf-8",
        overwrite=True, output_path=target)
    data = GeneratorData.from_dict(document, config=config)
    if not isinstance(data, GeneratorData):
        raise ApiError(f"module {module}: {GENERATOR} cannot read the document: "
                       f"{data.header} {data.detail or ''}".rstrip())
    project = Project(openapi=data, config=config)
    if cache is not None:
        project.env.bytecode_cache = cache
    with contextlib.redirect_stdout(io.StringIO()):  # it prints "Generating …"
        errors = project.build()
    if errors:
        said = "; ".join(" ".join(str(part) for part in (e.header, e.detail) if part)
                         for e in errors)
        raise ApiError(f"module {module}: {GENERATOR} did not generate everything: {said}",
                       hint="fix the routes it names (or their models); pitstop never "
                            "writes a client that lacks an endpoint")


def format_tree(directories: Iterable[Path], environ: Mapping[str, str] | None = None) -> None:
    """ruff (pitstop's own, pinned): fix imports and format, in one process per step for
    every directory, isolated from any project configuration, leaving no cache behind."""
    paths = [str(d) for d in directories]
    if not paths:
        return
    steps = (["check", "--isolated", "--no-cache", "--fix-only", "--exit-zero",
              "--extend-select=I", "--quiet", *paths],
             ["format", "--isolated", "--no-cache", "--quiet", *paths])
    from pitstop import proc

    for step in steps:
        done = proc.run([sys.executable, "-m", "ruff", *step], cwd=None, env=environ)
        if done.returncode != 0:
            said = proc.tail(done.stderr or done.stdout)
            raise ApiError(f"{FORMATTER} {step[0]} failed on the generated clients: "
                           f"{said or done.returncode}")


def _operation_of(tree: ast.Module) -> tuple[str, str] | None:
    """``(method, url)`` of a generated endpoint module's ``_get_kwargs``."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "_get_kwargs":
            for sub in ast.walk(node):
                if not isinstance(sub, ast.Dict):
                    continue
                found: dict[str, str] = {}
                for key, value in zip(sub.keys, sub.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value in ("method", "url"):
                        found[key.value] = _url_text(value)
                if "method" in found and "url" in found:
                    return found["method"].lower(), found["url"]
    return None


def _url_text(node: ast.expr) -> str:
    """The URL template of ``"/items/{item_id}".format(…)``, an f-string or a constant."""
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and isinstance(node.func.value, ast.Constant):
        return str(node.func.value.value)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                inner = value.value
                name = inner.id if isinstance(inner, ast.Name) else ast.unparse(inner)
                parts.append("{" + name + "}")
        return "".join(parts)
    return ast.unparse(node)


def _normalise(url: str) -> str:
    """``/items/{item_id}`` → ``/items/{}``: parameter names may be renamed in Python."""
    out, depth = [], 0
    for char in url:
        if char == "{":
            depth += 1
            if depth == 1:
                out.append("{}")
            continue
        if char == "}":
            depth -= 1
            continue
        if depth == 0:
            out.append(char)
    return "".join(out)


def missing_operations(document: dict[str, Any], package_dir: Path) -> list[str]:
    """``METHOD /path`` of each operation in ``document`` that no generated function
    calls (read from the generated code, not from what the generator said)."""
    covered: set[tuple[str, str]] = set()
    for path in sorted((package_dir / "api").rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError):
            continue
        found = _operation_of(tree)
        if found is not None:
            covered.add((found[0], _normalise(found[1])))
    missing = []
    for route, operations in sorted((document.get("paths") or {}).items()):
        for method in _METHODS:
            if method in (operations or {}) and (method, _normalise(route)) not in covered:
                missing.append(f"{method.upper()} {route}")
    return missing
