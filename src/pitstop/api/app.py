"""Describing the project's app: one helper process in the project's interpreter imports
it (working directory the project, ``[api] env_file`` applied) and returns every
module's OpenAPI document, every route and the WebSocket routes' messages."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop.api.settings import ApiSettings
from pitstop.errors import ConfigError

if TYPE_CHECKING:
    from pitstop.config import Settings
    from pitstop.project_python import Interpreter


@dataclasses.dataclass(frozen=True)
class AppInfo:
    """What the helper found (see ``helpers/fastapi_app.py``)."""

    interpreter: str
    fastapi: str
    title: str
    version: str
    separate_input_output_schemas: bool
    documents: dict[str, dict[str, Any]]
    routes: list[dict[str, Any]]
    websockets: list[dict[str, Any]]
    missing_websockets: list[str]

    def sockets_of(self, module: str) -> list[dict[str, Any]]:
        return [s for s in self.websockets if module in s["modules"]]


def section_of(settings: Settings) -> ApiSettings:
    """``[api]``, with ``app`` required."""
    section = settings.section(ApiSettings)
    if section.app is None:
        raise ConfigError("app is not set: pitstop needs to know which FastAPI app to read",
                          file=settings.config_file, key="api.app",
                          hint='set it, e.g. [api] app = "app.main:app" (or '
                               '"app.main:create_app()")')
    return section


def _environment(settings: Settings, section: ApiSettings) -> dict[str, str]:
    """pitstop's environment plus the env file's values (which never override it)."""
    env = dict(settings.environ)
    path = section.env_file if section.env_file is not None else settings.env_file
    if path is None:
        return env
    if not path.is_file():
        if section.env_file is None:
            return env
        raise ConfigError(f"{path} does not exist", file=settings.config_file,
                          key="api.env_file", hint="create it, or remove [api] env_file")
    from dotenv import dotenv_values

    try:
        values = dotenv_values(path, interpolate=True)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}", file=settings.config_file,
                          key="api.env_file") from None
    for key, value in values.items():
        if value is not None and key not in env:
            env[key] = value
    return env


def interpreter(settings: Settings, section: ApiSettings) -> Interpreter:
    from pitstop.project_python import interpreter_for

    if section.python is not None:
        return interpreter_for(settings, configured=section.python,
                               configured_key="[api] python")
    return interpreter_for(settings)


def describe_app(settings: Settings, section: ApiSettings) -> AppInfo:
    """Import the app in the project's interpreter and describe it.

    Raises :class:`ConfigError` (3) when the app cannot be imported or the ``app``
    string names nothing usable, naming the setting and the interpreter;
    :class:`~pitstop.project_python.ProjectCodeError` (1) with the tail of the
    traceback when the app raises while it is imported."""
    from pitstop.project_python import ProjectCodeError, ProjectImportError, run_helper

    python = interpreter(settings, section)
    env = _environment(settings, section)
    request = {**section.request(), "sys_path": [str(settings.project_dir)]}
    try:
        answer = run_helper(python, "fastapi_app", request, cwd=settings.project_dir,
                            env=env, timeout=section.timeout, what="pitstop api")
    except ProjectImportError as exc:
        raise ConfigError(f"{exc.message}; the app is {section.app!r}",
                          file=settings.config_file, key="api.app", hint=exc.hint) from exc
    except ProjectCodeError as exc:
        if exc.kind == "config":
            raise ConfigError(f"{exc.text} (interpreter {python.path})",
                              file=settings.config_file, key=exc.code or "api.app",
                              hint="check the setting, or import it yourself with that "
                                   "interpreter to see why") from exc
        raise
    return AppInfo(
        interpreter=str(python.path), fastapi=str(answer.get("fastapi")),
        title=str(answer.get("title") or "API"), version=str(answer.get("version") or "0"),
        separate_input_output_schemas=bool(answer.get("separate_input_output_schemas", True)),
        documents=answer["documents"], routes=answer["routes"],
        websockets=answer["websockets"], missing_websockets=answer["missing_websockets"])


def output_dir(settings: Settings, section: ApiSettings) -> Path:
    output = section.output if section.output.is_absolute() \
        else settings.project_dir / section.output
    if output.resolve() == settings.project_dir.resolve():
        raise ConfigError("output is the project directory itself; pitstop needs a directory "
                          "of its own", file=settings.config_file, key="api.output",
                          hint='use a subdirectory, e.g. output = "generated"')
    return output
