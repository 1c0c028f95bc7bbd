"""Loading and validating settings from ``pitstop.toml`` / ``[tool.pitstop]``, the
environment and command-line flags.

Precedence, highest first: command-line flag, environment (``DATABASE_URL``,
``REDIS_URL``, ``PITSTOP_LOG_LEVEL``, ``PITSTOP_ENVIRONMENT``, ``PITSTOP_DRY_RUN``,
``PITSTOP_STATE_URL``, ``PITSTOP_LOG_FORMAT``, then the shared ``LOG_LEVEL``,
``ENVIRONMENT``, ``DRY_RUN``: see :mod:`pitstop.config_env`), the project's ``.env``
file, the configuration file, the defaults below.  Every default lives in this module;
every value remembers where it came from (``Settings.origins``).

Capability sections (``[migrate]``, ``[backup]``, ``[checks]`` …) are frozen
dataclasses owned by their capability.  A section whose class sets the class variable
``named_tables = True`` is a table of named tables (``[schedules.nightly]``,
``[notify.ops]``): each sub-table is parsed into the class, and
:meth:`Settings.tables` gives them by name.  This module does not know them: the front
hands :func:`load_settings` the registry's ``sections`` (table name → ``module:Class``,
see :mod:`pitstop.registry`), and a section class is imported only when a file uses
its table or a verb asks for it (:meth:`Settings.section`), so loading stays cheap.
"""

from __future__ import annotations

import dataclasses
import importlib
import tomllib
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

from pitstop import config_env
from pitstop.config_params import ParamSpec, check_param_names
from pitstop.config_types import Duration, SchemaContext, convert, parse_table
from pitstop.errors import ConfigError

CONFIG_FILE = "pitstop.toml"
STATE_DIR = ".pitstop"
DEFAULT_DATABASE_URL = "sqlite:///.pitstop/app.db"
DEFAULT_STATE_URL = "sqlite:///.pitstop/state.db"
LOG_LEVELS = config_env.LOG_LEVELS
TASK_LEVELS = ("read", "write", "admin")

ENV_OVERRIDES: dict[str, str] = {**config_env.PITSTOP_VARS, **config_env.SHARED_VARS}
"""Every variable pitstop reads (from the environment or ``.env``) → its setting."""

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
    params: Mapping[str, ParamSpec] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({}))
    queue: str | None = None  # the Celery queue (``[engine] executor = "celery"``)

    def __post_init__(self) -> None:
        check_param_names(self.params)
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
    state: StateSettings = StateSettings()
    metrics: MetricsSettings = MetricsSettings()
    project: ProjectSettings = ProjectSettings()
    tasks: Mapping[str, TaskSpec] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    workflows: Mapping[str, tuple[tuple[str, ...], ...]] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    workflow_params: Mapping[str, Mapping[str, ParamSpec]] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    """The parameters each workflow declares (``[workflows.NAME.params]``)."""
    workflow_descriptions: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    raw_sections: Mapping[str, Mapping[str, Any]] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    origins: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    env_file: Path | None = None
    """The ``.env`` file that was read (``None``: none found, or ``env_file = false``)."""
    warnings: tuple[str, ...] = ()
    """Problems that did not stop loading (an unusable ``LOG_LEVEL``, a bad ``.env``
    line): the front shows them once."""
    sections: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({}), compare=False, repr=False
    )
    """The capability sections the front knows: table name → ``module:Dataclass``."""
    extensions: Mapping[str, Mapping[str, str]] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({}), compare=False, repr=False
    )
    """Pluggable pieces by group (``checks``, ``reporters``): name → ``module:attr``."""
    environ: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({}), compare=False, repr=False
    )
    """The environment the front started with (``VIRTUAL_ENV``, ``GIT_*``, variables a
    check requires …): the library reads it here, never from ``os.environ``."""
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

    def section(self, cls: type[S]) -> S:
        """The typed settings of the capability section parsed into ``cls`` (its
        defaults when the file has no such table)."""
        value = self.section_named(self._section_name(cls))
        assert isinstance(value, cls)
        return value

    def with_section(self, value: Any) -> Settings:
        """A copy of these settings whose section of ``type(value)`` is ``value``: for a
        caller that builds a section in code instead of a file (a test, a script)::

            settings = load_settings(repo).with_section(ReleaseSettings(initial="1.0.0"))
        """
        name = self._section_name(type(value))
        return dataclasses.replace(self, _section_cache={**self._section_cache, name: value})

    def tables(self, cls: type[S]) -> Mapping[str, S]:
        """The named tables of a section whose class sets ``named_tables = True``
        (``[schedules.NAME]`` → ``{NAME: cls}``; empty when the file has none)."""
        value: Mapping[str, S] = self.section_named(self._section_name(cls))
        return value

    def _section_name(self, cls: type[Any]) -> str:
        """The table name the registry gave the section class ``cls``."""
        target = f"{cls.__module__}:{cls.__qualname__}"
        for name, registered in self.sections.items():
            if registered == target:
                return name
        raise KeyError(f"{target} is not a registered settings section "
                       "(load settings through pitstop.registry.load_settings)")

    def section_named(self, name: str) -> Any:
        """The section ``[name]`` as its dataclass, or a mapping of its named tables
        (for generic displays; verbs use the typed :meth:`section` and :meth:`tables`)."""
        if name not in self._section_cache:
            cls = _section_class(self.sections, name)
            ctx = SchemaContext(self.config_file, self.project_dir)
            raw = self.raw_sections.get(name, {})
            if getattr(cls, "named_tables", False):
                parsed = {}
                for table, data in raw.items():
                    if not isinstance(data, dict):
                        raise ConfigError(f"expected a table [{name}.{table}], got {data!r}",
                                          file=self.config_file, key=f"{name}.{table}")
                    parsed[table] = parse_table(cls, data, f"{name}.{table}", ctx)
                self._section_cache[name] = types.MappingProxyType(parsed)
            else:
                self._section_cache[name] = parse_table(cls, raw, name, ctx)
        return self._section_cache[name]


