"""The ``schema`` check: the live database matches the project's SQLAlchemy models
(``[checks.schema] models = "package.module:Base"``), compared with Alembic's
``compare_metadata``; every difference is reported in words."""

from __future__ import annotations

import importlib
import sys
import threading
from typing import TYPE_CHECKING, Any

from pitstop.checks.base import (
    Check,
    CheckEnv,
    FunctionCheck,
    Observed,
    Probe,
    register,
    timeout_for,
)
from pitstop.checks.database import checked_database
from pitstop.checks.settings import SchemaCheckSettings
from pitstop.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import MetaData

    from pitstop.db.url import DatabaseURL

_IMPORT_LOCK = threading.Lock()
KEY = "checks.schema.models"


def load_metadata(spec: str, project_dir: Path) -> MetaData:
    """Import ``"package.module:Base"`` (with the project and its ``src/`` importable)
    and return its ``MetaData``."""
    from sqlalchemy import MetaData

    module_name, _, attr = spec.partition(":")
    paths = [str(project_dir), str(project_dir / "src")]
    with _IMPORT_LOCK:
        added = [p for p in paths if p not in sys.path]
        sys.path[:0] = added
        try:
            module = importlib.import_module(module_name)
        except (Exception, SystemExit) as exc:  # a module that calls sys.exit() too
            raise ConfigError(f"cannot import {module_name!r}: {type(exc).__name__}: {exc}",
                              key=KEY, hint=f"is {module_name} importable from {project_dir}?"
                              ) from exc
        finally:
            for p in added:
                sys.path.remove(p)
    target: Any = module
    for part in attr.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise ConfigError(f"{module_name} has no attribute {attr!r}", key=KEY,
                              hint="name the declarative base or MetaData, e.g. "
                                   f"models = \"{module_name}:Base\"")
    metadata = getattr(target, "metadata", target)
    if not isinstance(metadata, MetaData):
        raise ConfigError(f"{spec} is neither a declarative base nor a MetaData", key=KEY,
                          hint="name the declarative base (the class your models inherit "
                               "from) or a MetaData")
    return metadata


def _name(obj: Any) -> str:
    return str(getattr(obj, "name", obj))


def describe(diff: Any) -> str:
    """One difference from ``compare_metadata`` in words (models vs database)."""
    if isinstance(diff, list):  # modify_* operations come grouped per column
        return "; ".join(describe(d) for d in diff)
    op = diff[0]
    if op == "add_table":
        return f"table {_name(diff[1])} is in the models but not in the database"
    if op == "remove_table":
        return f"table {_name(diff[1])} is in the database but not in the models"
    if op == "add_column":
        return f"column {diff[2]}.{_name(diff[3])} is in the models but not in the database"
    if op == "remove_column":
        return f"column {diff[2]}.{_name(diff[3])} is in the database but not in the models"
    if op == "modify_type":
        return f"column {diff[2]}.{diff[3]} is {diff[5]} in the database, {diff[6]} in the models"
    if op == "modify_nullable":
        null = {True: "NULL", False: "NOT NULL"}
        return (f"column {diff[2]}.{diff[3]} is {null.get(diff[5], diff[5])} in the database, "
                f"{null.get(diff[6], diff[6])} in the models")
    if op == "modify_default":
        return f"column {diff[2]}.{diff[3]} has another server default in the database"
    if op in ("add_index", "remove_index", "add_constraint", "remove_constraint",
              "add_fk", "remove_fk"):
        verb, kind = op.split("_", 1)
        obj = diff[1]
        table = getattr(getattr(obj, "table", None), "name", None) or getattr(obj, "parent", "")
        where = "in the models but not in the database" if verb == "add" \
            else "in the database but not in the models"
        label = {"fk": "foreign key", "index": "index", "constraint": "constraint"}[kind]
        return f"{label} {_name(obj)} on {_name(table)} is {where}"
    return f"{op}: {diff[1:]}"


def compare(url: str | DatabaseURL, metadata: MetaData, cfg: SchemaCheckSettings,
            timeout: float) -> list[str]:
    """Differences between the database at ``url`` and ``metadata``, in words."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from pitstop.checks.database import server_connection
    from pitstop.db.url import parse_url

    def include(name: str | None, type_: str, _parent: Any) -> bool:
        if type_ == "table" and name is not None:
            return name not in cfg.ignore_tables and not name.startswith("pitstop_")
        return True

    opts = {"compare_type": cfg.compare_types,
            "compare_server_default": cfg.compare_server_default, "include_name": include}
    db = parse_url(url)
    with server_connection(db, timeout) as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)
    return [describe(d) for d in diffs]


def probe_schema(env: CheckEnv, url: str | DatabaseURL, cfg: SchemaCheckSettings,
                 timeout: float) -> Probe:
    if not cfg.models:
        raise ConfigError("no models are configured", key=KEY,
                          hint='set [checks.schema] models = "package.module:Base"')
    metadata = load_metadata(cfg.models, env.settings.project_dir)
    differences = compare(url, metadata, cfg, timeout)
    observed = {
        "tables": Observed(len(metadata.tables), "tables"),
        "differences": Observed(len(differences), "differences",
                                "fail" if differences else None),
    }
    if not differences:
        return Probe(f"database matches {cfg.models} ({len(metadata.tables)} tables)",
                     observed, "pass")
    for i, text in enumerate(differences[:50]):
        observed[f"difference.{i + 1}"] = Observed(text, None, "fail")
    shown = "; ".join(differences[:3])
    more = f" and {len(differences) - 3} more" if len(differences) > 3 else ""
    return Probe(f"{len(differences)} differences from {cfg.models}: {shown}{more}", observed,
                 "fail", "write a migration for the differences (`pitstop migrate new`) or "
                         "apply the pending ones")


def _explicit(env: CheckEnv) -> list[Check]:
    cfg = env.checks.schema
    return [FunctionCheck("schema", "schema", timeout_for(cfg.timeout, env.checks),
                          lambda t: probe_schema(env, checked_database(env), cfg, t),
                          ("sqlalchemy", "alembic.autogenerate"))]


def _factory(env: CheckEnv) -> list[Check]:
    return _explicit(env) if env.checks.schema.models else []


register("schema", _factory, explicit=_explicit)
