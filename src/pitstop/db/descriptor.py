"""The ``db`` capability, declared once (see :mod:`pitstop.capability`)."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Section, Task, Verb

CAPABILITY = Capability(
    name="db",
    summary="Create the database, manage PostgreSQL extensions, inspect, export and compare schemas.",
    docs="docs/db.md",
    sections=(Section("db", "pitstop.db.settings:DbSettings"),
              Section("models", "pitstop.db.models:ModelsSettings")),
    commands=(Command("db", "pitstop.cli.db_cmd:db",
                      "Create databases and manage PostgreSQL extensions."),),
    verbs=(
        Verb("init", "pitstop.db:init", "Create the database if it does not exist.", "write"),
        Verb("extensions-list", "pitstop.db:list_extensions", "Installed and required "
             "extensions.", recorded=False, command=("db", "extensions", "list")),
        Verb("extensions-verify", "pitstop.db:verify_extensions", "Check the required "
             "extensions.", command=("db", "extensions", "verify")),
        Verb("extensions-deploy", "pitstop.db:deploy_extensions", "Create missing "
             "extensions.", "admin", command=("db", "extensions", "deploy")),
        Verb("inspect", "pitstop.db.schema_verbs:inspect", "Tables, columns, keys, indexes, "
             "constraints, views, sequences and enums of the database."),
        Verb("export", "pitstop.db.schema_verbs:export", "The whole schema as sorted JSON or "
             "SQL; --check compares it with a committed export."),
        Verb("diff", "pitstop.db.schema_verbs:diff", "Differences between two schemas "
             "(databases, export files, models) in words and SQL."),
        Verb("models", "pitstop.db.schema_verbs:models", "The declarative models found "
             "under [models] paths, imported in the project's interpreter."),
        Verb("create-all", "pitstop.db.schema_verbs:create_all", "Create every model's "
             "table on an empty database.", "write"),
    ),
    tasks=(
        Task("db-init", "pitstop.db.tasks:db_init_task",
             "Create the database named in DATABASE_URL if it does not exist.",
             verb="db init"),
        Task("extensions-deploy", "pitstop.db.tasks:extensions_deploy_task",
             "Create missing PostgreSQL extensions ([db.extensions] required).", "admin",
             verb="db extensions-deploy"),
    ),
)
