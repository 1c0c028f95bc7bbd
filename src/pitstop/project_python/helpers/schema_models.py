"""Helper: the project's SQLAlchemy/SQLModel models, found and imported in the project's
interpreter, returned as data — the tables in pitstop's schema form (the source of
:mod:`pitstop.db.metadata_json` is sent ahead of this file) and the mapped classes.

Request: ``base`` (``package.module:Base`` or ``None``), ``paths`` and ``exclude``
(globs, relative to ``project_dir``, of the folders and files to import when no base is
named), ``project_dir``, ``dialect``, ``sys_path``.

Answer: ``{"schema": {…}, "models": [{"class", "module", "table", "columns"}],
"problems": [{"kind": "import"|"duplicate", "message", "module"?, "file"?}],
"modules": [names imported]}``.
"""

from __future__ import annotations

import fnmatch
import glob
import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # at run time these come from the runtime, loaded first
    from pitstop.project_python.helpers._runtime import Failure, first_line, import_module


def _base_metadata(spec: str) -> Any:
    module_name, _, attr = spec.partition(":")
    target: Any = import_module(module_name)
    for part in (attr or "metadata").split("."):
        target = getattr(target, part, None)
        if target is None:
            raise Failure("usage", f"{module_name} has no attribute {attr!r}",
                          code="no_attribute")
    from sqlalchemy import MetaData

    metadata = getattr(target, "metadata", target)
    if not isinstance(metadata, MetaData):
        raise Failure("usage", f"{spec} is neither a declarative base nor a MetaData",
                      code="not_metadata")
    return metadata


def _module_name(path: str, roots: list[str]) -> str | None:
    """The dotted module name of the file ``path`` under the first of ``roots`` that
    holds it."""
    for root in roots:
        rel = os.path.relpath(path, root)
        if rel.startswith(".."):
            continue
        parts = rel[:-3].split(os.sep)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and all(p.isidentifier() for p in parts):
            return ".".join(parts)
    return None


def _files(project_dir: str, paths: list[str], exclude: list[str]) -> list[str]:
    found: list[str] = []
    for pattern in paths:
        for hit in sorted(glob.glob(os.path.join(project_dir, pattern))):
            if os.path.isfile(hit) and hit.endswith(".py"):
                found.append(hit)
            for root, dirs, names in os.walk(hit):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
                found.extend(os.path.join(root, n) for n in sorted(names) if n.endswith(".py"))
    kept = []
    for path in found:
        rel = os.path.relpath(path, project_dir).replace(os.sep, "/")
        if any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(rel, pat.rstrip("/") + "/*")
               for pat in exclude):
            continue
        if path not in kept:
            kept.append(path)
    return kept


def _discover(request: dict[str, Any], problems: list[dict[str, Any]]) -> list[str]:
    project_dir = request["project_dir"]
    roots = [p for p in request.get("sys_path") or [] if os.path.isdir(p)]
    roots.sort(key=len, reverse=True)  # src/ before the project directory itself
    imported = []
    for path in _files(project_dir, request.get("paths") or [], request.get("exclude") or []):
        name = _module_name(path, roots)
        rel = os.path.relpath(path, project_dir)
        if name is None:
            problems.append({"kind": "import", "file": rel, "module": None,
                             "message": f"{rel} is not importable as a module (a folder "
                                        "name that is not an identifier?)"})
            continue
        try:
            importlib.import_module(name)
        except BaseException as exc:  # noqa: BLE001 - any failure of the project's code
            problems.append({"kind": "import", "file": rel, "module": name,
                             "message": f"{type(exc).__name__}: {first_line(exc)}"})
            continue
        imported.append(name)
    return imported


def _mapped_classes(modules: list[str]) -> list[Any]:
    seen: list[Any] = []
    for name in modules:
        module = sys.modules.get(name)
        for value in list(vars(module).values()) if module is not None else []:
            if isinstance(value, type) and getattr(value, "__module__", None) == name \
                    and getattr(value, "__table__", None) is not None \
                    and hasattr(value, "__mapper__") and value not in seen:
                seen.append(value)
    return seen


def _classes_of(metadata: Any) -> list[Any]:
    """Every mapped class whose table is in ``metadata`` (all registries)."""
    from sqlalchemy.orm import mapperlib

    found = []
    for registry in list(mapperlib._mapper_registries):
        for mapper in list(registry.mappers):
            table = getattr(mapper.class_, "__table__", None)
            if table is not None and getattr(table, "metadata", None) is metadata:
                found.append(mapper.class_)
    return found


def main(request: dict[str, Any]) -> dict[str, Any]:
    problems: list[dict[str, Any]] = []
    from sqlalchemy import MetaData

    if request.get("base"):
        metadatas = [_base_metadata(request["base"])]
        classes = _classes_of(metadatas[0])
        modules = [request["base"].partition(":")[0]]
    else:
        modules = _discover(request, problems)
        classes = _mapped_classes(modules)
        metadatas = []
        for cls in classes:
            if cls.__table__.metadata not in metadatas:
                metadatas.append(cls.__table__.metadata)
    by_table: dict[str, Any] = {}
    models = []
    for cls in sorted(classes, key=lambda c: (c.__module__, c.__qualname__)):
        table = cls.__table__
        key = table.fullname
        other = by_table.get(key)
        if other is not None and not issubclass(cls, other) and not issubclass(other, cls):
            problems.append({"kind": "duplicate", "module": cls.__module__,
                             "message": f"{other.__module__}.{other.__qualname__} and "
                                        f"{cls.__module__}.{cls.__qualname__} both map "
                                        f"table {key}"})
        by_table.setdefault(key, cls)
        models.append({"class": cls.__qualname__, "module": cls.__module__, "table": key,
                       "columns": [c.name for c in table.columns]})
    merged = MetaData()
    if len(metadatas) == 1:
        merged = metadatas[0]
    else:
        for metadata in metadatas:
            for table in metadata.tables.values():
                if table.key not in merged.tables:
                    table.to_metadata(merged)
    # dump_metadata: pitstop.db.metadata_json, whose source is sent ahead of this file
    schema = globals()["dump_metadata"](merged, request.get("dialect") or "sqlite")
    return {"schema": schema, "models": models, "problems": problems, "modules": modules}
