"""``api check``: the pre-commit gate.

By default an AST pass over the source (no app import, fast): every route declares what
it returns — ``response_model=``, a return annotation (FastAPI uses it), or an explicit
no-body response (``status_code=204``/``304``, ``response_class=``); explicit
operationIds are unique and do not collide once made into Python names; WebSocket
routes declare their messages.  ``runtime`` imports the app (in the project's
interpreter) and checks the routes as FastAPI built them: ``route.response_model``,
the real operationIds (FastAPI's unreadable defaults reported), pydantic's
``-Input``/``-Output`` split.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from pitstop.api.settings import ApiSettings
from pitstop.capability import Progress, Result, recorded
from pitstop.errors import EXIT_ERROR, EXIT_OK, ConfigError

if TYPE_CHECKING:
    from pitstop.api.app import AppInfo
    from pitstop.config import Settings

Severity = Literal["error", "warning"]
HTTP_DECORATORS = ("get", "put", "post", "delete", "options", "head", "patch", "trace",
                   "api_route")
NO_BODY = (204, 304)
_SKIP_DIRS = {".venv", "venv", "__pycache__", ".git", "node_modules", ".tox", ".nox",
              "build", "dist", ".pitstop"}


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem: where, which rule, what to do."""

    file: str
    line: int
    code: str
    message: str
    severity: Severity = "error"


@dataclasses.dataclass(frozen=True)
class CheckResult(Result):
    """The findings of ``api check`` (errors make it exit 1)."""

    mode: Literal["ast", "runtime"]
    files: int
    routes: int
    findings: tuple[Finding, ...]

    derived: ClassVar[tuple[str, ...]] = ("errors", "warnings")

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def exit_code(self) -> int:
        return EXIT_ERROR if self.errors else EXIT_OK


def python_name(operation_id: str) -> str:
    """The snake_case Python name a client generator makes of ``operation_id``."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", operation_id)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def default_operation_id(name: str, path: str, method: str) -> str:
    """FastAPI's default operationId (``list_items_items_get``)."""
    return re.sub(r"\W", "_", f"{name}{path}") + "_" + method.lower()


def source_files(settings: Settings, section: ApiSettings) -> list[Path]:
    """The Python files ``api check`` reads: ``[api] source``, else the package of
    ``[api] app``."""
    roots: list[Path] = []
    if section.source:
        roots = [Path(p) if Path(p).is_absolute() else settings.project_dir / p
                 for p in section.source]
    elif section.app:
        top = section.app.partition(":")[0].split(".")[0]
        for candidate in (settings.project_dir / top, settings.project_dir / f"{top}.py",
                          settings.project_dir / "src" / top):
            if candidate.exists():
                roots = [candidate]
                break
    if not roots:
        raise ConfigError("no source to check: set [api] source (files or directories) or "
                          "[api] app", file=settings.config_file, key="api.source")
    found: list[Path] = []
    for root in roots:
        if root.is_file():
            found.append(root)
        elif root.is_dir():
            found.extend(_walk(root))
        else:
            raise ConfigError(f"{root} does not exist", file=settings.config_file,
                              key="api.source")
    return sorted(set(found))


def _walk(root: Path) -> Iterator[Path]:
    for path in sorted(root.iterdir()):
        if path.is_dir():
            if path.name not in _SKIP_DIRS and not path.name.startswith("."):
                yield from _walk(path)
        elif path.suffix == ".py":
            yield path


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _status(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Attribute):  # status.HTTP_204_NO_CONTENT, HTTPStatus.NO_CONTENT
        match = re.search(r"(\d{3})", node.attr)
        if match:
            return int(match.group(1))
        if node.attr == "NO_CONTENT":
            return 204
        if node.attr == "NOT_MODIFIED":
            return 304
    return None


def _route_path(call: ast.Call) -> str:
    first = call.args[0] if call.args else _keyword(call, "path")
    return str(first.value) if isinstance(first, ast.Constant) else "?"


