"""Loading and validating settings from ``pitstop.toml`` / ``[tool.pitstop]``, the
environment and command-line flags.

Precedence, highest first: command-line flag, environment (``DATABASE_URL``,
``REDIS_URL``, ``LOG_LEVEL``, ``ENVIRONMENT``, ``DRY_RUN``, ``PITSTOP_STATE_URL``,
``PITSTOP_LOG_FORMAT``), the configuration file, the defaults below.  Every default
lives in this module; every value remembers where it came from (``Settings.origins``).

Capability sections (``[migrate]``, ``[backup]``, ``[checks]`` …) are frozen
dataclasses owned by their capability and listed in :data:`SECTIONS`; they are
imported only when a file uses them or a command asks for them, so loading settings
stays cheap.
"""

from __future__ import annotations

import dataclasses
import importlib
import tomllib
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

from pitstop.errors import ConfigError
from pitstop.schema import Duration, SchemaContext, convert, parse_table

CONFIG_FILE = "pitstop.toml"
STATE_DIR = ".pitstop"
DEFAULT_DATABASE_URL = "sqlite:///.pitstop/app.db"
DEFAULT_STATE_URL = "sqlite:///.pitstop/state.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TASK_LEVELS = ("read", "write", "admin")

SECTIONS: dict[str, str] = {
    "migrate": "pitstop.migrate.settings:MigrateSettings",
    "backup": "pitstop.backup.settings:BackupSettings",
    "snapshot": "pitstop.backup.settings:SnapshotSettings",
    "checks": "pitstop.checks.settings:ChecksSettings",
    "scan": "pitstop.scan.settings:ScanSettings",
    "release": "pitstop.release.settings:ReleaseSettings",
    "test": "pitstop.testing.settings:TestSettings",
}
"""Capability sections: table name → ``module:DataclassName`` (lazy import)."""

ENV_OVERRIDES: dict[str, str] = {
    "DATABASE_URL": "database_url",
    "REDIS_URL": "redis_url",
    "LOG_LEVEL": "log_level",
    "ENVIRONMENT": "environment",
    "DRY_RUN": "dry_run",
    "PITSTOP_STATE_URL": "state.url",
    "PITSTOP_LOG_FORMAT": "log_format",
}

S = TypeVar("S")


@dataclasses.dataclass(frozen=True)
class StateSettings:
    """``[state]``: where run history lives and how long it is kept."""

    url: str = DEFAULT_STATE_URL
    keep_days: int | None = 90
    keep_runs: int | None = 1000

    def __post_init__(self) -> None:
        if self.keep_days is not None and self.keep_days < 1:
            raise ValueError(f"keep_days: expected a number of days >= 1, got {self.keep_days}")
        if self.keep_runs is not None and self.keep_runs < 1:
            raise ValueError(f"keep_runs: expected a number of runs >= 1, got {self.keep_runs}")


@dataclasses.dataclass(frozen=True)
class MetricsSettings:
    """``[metrics]``: Prometheus exports after each run."""

    textfile: Path | None = None
    pushgateway: str | None = None
    job: str = "pitstop"


@dataclasses.dataclass(frozen=True)
class ProjectSettings:
    """``[project]``: the project's own interpreter, where its code runs (Alembic's
    ``env.py``, the models, the tests; see :mod:`pitstop.project_python`)."""

    python: Path | None = None
    """An interpreter (``.venv/bin/python``) or a virtualenv directory (``.venv``).
    Default: ``$VIRTUAL_ENV``, then ``.venv`` or ``venv`` in the project directory, then
    pitstop's own interpreter."""


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """One ``[tasks.NAME]`` table.  ``run`` is ``None`` for a built-in task."""

    run: str | tuple[str, ...] | None = None
    needs: tuple[str, ...] = ()
    timeout: Duration | None = None
    retries: int = 0
    retry_on: tuple[int, ...] = ()
    retry_delay: Duration = 1.0
    env: Mapping[str, str] = dataclasses.field(default_factory=lambda: types.MappingProxyType({}))
    cwd: Path | None = None
    level: Literal["read", "write", "admin"] = "write"
    description: str = ""
    allow_failure: bool = False

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError("retries: expected a number of retries >= 0")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError("timeout: expected a duration above zero such as '30s' "
                             "(leave timeout out for no limit)")
        if isinstance(self.run, tuple) and not self.run:
            raise ValueError("run: an argv list needs at least the program name")
        if isinstance(self.run, str) and not self.run.strip():
            raise ValueError("run: the command is empty")


