"""The one registry of built-in tasks.

Each capability registers its tasks here by name with the import path of the task
function; the function is imported only when the task runs, so listing tasks and
planning workflows costs nothing.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pitstop.engine.task import TaskContext, TaskOutcome


@dataclasses.dataclass(frozen=True)
class BuiltinTask:
    name: str
    target: str  # "module:function"
    description: str
    level: Literal["read", "write", "admin"] = "write"
    needs: tuple[str, ...] = ()

    def load(self) -> Callable[[TaskContext], TaskOutcome]:
        module_name, _, attr = self.target.partition(":")
        func: Callable[[TaskContext], TaskOutcome] = getattr(
            importlib.import_module(module_name), attr
        )
        return func


_BUILTINS: tuple[BuiltinTask, ...] = (
    # foundation
    BuiltinTask("check-env", "pitstop.checks.tasks:check_env_task",
                "Check Python version, required env vars, virtualenv and executables.", "read"),
    BuiltinTask("db-init", "pitstop.db.tasks:db_init_task",
                "Create the database named in DATABASE_URL if it does not exist."),
    # migrations
    BuiltinTask("migrate", "pitstop.migrate.tasks:migrate_task", "Apply pending migrations."),
    # backups
    BuiltinTask("backup", "pitstop.backup.tasks:backup_task", "Back up the database."),
    BuiltinTask("backup-verify", "pitstop.backup.tasks:backup_verify_task",
                "Verify the newest backup by restoring it into a scratch database.", "read"),
    # health checks
    BuiltinTask("check", "pitstop.checks.tasks:check_all_task", "Run every health check.", "read"),
    BuiltinTask("check-database", "pitstop.checks.tasks:check_database_task",
                "Check the database answers.", "read"),
    BuiltinTask("check-redis", "pitstop.checks.tasks:check_redis_task",
                "Check Redis/Dragonfly answers.", "read"),
    BuiltinTask("check-extensions", "pitstop.checks.tasks:check_extensions_task",
                "Check required PostgreSQL extensions are installed.", "read"),
    BuiltinTask("check-schema", "pitstop.checks.tasks:check_schema_task",
                "Compare the live schema with the SQLAlchemy models.", "read"),
    BuiltinTask("wait-database", "pitstop.checks.tasks:wait_database_task",
                "Wait until the database answers.", "read"),
    BuiltinTask("extensions-deploy", "pitstop.checks.tasks:extensions_deploy_task",
                "Create missing PostgreSQL extensions.", "admin"),
    # scanning
    BuiltinTask("scan-secrets", "pitstop.scan.tasks:scan_secrets_task",
                "Scan the repository for secrets.", "read"),
    # tests
    BuiltinTask("smoke", "pitstop.testing.tasks:smoke_task", "Run the smoke tests.", "read"),
    BuiltinTask("coverage", "pitstop.testing.tasks:coverage_task",
                "Run the tests with coverage and a floor.", "read"),
)


def _present(task: BuiltinTask) -> bool:
    """Whether the task's module ships in this installation (without importing it)."""
    from pathlib import Path

    import pitstop

    parts = task.target.partition(":")[0].split(".")[1:]
    base = Path(pitstop.__file__).parent.joinpath(*parts)
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def builtin_tasks() -> dict[str, BuiltinTask]:
    """Built-in tasks available in this installation, by name."""
    return {task.name: task for task in _BUILTINS if _present(task)}