def _declares_messages(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """``websocket: Annotated[WebSocket, {"send": …, "receive": …}]``."""
    for arg in func.args.args + func.args.kwonlyargs:
        for node in ast.walk(arg.annotation) if arg.annotation else ():
            if isinstance(node, ast.Dict) and any(
                    isinstance(k, ast.Constant) and k.value in ("send", "receive")
                    for k in node.keys):
                return True
    return False


@dataclasses.dataclass
class _Scan:
    section: ApiSettings
    project_dir: Path
    findings: list[Finding] = dataclasses.field(default_factory=list)
    operation_ids: dict[str, tuple[str, int]] = dataclasses.field(default_factory=dict)
    names: dict[str, tuple[str, str, int]] = dataclasses.field(default_factory=dict)
    routes: int = 0

    def add(self, file: str, line: int, code: str, message: str,
            severity: Severity = "error") -> None:
        self.findings.append(Finding(file, line, code, message, severity))

    def operation_id(self, value: str, file: str, line: int) -> None:
        if value in self.operation_ids:
            other = self.operation_ids[value]
            self.add(file, line, "operation-id-duplicate",
                     f"operationId {value!r} is also used at {other[0]}:{other[1]}")
            return
        self.operation_ids[value] = (file, line)
        name = python_name(value)
        if name in self.names and self.names[name][0] != value:
            other_id, other_file, other_line = self.names[name]
            self.add(file, line, "operation-id-collision",
                     f"operationId {value!r} and {other_id!r} ({other_file}:{other_line}) "
                     f"both become {name}() in the client")
        self.names.setdefault(name, (value, file, line))

    def file(self, path: Path) -> None:
        try:
            text = path.read_bytes()
        except OSError as exc:
            self.add(str(path), 0, "unreadable", f"cannot be read: {exc.strerror}")
            return
        if b"@" not in text:
            return
        shown = _relative(path, self.project_dir)
        try:
            tree = ast.parse(text, filename=shown)
        except SyntaxError as exc:
            self.add(shown, exc.lineno or 0, "syntax", f"cannot be parsed: {exc.msg}")
            return
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    if isinstance(decorator, ast.Call) \
                            and isinstance(decorator.func, ast.Attribute):
                        self.route(decorator, decorator.func.attr, node, shown)

    def route(self, call: ast.Call, verb: str, func: ast.FunctionDef | ast.AsyncFunctionDef,
              file: str) -> None:
        line = call.lineno
        if verb == "websocket":
            self.routes += 1
            path = _route_path(call)
            declared = any(p == path or p.endswith(path) for p, w in
                           self.section.websockets.items() if w.send or w.receive)
            if not declared and not _declares_messages(func):
                self.add(file, line, "websocket-messages",
                         f"WebSocket route {path} ({func.name}) declares no messages: set "
                         f"[api.websockets.\"{path}\"] send/receive (with the router's prefix)",
                         "error" if self.section.strict else "warning")
            return
        if verb not in HTTP_DECORATORS:
            return
        self.routes += 1
        operation = _keyword(call, "operation_id")
        if isinstance(operation, ast.Constant) and isinstance(operation.value, str):
            self.operation_id(operation.value, file, line)
        if _keyword(call, "response_model") is not None \
                or _keyword(call, "response_class") is not None:
            return
        status = _status(_keyword(call, "status_code"))
        if status in NO_BODY:
            return
        returns = func.returns
        if returns is None:
            self.add(file, line, "response-model",
                     f"{verb.upper()} {_route_path(call)} ({func.name}) does not declare what "
                     "it returns: add response_model=, a return annotation, or "
                     "status_code=204 for no body")
        elif isinstance(returns, ast.Constant) and returns.value is None:
            self.add(file, line, "response-model",
                     f"{verb.upper()} {_route_path(call)} ({func.name}) returns None but its "
                     "status is not 204: declare status_code=204 or a response model")


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


def check_source(settings: Settings, section: ApiSettings,
                 files: Iterable[Path] | None = None) -> CheckResult:
    """The AST pass over ``files`` (default :func:`source_files`)."""
    chosen = list(files) if files is not None else source_files(settings, section)
    scan = _Scan(section, settings.project_dir)
    for path in chosen:
        scan.file(path)
    return CheckResult("ast", len(chosen), scan.routes, tuple(scan.findings))


def check_runtime(info: AppInfo, section: ApiSettings) -> CheckResult:
    """The checks on the routes as FastAPI built them."""
    from pitstop.api.generation import route_warnings, socket_warnings

    scan = _Scan(section, Path("."))
    count = 0
    for route in info.routes:
        where = (route.get("file") or route["endpoint"], int(route.get("line") or 0))
        if route["kind"] != "http" or not route["in_schema"]:
            continue
        count += 1
        label = f"{'/'.join(route['methods'])} {route['path']} ({route['endpoint']})"
        if route.get("response_model") is None and route.get("status_code") not in NO_BODY \
                and not route.get("explicit_response_class"):
            scan.add(*where, "response-model",
                     f"{label} has no response model: add response_model=, a return "
                     "annotation FastAPI can use, or status_code=204 for no body")
        for method, operation_id in sorted((route.get("operation_ids") or {}).items()):
            if not operation_id:
                continue
            scan.operation_id(operation_id, *where)
            if operation_id == default_operation_id(route["name"] or "", route["path"], method):
                scan.add(*where, "operation-id-default",
                         f"{label} has FastAPI's default operationId {operation_id!r}, which "
                         f"makes the client function {python_name(operation_id)}(): set "
                         "operation_id= or the app's generate_unique_id_function", "warning")
    count += sum(1 for r in info.routes if r["kind"] == "websocket")
    errors, warnings = socket_warnings(info, section)
    for text in errors:
        scan.add("", 0, "websocket-messages", text)
    for text in [*warnings, *route_warnings(info)]:
        scan.add("", 0, "schema-split" if "-Input" in text else
                 "websocket-messages" if "WebSocket" in text else "module", text, "warning")
    return CheckResult("runtime", 0, count, tuple(scan.findings))


@recorded("api", "check")
def check(settings: Settings, *, progress: Progress | None = None, runtime: bool = False,
          files: tuple[Path, ...] = ()) -> CheckResult:
    """The pre-commit gate: every route declares what it returns, operationIds are
    unique and readable, WebSocket routes declare their messages.  ``runtime`` imports
    the app and checks the routes FastAPI built; ``files`` limits the AST pass to those
    files (pre-commit passes the staged ones)."""
    section = settings.section(ApiSettings)
    if runtime:
        from pitstop.api.app import describe_app, section_of

        return check_runtime(describe_app(settings, section_of(settings)), section)
    chosen = [f for f in files if f.suffix == ".py"] if files else None
    return check_source(settings, section, chosen)