@dataclasses.dataclass(frozen=True)
class Settings:
    """The resolved settings of one project.  Build it with :func:`load_settings`."""

    project_dir: Path
    config_file: Path | None = None
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    environment: str = "development"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    dry_run: bool = False
    virtual_env: Path | None = None
    """``$VIRTUAL_ENV`` as pitstop was started (not a file key): where the project's
    interpreter is looked for after ``[project] python``."""
    state: StateSettings = StateSettings()
    metrics: MetricsSettings = MetricsSettings()
    project: ProjectSettings = ProjectSettings()
    tasks: Mapping[str, TaskSpec] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    workflows: Mapping[str, tuple[tuple[str, ...], ...]] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    raw_sections: Mapping[str, Mapping[str, Any]] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    origins: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    _section_cache: dict[str, Any] = dataclasses.field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def state_dir(self) -> Path:
        """The project's ``.pitstop/`` directory (state, logs, backups by default)."""
        return self.project_dir / STATE_DIR

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    def section(self, name: str) -> Any:
        """The typed settings of capability section ``name`` (defaults when absent)."""
        if name not in self._section_cache:
            cls = _section_class(name)
            ctx = SchemaContext(self.config_file, self.project_dir)
            self._section_cache[name] = parse_table(cls, self.raw_sections.get(name, {}), name, ctx)
        return self._section_cache[name]

    def typed_section(self, name: str, cls: type[S]) -> S:
        """Like :meth:`section`, checked against the expected class."""
        value = self.section(name)
        if not isinstance(value, cls):
            raise TypeError(f"section {name} is {type(value).__name__}, not {cls.__name__}")
        return value


def _section_class(name: str) -> type[Any]:
    target = SECTIONS.get(name)
    if target is None:
        raise KeyError(f"unknown configuration section {name!r}")
    module_name, _, attr = target.partition(":")
    cls: type[Any] = getattr(importlib.import_module(module_name), attr)
    return cls


def has_pitstop_table(pyproject: Path) -> bool:
    """Whether ``pyproject`` holds pitstop settings (``[tool.pitstop]`` or its sub-tables).

    A file that mentions ``[tool.pitstop`` but cannot be parsed counts, so that the
    TOML error is reported instead of the file being skipped silently."""
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "pitstop" not in text:
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return "[tool.pitstop" in text
    tool = data.get("tool")
    return isinstance(tool, dict) and "pitstop" in tool


def find_config(start: Path) -> Path | None:
    """Walk up from ``start``: the first ``pitstop.toml``, or a ``pyproject.toml`` with
    a ``[tool.pitstop]`` table, wins."""
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and has_pitstop_table(pyproject):
            return pyproject
    return None


def read_config_file(path: Path) -> dict[str, Any]:
    """Read and parse a config file; for ``pyproject.toml`` return ``[tool.pitstop]``."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("file not found", file=path,
                          hint="create it with `pitstop init` or pass --config") from None
    except IsADirectoryError:
        raise ConfigError("is a directory, expected a TOML file", file=path) from None
    except PermissionError:
        raise ConfigError("cannot be read (permission denied)", file=path) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=path) from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        section = tool.get("pitstop") if isinstance(tool, dict) else None
        if section is None:
            return {}
        if not isinstance(section, dict):
            raise ConfigError("expected a table", file=path, key="tool.pitstop")
        return section
    return data


_CORE_KEYS = {
    "database_url": str,
    "redis_url": str,
    "environment": str,
    "log_level": str,
    "log_format": Literal["text", "json"],
    "dry_run": bool,
}


def _parse_bool(text: str, key: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"expected true/false (1/0, yes/no), got {text!r}", key=key)


def _parse_workflows(
    data: Any, ctx: SchemaContext
) -> types.MappingProxyType[str, tuple[tuple[str, ...], ...]]:
    if not isinstance(data, dict):
        raise ConfigError("expected a table of workflow = [steps]", file=ctx.file, key="workflows")
    workflows: dict[str, tuple[tuple[str, ...], ...]] = {}
    for name, steps in data.items():
        key = f"workflows.{name}"
        if not isinstance(steps, list) or not steps:
            raise ConfigError(
                "expected a non-empty list of task names (a nested list runs in parallel)",
                file=ctx.file, key=key,
            )
        parsed: list[tuple[str, ...]] = []
        for i, step in enumerate(steps):
            if isinstance(step, str) and step:
                parsed.append((step,))
            elif isinstance(step, list) and step and all(isinstance(s, str) and s for s in step):
                parsed.append(tuple(step))
            else:
                raise ConfigError(
                    f"step {i + 1}: expected a task name or a list of task names, got {step!r}",
                    file=ctx.file, key=key,
                )
        workflows[name] = tuple(parsed)
    return types.MappingProxyType(workflows)


def _resolve_sqlite(url: str, base: Path) -> str:
    """Make a relative SQLite path absolute against the project directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////"):
        rest = url[len(prefix):]
        if rest and rest != ":memory:" and not rest.startswith(":"):
            path, sep, query = rest.partition("?")
            return f"{prefix}{(base / path).resolve()}{sep}{query}"
    return url


