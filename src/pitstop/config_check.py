"""``pitstop config validate``: everything a later command would trip over, found now.

Loading already checks the file's syntax, every key and value, every section the file
uses, the state URL and that no workflow shares a task's name.  This adds what needs
the task registry and the database seam: every workflow and every task is planned on
its own (unknown names, dependency cycles, even between tasks no workflow uses), a
workflow named like a built-in task is refused, the database URL must be one
pitstop can use, and every schedule must fire as written (expression, time zone,
workflow, parameters).  The first problem is raised as a :class:`~pitstop.errors.ConfigError`
naming the file and the dotted key (or the variable that set the value).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pitstop.config import Settings
from pitstop.db.resolve import check_setting_url
from pitstop.errors import ConfigError

if TYPE_CHECKING:
    from pitstop.capability import Task


@dataclasses.dataclass(frozen=True)
class ValidationReport:
    """What was checked and found valid."""

    config_file: str | None
    env_file: str | None
    tasks: tuple[str, ...]
    workflows: tuple[str, ...]
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"valid": True, "config_file": self.config_file, "env_file": self.env_file,
                "error": None, "tasks": list(self.tasks), "workflows": list(self.workflows),
                "warnings": list(self.warnings)}


def validate_config(settings: Settings, builtins: Mapping[str, Task]) -> ValidationReport:
    """Check ``settings`` as every command will use them; raise the first problem.
    ``builtins`` are the built-in tasks by name (the front hands them over)."""
    from pitstop.engine.planner import all_tasks, plan

    file = settings.config_file
    tasks = all_tasks(settings, builtins)
    for name in settings.workflows:
        if name in builtins:
            raise ConfigError(
                f"'{name}' is a built-in task: `pitstop run {name}` could mean either",
                file=file, key=f"workflows.{name}",
                hint=f"rename the workflow; to change what the built-in does, use [tasks.{name}]")
        plan(settings, name, builtins)
    for name in tasks:  # cycles and unknown needs, also where no workflow looks
        plan(settings, name, builtins)
    check_setting_url(settings.database_url, "database_url", settings)
    warnings = list(settings.warnings) + _check_schedules(settings, builtins)
    return ValidationReport(
        config_file=str(file) if file else None,
        env_file=str(settings.env_file) if settings.env_file else None,
        tasks=tuple(tasks), workflows=tuple(settings.workflows),
        warnings=tuple(warnings))


def _check_schedules(settings: Settings, builtins: Mapping[str, Task]) -> list[str]:
    """Every ``[schedules.NAME]``, disabled ones too, as its firings will run it: the
    expression and time zone parse, the workflow exists and takes the parameters.  A
    parameter taken from an environment variable that is not set here is a warning
    (the scheduler's machine may well have it), anything else an error."""
    from pitstop.schedule.settings import ScheduleSpec

    tables = settings.tables(ScheduleSpec)
    if not tables:
        return []
    from pitstop.engine.planner import plan
    from pitstop.schedule.scheduler import load_schedules

    warnings: list[str] = []
    for name, spec in tables.items():
        try:
            load_schedules(settings, builtins, names=(name,), enabled_only=False)
        except ConfigError as exc:
            if not exc.message.endswith("which is not set"):
                raise
            warnings.append(f"{exc.message} here; it must be set where the scheduler runs")
            try:  # the values cannot be checked here; the workflow still can
                plan(settings, spec.workflow, builtins)
            except ConfigError as inner:
                raise ConfigError(f"schedule '{name}': {inner.message}", hint=inner.hint,
                                  file=settings.config_file,
                                  key=f"schedules.{name}.workflow") from None
    return warnings
