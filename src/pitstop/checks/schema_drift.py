"""The ``schema`` check: the live database matches the project's SQLAlchemy models
(``[checks.schema] models = "package.module:Base"``, or without it the models ``[models]``
discovers, as ``pitstop db diff`` does), compared with Alembic's comparison; every
difference is reported in words.

The models are imported in the project's interpreter (:mod:`pitstop.project_python`),
which needs SQLAlchemy, Alembic and a database driver of its own; the comparison comes
back as data and is worded here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
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
from pitstop.checks.database import database_url
from pitstop.checks.settings import SchemaCheckSettings
from pitstop.errors import ConfigError, ConnectError, PitstopError
from pitstop.project_python.errors import ProjectCodeError

if TYPE_CHECKING:
    from pitstop.config import Settings
    from pitstop.db.url import DatabaseURL

KEY = "checks.schema.models"
STARTUP_ALLOWANCE = 20.0
"""Seconds allowed on top of the check's timeout for starting the project's interpreter
and importing its models; the timeout itself bounds the database's answers."""


def describe(diff: Any) -> str:
    """One difference (as the helper reports it) in words (models vs database)."""
    if isinstance(diff, list):  # modify_* operations come grouped per column
        return "; ".join(describe(d) for d in diff)
    op = str(diff.get("op"))
    table, column = diff.get("table"), diff.get("column")
    if op == "add_table":
        return f"table {table} is in the models but not in the database"
    if op == "remove_table":
        return f"table {table} is in the database but not in the models"
    if op == "add_column":
        return f"column {table}.{column} is in the models but not in the database"
    if op == "remove_column":
        return f"column {table}.{column} is in the database but not in the models"
    if op == "modify_type":
        return (f"column {table}.{column} is {diff.get('database')} in the database, "
                f"{diff.get('models')} in the models")
    if op == "modify_nullable":
        null = {True: "NULL", False: "NOT NULL"}
        db_side, model_side = diff.get("database"), diff.get("models")
        return (f"column {table}.{column} is {null.get(db_side, db_side)} in the database, "
                f"{null.get(model_side, model_side)} in the models")
    if op == "modify_default":
        return f"column {table}.{column} has another server default in the database"
    if op in ("add_index", "remove_index", "add_constraint", "remove_constraint",
              "add_fk", "remove_fk"):
        verb, kind = op.split("_", 1)
        where = "in the models but not in the database" if verb == "add" \
            else "in the database but not in the models"
        label = {"fk": "foreign key", "index": "index", "constraint": "constraint"}[kind]
        return f"{label} {diff.get('name')} on {table} is {where}"
    return f"{op}: {diff.get('detail', '')}"


def compare(settings: Settings, url: str, cfg: SchemaCheckSettings, timeout: float, *,
            environ: Mapping[str, str] | None = None, limit: float | None = None
            ) -> tuple[int, list[str]]:
    """``(tables in the models, differences in words)`` between the database at ``url``
    and ``cfg.models``, imported in the project's interpreter.  ``timeout`` bounds each
    database call; ``limit`` the whole helper run (default: ``timeout`` plus
    :data:`STARTUP_ALLOWANCE`)."""
    from pitstop.project_python import interpreter_for, run_helper

    if not cfg.models:
        raise ConfigError("no models are configured", key=KEY,
                          hint='set [checks.schema] models = "package.module:Base"')
    from pitstop.db.connect import database_missing
    from pitstop.db.url import parse_url

    db = parse_url(url)
    if database_missing(db):
        raise ConnectError(f"database {db.masked} does not exist",
                           hint="create it with `pitstop migrate up`, or fix database_url")
    venv = (environ or {}).get("VIRTUAL_ENV")
    python = interpreter_for(settings, virtual_env=Path(venv) if venv else None)
    project_dir = settings.project_dir
    request = {"models": cfg.models, "url": url, "dialect": db.dialect, "timeout": timeout,
               "compare_types": cfg.compare_types,
               "compare_server_default": cfg.compare_server_default,
               "ignore_tables": list(cfg.ignore_tables),
               "sys_path": [str(project_dir), str(project_dir / "src")]}
    try:
        data = run_helper(python, "schema_compare", request, cwd=project_dir,
                          timeout=limit if limit is not None else timeout + STARTUP_ALLOWANCE,
                          secrets=[db.password] if db.password else [],
                          what=f"importing {cfg.models}")
    except ProjectCodeError as exc:
        raise _translate(exc, cfg.models, python.label, db) from exc
    return int(data["tables"]), [describe(d) for d in data["differences"]]


