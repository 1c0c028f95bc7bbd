"""The ``checks`` capability, declared once (see :mod:`pitstop.capability`).

Check kinds are extensions: a plugin adds one with a ``pitstop.checks`` entry point
naming a module that calls :func:`pitstop.checks.register`."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Extension, Section, Task, Verb

_KINDS = ("env", "database", "redis", "extensions", "migrations", "schema", "http", "tcp")
_MODULES = {"schema": "schema_drift"}
"""Kinds whose module is not named after the kind (the ``schema`` check compares the
database with the models: its module is ``schema_drift``)."""

CAPABILITY = Capability(
    name="checks",
    summary="Health checks in parallel (environment, database, Redis, extensions, "
            "migrations, schema, HTTP, TCP) and waiting for services.",
    docs="docs/check.md",
    sections=(Section("checks", "pitstop.checks.settings:ChecksSettings"),),
    commands=(
        Command("check", "pitstop.cli.check_cmd:check",
                "Run health checks in parallel (database, Redis, HTTP…)."),
        Command("wait", "pitstop.cli.check_cmd:wait",
                "Block until the database, Redis or a URL answers."),
    ),
    verbs=(
        Verb("check", "pitstop.checks:check", "Run health checks.", command=("check",)),
        Verb("list", "pitstop.checks:list_checks", "The configured checks.", recorded=False,
             command=("check",)),
        Verb("wait", "pitstop.checks.wait:wait", "Wait until services answer.",
             command=("wait",)),
    ),
    check_kinds=tuple(Extension(kind, f"pitstop.checks.{_MODULES.get(kind, kind)}")
                      for kind in _KINDS),
    tasks=(
        Task("check", "pitstop.checks.tasks:check_all_task", "Run every health check.",
             "read", verb="checks check"),
        Task("check-env", "pitstop.checks.tasks:check_env_task",
             "Check Python version, required env vars, virtualenv and executables.", "read",
             verb="checks check"),
        Task("check-database", "pitstop.checks.tasks:check_database_task",
             "Check the database answers.", "read", verb="checks check"),
        Task("check-redis", "pitstop.checks.tasks:check_redis_task",
             "Check Redis/Dragonfly answers.", "read", verb="checks check"),
        Task("check-extensions", "pitstop.checks.tasks:check_extensions_task",
             "Check required PostgreSQL extensions are installed.", "read",
             verb="checks check"),
        Task("check-schema", "pitstop.checks.tasks:check_schema_task",
             "Compare the live schema with the SQLAlchemy models.", "read",
             verb="checks check"),
        Task("wait-database", "pitstop.checks.tasks:wait_database_task",
             "Wait until the database answers.", "read", verb="checks wait"),
    ),
)
