"""The ``migrate`` capability, declared once (see :mod:`pitstop.capability`)."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Section, Task, Verb

CAPABILITY = Capability(
    name="migrate",
    summary="SQL migrations in the layouts teams already have (Flyway, dbmate, "
            "golang-migrate, diesel, plain), and Alembic projects through Alembic.",
    docs="docs/migrate.md",
    sections=(Section("migrate", "pitstop.migrate.settings:MigrateSettings"),),
    commands=(Command("migrate", "pitstop.cli.migrate_cmd:migrate",
                      "Apply, roll back and inspect SQL migrations."),),
    verbs=(
        Verb("up", "pitstop.migrate:up", "Apply pending migrations.", "write"),
        Verb("down", "pitstop.migrate:down", "Roll back applied migrations.", "admin"),
        Verb("redo", "pitstop.migrate:redo", "Roll back the newest migration and apply it "
             "again.", "admin"),
        Verb("status", "pitstop.migrate:status", "Every migration and its state."),
        Verb("validate", "pitstop.migrate:validate", "Compare the files with the history."),
        Verb("history", "pitstop.migrate:history", "Rows of the history table.",
             recorded=False),
        Verb("baseline", "pitstop.migrate:baseline", "Adopt a database already at a "
             "version.", "admin"),
        Verb("repair", "pitstop.migrate:repair", "Accept the files as they are.", "admin"),
        Verb("new", "pitstop.migrate:new", "Create the next migration file(s).", "write"),
        Verb("import-history", "pitstop.migrate:import_history", "Record as applied what "
             "another tool's history says ran.", "admin"),
    ),
    # the task composes ``migrate up`` with a backup first ([migrate] backup_before), so
    # it lives where both are known: migrate never imports backup
    tasks=(Task("migrate", "pitstop.backup.premigrate:migrate_task",
                "Apply pending migrations (backing up first when [migrate] backup_before).",
                verb="migrate up"),),
)
