"""The project's models: found under ``[models] paths`` (or named by a declarative base)
and imported in the project's interpreter (:mod:`pitstop.project_python`), never in
pitstop's; what comes back is data — the tables in pitstop's schema form, and the
mapped classes.

::

    [models]
    paths = ["app", "plugins/*"]     # folders and files to import (globs)
    exclude = ["app/tests/*"]
    base = "app.db:Base"             # optional: the declarative base (or MetaData)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pitstop.errors import ConfigError

if TYPE_CHECKING:
    from pitstop.config import Settings

HELPER_TIMEOUT = 120.0
"""How long importing the project's models may take."""


@dataclasses.dataclass(frozen=True)
class ModelsSettings:
    """``[models]``: where the project's SQLAlchemy/SQLModel models are."""

    paths: tuple[str, ...] = ("app",)
    """Folders and files (globs, relative to the project directory) whose modules are
    imported to find the declarative models."""
    exclude: tuple[str, ...] = ()
    """Globs of files and folders under ``paths`` not to import (tests, scripts)."""
    base: str | None = None
    """The declarative base or MetaData (``"app.db:Base"``); when set, its tables are
    the models and ``paths`` are not searched.  Else ``[checks.schema] models`` is used
    where set."""


@dataclasses.dataclass(frozen=True)
class FoundModels:
    """What the project's interpreter found."""

    schema: Mapping[str, Any]
    models: tuple[Mapping[str, Any], ...]
    problems: tuple[Mapping[str, Any], ...]
    modules: tuple[str, ...]
    source: str
    """``"app.db:Base"``, or ``"[models] paths"`` for discovery."""


def configured_base(settings: Settings) -> str | None:
    """``[models] base``, else ``[checks.schema] models``, else ``None`` (discover)."""
    own = settings.section(ModelsSettings).base
    if own:
        return own
    schema = (settings.raw_sections.get("checks") or {}).get("schema") or {}
    models = schema.get("models") if isinstance(schema, Mapping) else None
    return models if isinstance(models, str) and models else None


def _helper_source() -> str:
    """The helper with :mod:`pitstop.db.metadata_json` ahead of it (one namespace)."""
    from pathlib import Path

    from pitstop.project_python.run import helper_source

    shared = Path(__file__).with_name("metadata_json.py").read_text(encoding="utf-8")
    helper = helper_source("schema_models").replace(
        "from __future__ import annotations\n", "", 1)
    return shared + "\n\n" + helper


def load_models(settings: Settings, *, base: str | None = None, dialect: str = "sqlite",
                timeout: float = HELPER_TIMEOUT, require: bool = False) -> FoundModels:
    """Import the models in the project's interpreter: those of ``base`` (a
    ``package.module:Base``), else of the configured base, else every module under
    ``[models] paths``.  Types are written as ``dialect`` writes them.  ``require``:
    see :func:`require_models`."""
    from pitstop.project_python import ProjectCodeError, interpreter_for, run_source

    conf = settings.section(ModelsSettings)
    chosen = base or configured_base(settings)
    project_dir = settings.project_dir
    request = {"base": chosen, "paths": list(conf.paths), "exclude": list(conf.exclude),
               "project_dir": str(project_dir), "dialect": dialect,
               "sys_path": [str(project_dir), str(project_dir / "src")]}
    python = interpreter_for(settings)
    what = f"importing {chosen}" if chosen else "importing the models under [models] paths"
    try:
        data = run_source(python, "schema_models", _helper_source(), request, cwd=project_dir,
                          timeout=timeout, what=what)
    except ProjectCodeError as exc:
        if exc.kind == "usage":
            raise ConfigError(exc.text, key="models.base",
                              hint="name the declarative base (the class the models inherit "
                                   'from) or a MetaData, e.g. "app.db:Base"') from exc
        raise
    found = FoundModels(data["schema"], tuple(data["models"]), tuple(data["problems"]),
                        tuple(data["modules"]), chosen or "[models] paths")
    if require:
        require_models(found)
    return found


def require_models(found: FoundModels) -> None:
    """Raise :class:`ConfigError` (3) when the models cannot be used for a comparison:
    a module failed to import, a table is mapped twice, or there are no tables at all
    (comparing with nothing would drop every table)."""
    if found.problems:
        raise ConfigError("the models cannot be loaded: " + "; ".join(
            str(p["message"]) for p in found.problems),
            hint="see `pitstop db models`; fix them, or name the declarative base "
                 "([models] base)")
    if not found.schema.get("tables"):
        where = "under [models] paths" if found.source == "[models] paths" \
            else f"in {found.source}"
        raise ConfigError(f"no models found {where}", key="models.paths",
                          hint='set [models] paths (e.g. ["app"]) or [models] base '
                               '(e.g. "app.db:Base")')
