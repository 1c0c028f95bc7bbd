"""A flat, masked listing of resolved settings with the origin of each value
(what ``pitstop config show`` prints)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pitstop.config import Settings
from pitstop.redact import mask_url


@dataclasses.dataclass(frozen=True)
class SettingValue:
    key: str
    value: Any
    origin: str


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, str):
        return mask_url(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def describe_settings(settings: Settings) -> list[SettingValue]:
    """Every setting with its (masked) value and where it came from."""
    origins = settings.origins
    file_origin = f"file {settings.config_file}" if settings.config_file else "default"
    rows = [
        SettingValue("config_file", str(settings.config_file) if settings.config_file else None,
                      origins.get("config_file", "discovered") if settings.config_file
                      else "none found"),
        SettingValue("project_dir", str(settings.project_dir), "config file location or cwd"),
        SettingValue("env_file", str(settings.env_file) if settings.env_file else None,
                     origins.get("env_file", "default")),
    ]
    for key in ("database_url", "redis_url", "environment", "log_level", "log_format",
                "dry_run"):
        rows.append(SettingValue(key, _plain(getattr(settings, key)),
                                 origins.get(key, "default")))
    for section in ("state", "metrics", "project"):
        obj = getattr(settings, section)
        for f in dataclasses.fields(obj):
            key = f"{section}.{f.name}"
            rows.append(SettingValue(key, _plain(getattr(obj, f.name)),
                                     origins.get(key, "default")))
    for name, spec in settings.tasks.items():
        run = spec.run if spec.run is None or isinstance(spec.run, str) else list(spec.run)
        rows.append(SettingValue(f"tasks.{name}", {"run": run, "needs": list(spec.needs)},
                                 file_origin))
    for name, steps in settings.workflows.items():
        rows.append(SettingValue(f"workflows.{name}", [list(s) for s in steps], file_origin))
    for name in settings.sections:
        if name not in settings.raw_sections:
            continue
        obj = settings.section_named(name)
        raw = settings.raw_sections[name]
        if isinstance(obj, Mapping):  # named tables: [schedules.nightly], [notify.ops]
            for table, value in obj.items():
                rows.append(SettingValue(f"{name}.{table}", _plain(value), file_origin))
            continue
        for f in dataclasses.fields(obj):
            origin = file_origin if f.name in raw or f.name.replace("_", "-") in raw else "default"
            rows.append(SettingValue(f"{name}.{f.name}", _plain(getattr(obj, f.name)), origin))
    rows.append(_interpreter_row(settings))
    return rows


def _interpreter_row(settings: Settings) -> SettingValue:
    """The project's interpreter as found, and why (``[project] python`` and after)."""
    from pitstop.errors import PitstopError
    from pitstop.project_python import interpreter_for

    try:
        found = interpreter_for(settings)
    except PitstopError as exc:
        return SettingValue("project.interpreter", None, f"error: {exc.message}")
    return SettingValue("project.interpreter", str(found.path), found.reason)