def _section_class(sections: Mapping[str, str], name: str) -> type[Any]:
    target = sections.get(name)
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
        text = pyproject.read_bytes().decode("utf-8-sig")
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
        if candidate.is_file() or candidate.is_symlink() or candidate.exists():
            return candidate  # a directory or a dangling link is reported, not skipped
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and has_pitstop_table(pyproject):
            return pyproject
    return None


def read_config_file(path: Path) -> dict[str, Any]:
    """Read and parse a config file; for ``pyproject.toml`` return ``[tool.pitstop]``."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        hint = ("it is a link to a file that does not exist" if path.is_symlink()
                else "create it with `pitstop init`, or check --config / PITSTOP_CONFIG")
        raise ConfigError("file not found", file=path, hint=hint) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, expected a TOML file", file=path) from None
    except PermissionError:
        raise ConfigError("cannot be read (permission denied)", file=path) from None
    try:
        # a leading UTF-8 byte-order mark (Windows editors write one) is skipped, as
        # Cargo's and Go's TOML parsers and the toml-test suite do
        data = tomllib.loads(raw.decode("utf-8-sig"))
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


def _parse_steps(steps: Any, key: str, ctx: SchemaContext) -> tuple[tuple[str, ...], ...]:
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
    return tuple(parsed)


@dataclasses.dataclass(frozen=True)
class _Workflows:
    steps: dict[str, tuple[tuple[str, ...], ...]]
    params: dict[str, Mapping[str, ParamSpec]]
    descriptions: dict[str, str]


def _parse_workflows(data: Any, ctx: SchemaContext) -> _Workflows:
    """``name = [steps]``, or a table ``[workflows.name]`` with ``steps``,
    ``description`` and ``params``."""
    if not isinstance(data, dict):
        raise ConfigError("expected a table of workflow = [steps]", file=ctx.file, key="workflows")
    found = _Workflows({}, {}, {})
    for name, value in data.items():
        key = f"workflows.{name}"
        if not isinstance(value, dict):
            found.steps[name] = _parse_steps(value, key, ctx)
            continue
        unknown = sorted(set(value) - {"steps", "description", "params"})
        if unknown:
            raise ConfigError(f"unknown key '{unknown[0]}'; known keys: description, params, "
                              "steps", file=ctx.file, key=f"{key}.{unknown[0]}")
        if "steps" not in value:
            raise ConfigError("a workflow table needs steps = [task names]", file=ctx.file,
                              key=key)
        found.steps[name] = _parse_steps(value["steps"], f"{key}.steps", ctx)
        found.descriptions[name] = convert(value.get("description", ""), str,
                                           f"{key}.description", ctx)
        params = convert(value.get("params", {}), Mapping[str, ParamSpec], f"{key}.params", ctx)
        try:
            check_param_names(params)
        except ValueError as exc:
            raise ConfigError(str(exc).removeprefix("params: "), file=ctx.file,
                              key=f"{key}.params") from None
        found.params[name] = params
    return found


def _resolve_sqlite(url: str, base: Path) -> str:
    """Make a relative SQLite path absolute against the project directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////"):
        rest = url[len(prefix):]
        if rest and rest != ":memory:" and not rest.startswith(":"):
            path, sep, query = rest.partition("?")
            return f"{prefix}{(base / path).resolve()}{sep}{query}"
    return url