def load_settings(
    cwd: Path | None = None,
    *,
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    discover: bool = True,
) -> Settings:
    """Resolve settings for the project around ``cwd``.

    ``env`` is the environment to honour (the CLI passes ``os.environ``; the library
    never reads it itself).  ``overrides`` are command-line values keyed like
    :data:`ENV_OVERRIDES` targets (``database_url``, ``state.url`` …); ``None`` values
    are ignored.  Raises :class:`ConfigError` for anything malformed.
    """
    cwd = (cwd or Path.cwd()).resolve()
    env = env or {}
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    path = config_file.resolve() if config_file else (find_config(cwd) if discover else None)
    config_origin = "given (--config / PITSTOP_CONFIG)" if config_file else "discovered"
    data: dict[str, Any] = read_config_file(path) if path else {}
    project_dir = path.parent if path else cwd
    ctx = SchemaContext(path, project_dir)
    origin_file = f"file {path}" if path else "default"
    origins: dict[str, str] = {"config_file": config_origin} if path else {}
    values: dict[str, Any] = {}

    for key, raw in data.items():
        if key in _CORE_KEYS:
            values[key] = convert(raw, _CORE_KEYS[key], key, ctx)
            origins[key] = origin_file
        elif key in ("state", "metrics", "project", "tasks", "workflows") or key in SECTIONS:
            if not isinstance(raw, dict):
                raise ConfigError(f"expected a table [{key}], got {raw!r}", file=path, key=key)
        else:
            import difflib

            known = sorted([*_CORE_KEYS, "state", "metrics", "project", "tasks", "workflows",
                            *SECTIONS])
            close = difflib.get_close_matches(key, known, n=1)
            suggestion = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(
                f"unknown key '{key}'{suggestion}; known keys: {', '.join(known)}",
                file=path, key=key,
            )

    state = parse_table(StateSettings, data.get("state", {}), "state", ctx)
    metrics = parse_table(MetricsSettings, data.get("metrics", {}), "metrics", ctx)
    project = parse_table(ProjectSettings, data.get("project", {}), "project", ctx)
    for key in data.get("state", {}):
        origins[f"state.{key}"] = origin_file
    for key in data.get("metrics", {}):
        origins[f"metrics.{key}"] = origin_file
    for key in data.get("project", {}):
        origins[f"project.{key}"] = origin_file

    tasks: dict[str, TaskSpec] = {}
    for name, table in data.get("tasks", {}).items():
        if not isinstance(table, dict):
            raise ConfigError(f"expected a table [tasks.{name}]", file=path, key=f"tasks.{name}")
        tasks[name] = parse_table(TaskSpec, table, f"tasks.{name}", ctx)
    workflows = _parse_workflows(data["workflows"], ctx) if "workflows" in data else None

    # environment, then flags
    for layer_name, layer in (("env", env), ("flag", None)):
        items: list[tuple[str, str, Any]]
        if layer_name == "env":
            assert layer is not None
            items = [(target, f"env {var}", layer[var])
                     for var, target in ENV_OVERRIDES.items() if layer.get(var, "") != ""]
        else:
            items = [(target, "flag", value) for target, value in overrides.items()]
        for target, origin, value in items:
            if target == "dry_run" and isinstance(value, str):
                value = _parse_bool(value, origin.removeprefix("env "))
            if target == "state.url":
                state = dataclasses.replace(state, url=str(value))
            elif target == "metrics.textfile":
                metrics = dataclasses.replace(metrics, textfile=Path(value))
            elif target in _CORE_KEYS:
                values[target] = value
            else:
                raise KeyError(f"unknown override {target!r}")  # a bug in the caller
            origins[target] = origin

    log_level = str(values.get("log_level", "INFO")).upper()
    if log_level == "WARN":
        log_level = "WARNING"
    if log_level not in LOG_LEVELS:
        origin = origins.get("log_level", "default")
        from_file = origin.startswith("file")
        raise ConfigError(
            f"expected one of {', '.join(LOG_LEVELS)}, got {values['log_level']!r}",
            file=path if from_file else None,
            key="log_level" if from_file else f"log_level ({origin})",
        )
    values["log_level"] = log_level
    if values.get("log_format", "text") not in ("text", "json"):
        raise ConfigError(
            f"expected 'text' or 'json', got {values['log_format']!r}", key="log_format"
        )

    database_url = _resolve_sqlite(values.pop("database_url", DEFAULT_DATABASE_URL), project_dir)
    state = dataclasses.replace(state, url=_resolve_sqlite(state.url, project_dir))

    if env.get("VIRTUAL_ENV"):
        values["virtual_env"] = Path(env["VIRTUAL_ENV"])
        origins["virtual_env"] = "env VIRTUAL_ENV"
    sections: dict[str, Mapping[str, Any]] = {
        name: types.MappingProxyType(data[name]) for name in SECTIONS if name in data
    }
    settings = Settings(
        project_dir=project_dir,
        config_file=path,
        database_url=database_url,
        state=state,
        metrics=metrics,
        project=project,
        tasks=types.MappingProxyType(tasks),
        workflows=workflows if workflows is not None else types.MappingProxyType({}),
        raw_sections=types.MappingProxyType(sections),
        origins=types.MappingProxyType(origins),
        **values,
    )
    for name in sections:  # validate every section the file uses, now, not mid-run
        _ = settings.section(name)
    return settings