def _translate(exc: ProjectCodeError, models: str, interpreter: str, db: DatabaseURL
               ) -> Exception:
    from pitstop.checks.database import tls_hint
    from pitstop.db.url import translate_error

    module = models.partition(":")[0]
    if exc.kind == "connect":
        error = translate_error(RuntimeError(exc.text), db)
        hint = tls_hint(str(error))
        if hint and isinstance(error, PitstopError):
            error.hint = hint
        return error
    if exc.kind == "usage":
        hint = ("name the declarative base (the class your models inherit from) or a "
                "MetaData") if exc.code == "not_metadata" else (
            f'name the declarative base or MetaData, e.g. models = "{module}:Base"')
        return ConfigError(exc.text, key=KEY, hint=hint)
    if exc.kind == "exit":  # a script, not a models module
        return ConfigError(f"cannot import {module!r}: it called sys.exit({exc.text}) while "
                           f"being imported by {interpreter}", key=KEY,
                           hint=f"name the module that defines the models; is {module} a "
                                "script? (SystemExit)")
    return exc


def probe_schema(env: CheckEnv, url: str, cfg: SchemaCheckSettings, limit: float) -> Probe:
    """``limit`` is the check's whole time (its timeout plus the start-up allowance, or
    the run's ``timeout`` option); database calls get at most the configured timeout."""
    timeout = min(timeout_for(cfg.timeout, env.checks), limit)
    try:
        tables, differences = compare(env.settings, url, cfg, timeout, environ=env.environ,
                                      limit=limit)
    except ProjectCodeError as exc:
        observed = {"traceback": Observed(exc.tail, None, "fail")} if exc.tail else {}
        return Probe(exc.summary, observed, "fail",
                     f"fix {cfg.models.partition(':')[0] if cfg.models else 'the models'} "
                     "(the traceback's end is in the result) and run the check again")
    observed = {
        "tables": Observed(tables, "tables"),
        "differences": Observed(len(differences), "differences",
                                "fail" if differences else None),
    }
    if not differences:
        return Probe(f"database matches {cfg.models} ({tables} tables)", observed, "pass")
    for i, text in enumerate(differences[:50]):
        observed[f"difference.{i + 1}"] = Observed(text, None, "fail")
    shown = "; ".join(differences[:3])
    more = f" and {len(differences) - 3} more" if len(differences) > 3 else ""
    return Probe(f"{len(differences)} differences from {cfg.models}: {shown}{more}", observed,
                 "fail", "write a migration for the differences (`pitstop migrate new`) or "
                         "apply the pending ones")


def probe_discovered(env: CheckEnv, url: str) -> Probe:
    """The live database against the models ``[models]`` finds (no ``[checks.schema]
    models``): the comparison ``pitstop db diff DATABASE models:`` makes."""
    from pitstop.capability import invocation
    from pitstop.db.schema_verbs import diff

    with invocation(record=False):  # a part of this check, not a run of its own
        result = diff(env.settings, source=url, target="models:")
    differences = [d.text for d in result.differences]
    observed = {"differences": Observed(len(differences), "differences",
                                        "fail" if differences else None)}
    if not differences:
        return Probe(f"database matches the models of {result.target}", observed, "pass")
    for i, text in enumerate(differences[:50]):
        observed[f"difference.{i + 1}"] = Observed(text, None, "fail")
    shown = "; ".join(differences[:3])
    more = f" and {len(differences) - 3} more" if len(differences) > 3 else ""
    return Probe(f"{len(differences)} differences from the models: {shown}{more}", observed,
                 "fail", "write a migration for them (`pitstop migrate new NAME "
                         "--autogenerate`) or apply the pending ones")


def _discovers(env: CheckEnv) -> bool:
    """Whether the project says where its models are (a ``[models]`` table)."""
    return "models" in env.settings.raw_sections


def _explicit(env: CheckEnv) -> list[Check]:
    cfg = env.checks.schema
    url = database_url(env)
    limit = timeout_for(cfg.timeout, env.checks) + STARTUP_ALLOWANCE
    if not cfg.models and _discovers(env):
        return [FunctionCheck("schema", "schema", limit,
                              lambda _t: probe_discovered(env, url))]
    return [FunctionCheck("schema", "schema", limit, lambda t: probe_schema(env, url, cfg, t))]


def _factory(env: CheckEnv) -> list[Check]:
    return _explicit(env) if env.checks.schema.models or _discovers(env) else []


register("schema", _factory, explicit=_explicit)