def _check_names(tasks: Mapping[str, TaskSpec], workflows: Mapping[str, Any],
                 path: Path | None) -> None:
    """A workflow and a task of one name would make ``run NAME`` ambiguous."""
    for name in workflows:
        if name in tasks:
            raise ConfigError(
                f"a task has the same name ([tasks.{name}]): `pitstop run {name}` could "
                "mean either", file=path, key=f"workflows.{name}",
                hint="rename the workflow or the task")


def _env_file_path(data: Mapping[str, Any], given: Path | bool | None, cwd: Path,
                   project_dir: Path, path: Path | None) -> tuple[Path | None, str]:
    """Which ``.env`` to read (``None``: none) and where that choice came from.  A
    file named by the flag or the config must exist; the default ``.env`` may not."""
    if given is not None:
        if given is False:
            return None, "flag"
        if given is True:
            return project_dir / config_env.DEFAULT_ENV_FILE, "flag"
        return cwd / given, "flag"
    raw = data.get("env_file", True)
    if raw is False:
        return None, f"file {path}"
    if raw is True:
        default = project_dir / config_env.DEFAULT_ENV_FILE
        return (default if default.exists() else None), "default"
    if not isinstance(raw, str) or not raw:
        raise ConfigError(f"expected a path (string) or false, got {raw!r}", file=path,
                          key="env_file")
    return project_dir / Path(raw).expanduser(), f"file {path}"


def _read_dotenv(dotenv_path: Path | None, origin: str, env: Mapping[str, str],
                 path: Path | None) -> config_env.EnvFile | None:
    if dotenv_path is None:
        return None
    try:
        return config_env.read_env_file(dotenv_path, env)
    except ConfigError as exc:
        hint = "fix the file, point env_file / --env-file elsewhere, or turn it off with " \
               "env_file = false"
        if origin == "default":
            raise ConfigError(exc.message, hint=hint) from None
        file, key = (path, "env_file") if origin.startswith("file ") else (None, "--env-file")
        raise ConfigError(exc.message, file=file, key=key, hint=hint) from None


def where_from(origins: Mapping[str, str], key: str, path: Path | None
           ) -> tuple[Path | str | None, str]:
    """The ``(file, key)`` a :class:`ConfigError` names for setting ``key``: the config
    file and the dotted key, the ``.env`` file or the variable, never a flag the user
    did not type."""
    origin = origins.get(key, "default")
    if origin.startswith("file "):
        return path, key
    if origin.startswith("env "):
        return None, origin.removeprefix("env ")
    if origin.startswith(".env file "):
        file, _, var = origin.removeprefix(".env file ").rpartition(" (")
        return file, var.rstrip(")")
    return None, f"{key} ({origin})"


