"""The environment variables pitstop reads, and the project's ``.env`` file.

Two kinds of names:

* pitstop's own (``PITSTOP_LOG_LEVEL``, ``PITSTOP_DRY_RUN``, ``PITSTOP_ENVIRONMENT``,
  ``PITSTOP_STATE_URL``, ``PITSTOP_LOG_FORMAT``) and the connection URLs it shares with
  the application on purpose (``DATABASE_URL``, ``REDIS_URL``): a value pitstop cannot
  use is a configuration error (exit 3).
* the unprefixed names an application sets for itself (``LOG_LEVEL``, ``DRY_RUN``,
  ``ENVIRONMENT``): read when the ``PITSTOP_`` name is not set, so scripts that
  used them keep working, but a value pitstop cannot use (``LOG_LEVEL=trace``) is a
  warning and is ignored: the application's setting must not break pitstop.

A ``PITSTOP_`` name wins over its unprefixed twin wherever each is set; for one name,
the real environment wins over ``.env``.  ``.env`` is parsed by python-dotenv's parser
(comments, quotes, ``export``, multi-line values), ``${VAR}`` / ``${VAR:-default}``
expanded from the environment first, then from the lines above, as
``load_dotenv()`` does.  Nothing here reads ``os.environ``: the caller passes it.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pitstop.errors import ConfigError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_ENV_FILE = ".env"

PITSTOP_VARS: dict[str, str] = {
    "DATABASE_URL": "database_url",
    "REDIS_URL": "redis_url",
    "PITSTOP_LOG_LEVEL": "log_level",
    "PITSTOP_ENVIRONMENT": "environment",
    "PITSTOP_DRY_RUN": "dry_run",
    "PITSTOP_STATE_URL": "state.url",
    "PITSTOP_LOG_FORMAT": "log_format",
    "PITSTOP_BROKER_URL": "engine.broker_url",
}
"""Variables whose value must be usable (exit 3 otherwise) → the setting they set."""

SHARED_VARS: dict[str, str] = {
    "LOG_LEVEL": "log_level",
    "ENVIRONMENT": "environment",
    "DRY_RUN": "dry_run",
}
"""Unprefixed variables shared with the application: lenient fallbacks."""

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def normalize_log_level(text: str) -> str | None:
    """``"debug"`` → ``"DEBUG"``, ``"warn"`` → ``"WARNING"``; ``None`` when unknown."""
    level = text.strip().upper()
    level = "WARNING" if level == "WARN" else level
    return level if level in LOG_LEVELS else None


def parse_bool(text: str) -> bool | None:
    lowered = text.strip().lower()
    return True if lowered in _TRUE else False if lowered in _FALSE else None


def _convert(target: str, text: str) -> tuple[Any, str | None]:
    """The value of ``target`` from ``text``, or ``(None, what was expected)``."""
    if target == "log_level":
        level = normalize_log_level(text)
        return (level, None) if level else (None, f"one of {', '.join(LOG_LEVELS)}")
    if target == "dry_run":
        flag = parse_bool(text)
        return (flag, None) if flag is not None else (None, "true/false (1/0, yes/no, on/off)")
    if target == "log_format":
        return (text, None) if text in ("text", "json") else (None, "'text' or 'json'")
    return text, None


@dataclasses.dataclass(frozen=True)
class EnvFile:
    """The variables pitstop reads, as a ``.env`` file sets them."""

    path: Path
    values: Mapping[str, str]
    warnings: tuple[str, ...] = ()


def read_env_file(path: Path, env: Mapping[str, str]) -> EnvFile:
    """Parse ``path`` like python-dotenv and keep the variables pitstop reads.

    A line python-dotenv cannot parse is skipped with a warning naming it (as
    python-dotenv does); a file that cannot be read is a :class:`ConfigError`."""
    from dotenv.parser import parse_stream
    from dotenv.variables import parse_variables

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("file not found", file=path) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, expected a .env file", file=path) from None
    except PermissionError:
        raise ConfigError("cannot be read (permission denied)", file=path) from None
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", file=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror or exc}", file=path) from None
    resolved: dict[str, str] = {}
    warnings: list[str] = []
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            warnings.append(f"{path}:{binding.original.line}: cannot parse this line; "
                            "skipped (as python-dotenv skips it)")
            continue
        if binding.key is None or binding.value is None:
            continue
        lookup = {**resolved, **env}  # the real environment first, as load_dotenv()
        resolved[binding.key] = "".join(atom.resolve(lookup)
                                        for atom in parse_variables(binding.value))
    wanted = {k: v for k, v in resolved.items() if k in PITSTOP_VARS or k in SHARED_VARS}
    return EnvFile(path, wanted, tuple(warnings))


@dataclasses.dataclass(frozen=True)
class EnvSetting:
    """One setting taken from a variable: its target, parsed value and origin."""

    target: str
    value: Any
    origin: str


def env_settings(
    env: Mapping[str, str],
    env_file: EnvFile | None,
    *,
    decided: frozenset[str] = frozenset(),
) -> tuple[list[EnvSetting], list[str]]:
    """The settings the environment and ``.env`` give (one per setting), and the
    warnings about shared values that were ignored.  ``decided`` targets are set by
    a flag: their shared variables are not even looked at."""
    # highest precedence first: the real environment, then .env
    sources: list[tuple[Mapping[str, str], Path | None]] = [(env, None)]
    if env_file is not None:
        sources.append((env_file.values, env_file.path))

    def origin(var: str, path: Path | None) -> str:
        return f"env {var}" if path is None else f".env file {path} ({var})"

    settings: dict[str, EnvSetting] = {}
    for var, target in PITSTOP_VARS.items():
        if target in decided:
            continue
        for values, path in sources:  # the first source that sets it wins
            text = values.get(var, "")
            if text == "":
                continue
            value, expected = _convert(target, text)
            if expected is not None:
                raise ConfigError(f"expected {expected}, got {text!r}", file=path, key=var)
            settings[target] = EnvSetting(target, value, origin(var, path))
            break
    warnings: list[str] = []
    for var, target in SHARED_VARS.items():
        if target in decided or target in settings:
            continue
        for values, path in sources:
            text = values.get(var, "")
            if text == "":
                continue
            value, expected = _convert(target, text)
            if expected is None:
                settings[target] = EnvSetting(target, value, origin(var, path))
                break
            where = "the environment" if path is None else str(path)
            warnings.append(
                f"ignoring {var}={text!r} from {where}: pitstop expects {expected} "
                f"(set PITSTOP_{var} to give pitstop a value of its own)")
    return list(settings.values()), warnings


_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_env(text: str, environ: Mapping[str, str]) -> str:
    """``text`` with each ``${VAR}`` (or ``${VAR:-default}``) replaced from ``environ``;
    raises :class:`KeyError` naming a variable that is unset and has no default.  Used
    for values that come from the environment at the moment they are needed (a
    webhook URL, a schedule's parameters), so the file never holds the secret."""

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = environ.get(name)
        if value is None or (value == "" and default is not None):
            if default is None:
                raise KeyError(name)
            return default
        return value

    return _REFERENCE.sub(replace, text)