def load_settings(
    cwd: Path | None = None,
    *,
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    discover: bool = True,
    env_file: Path | bool | None = None,
    sections: Mapping[str, str] | None = None,
    extensions: Mapping[str, Mapping[str, str]] | None = None,
) -> Settings:
    """Resolve settings for the project around ``cwd``.

    ``env`` is the environment to honour (the CLI passes ``os.environ``; the library
    never reads it itself).  ``overrides`` are command-line values keyed like
    :data:`ENV_OVERRIDES` targets (``database_url``, ``state.url`` …); ``None`` values
    are ignored.  ``env_file`` is the ``.env`` file to read (``--env-file``; relative
    to ``cwd``), ``False`` for none, ``None`` for the file's ``env_file`` key (default:
    ``.env`` in the project directory, when there is one).  ``sections`` and
    ``extensions`` are the registry's (fronts call :func:`pitstop.registry.load_settings`,
    which passes them).  Raises
    :class:`ConfigError` for anything malformed.
    """
    known_sections = dict(sections or {})
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
        elif key in ("state", "metrics", "project", "tasks", "workflows") \
                or key in known_sections:
            if not isinstance(raw, dict):
                raise ConfigError(f"expected a table [{key}], got {raw!r}", file=path, key=key)
        elif key == "env_file":
            pass  # read below, with the --env-file flag
        else:
            import difflib

            known = sorted([*_CORE_KEYS, "env_file", "state", "metrics", "project", "tasks",
                            "workflows", *known_sections])
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
    parsed_workflows = _parse_workflows(data.get("workflows", {}), ctx)
    workflows = parsed_workflows.steps
    _check_names(tasks, workflows, path)

    # .env, the environment, then flags
    dotenv_path, origins["env_file"] = _env_file_path(data, env_file, cwd, project_dir, path)
    dotenv = _read_dotenv(dotenv_path, origins["env_file"], env, path)
    from_env, warnings = config_env.env_settings(env, dotenv, decided=frozenset(overrides))
    warnings = [*(dotenv.warnings if dotenv else ()), *warnings]
    layers = [(e.target, e.origin, e.value) for e in from_env]
    layers += [(target, "flag", value) for target, value in overrides.items()]
    for target, origin, value in layers:
        if target == "dry_run" and isinstance(value, str):
            flag = config_env.parse_bool(value)
            if flag is None:
                raise ConfigError(f"expected true or false, got {value!r}", key="--dry-run")
            value = flag
        if target == "state.url":
            state = dataclasses.replace(state, url=str(value))
        elif target == "metrics.textfile":
            metrics = dataclasses.replace(metrics, textfile=Path(value))
        elif target == "engine.broker_url":  # [engine] belongs to pitstop.workers
            data["engine"] = {**data.get("engine", {}), "broker_url": str(value)}
        elif target in _CORE_KEYS:
            values[target] = value
        else:
            raise KeyError(f"unknown override {target!r}")  # a bug in the caller
        origins[target] = origin

    log_level = config_env.normalize_log_level(str(values.get("log_level", "INFO")))
    if log_level is None:
        file, key = where_from(origins, "log_level", path)
        raise ConfigError(
            f"expected one of {', '.join(LOG_LEVELS)}, got {values['log_level']!r}",
            file=file, key=key,
        )
    values["log_level"] = log_level
    if values.get("log_format", "text") not in ("text", "json"):
        raise ConfigError(
            f"expected 'text' or 'json', got {values['log_format']!r}", key="log_format"
        )

    database_url = _resolve_sqlite(values.pop("database_url", DEFAULT_DATABASE_URL), project_dir)
    state = dataclasses.replace(state, url=_resolve_sqlite(state.url, project_dir))

    used: dict[str, Mapping[str, Any]] = {
        name: types.MappingProxyType(data[name]) for name in known_sections if name in data
    }
    settings = Settings(
        project_dir=project_dir,
        config_file=path,
        database_url=database_url,
        state=state,
        metrics=metrics,
        project=project,
        tasks=types.MappingProxyType(tasks),
        workflows=types.MappingProxyType(workflows),
        workflow_params=types.MappingProxyType(parsed_workflows.params),
        workflow_descriptions=types.MappingProxyType(parsed_workflows.descriptions),
        raw_sections=types.MappingProxyType(used),
        origins=types.MappingProxyType(origins),
        env_file=dotenv.path if dotenv else None,
        warnings=tuple(warnings),
        sections=types.MappingProxyType(known_sections),
        extensions=types.MappingProxyType({k: types.MappingProxyType(dict(v))
                                           for k, v in (extensions or {}).items()}),
        environ=types.MappingProxyType(dict(env)),
        **values,
    )
    for name in used:  # validate every section the file uses, now, not mid-run
        _ = settings.section_named(name)
    return settings
