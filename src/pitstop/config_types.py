"""Typed parsing of configuration tables into frozen dataclasses.

Every configuration section is a frozen dataclass whose field annotations are the
schema: ``str``, ``int``, ``float``, ``bool``, ``Path`` (resolved against the
project directory), :data:`Duration` (``"2m"``, ``"1h30m"``, ``"500ms"`` or a number
of seconds), ``ByteSize`` (``"512MB"``), ``tuple[T, ...]``, ``dict[str, T]``,
``T | None``, ``Literal[...]`` and nested dataclasses.  Unknown keys and wrong
types raise :class:`~pitstop.errors.ConfigError` naming the file, the dotted key
and what was expected.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pitstop.errors import ConfigError

Duration = Annotated[float, "duration"]
"""Seconds, written in config as ``"2m"``, ``"90s"``, ``"1h30m"``, ``"250ms"`` or a number."""

ByteSize = Annotated[int, "bytesize"]
"""Bytes, written in config as ``"512MB"``, ``"1GiB"``, ``"10k"`` or a number."""

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "": 1, "b": 1,
    "k": 1000, "kb": 1000, "kib": 1024, "ki": 1024,
    "m": 1000**2, "mb": 1000**2, "mib": 1024**2, "mi": 1024**2,
    "g": 1000**3, "gb": 1000**3, "gib": 1024**3, "gi": 1024**3,
    "t": 1000**4, "tb": 1000**4, "tib": 1024**4, "ti": 1024**4,
}

T = TypeVar("T")


def parse_duration(value: object) -> float:
    """Parse ``"2m"``, ``"1h30m"``, ``"250ms"``, ``"1.5s"`` or a number into seconds.

    Raises :class:`ValueError` with a readable message on anything else.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like '30s' or '2m', got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite duration like '30s' or '2m', got {value!r}")
        if value < 0:
            raise ValueError(f"a duration cannot be negative, got {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a duration like '30s' or '2m', got {value!r}")
    text = value.strip().lower()
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(number):
            raise ValueError(f"expected a finite duration like '30s' or '2m', got {value!r}")
        if number < 0:
            raise ValueError(f"a duration cannot be negative, got {value!r}")
        return number
    pos = 0
    total = 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise ValueError(
            f"expected a duration like '30s', '2m', '1h30m' or '250ms', got {value!r}"
        )
    return total


def parse_bytesize(value: object) -> int:
    """Parse ``"512MB"``, ``"1GiB"``, ``"10k"`` or a number into bytes."""
    if isinstance(value, bool):
        raise ValueError(f"expected a size like '512MB', got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"a size cannot be negative, got {value!r}")
        return value
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match and match.group(2).lower() in _SIZE_UNITS:
            return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])
    raise ValueError(f"expected a size like '512MB', '1GiB' or a number of bytes, got {value!r}")


@dataclasses.dataclass(frozen=True)
class SchemaContext:
    """Where a table came from: used to resolve paths and to word errors."""

    file: Path | None
    base_dir: Path


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        meta = typing.get_args(tp)[1]
        return {"duration": "a duration such as '30s'", "bytesize": "a size such as '10MB'"}[meta]
    if origin in (types.UnionType, typing.Union):
        return " or ".join(_describe(a) for a in typing.get_args(tp) if a is not type(None))
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin is tuple:
        return f"a list (each item {_describe(typing.get_args(tp)[0])})"
    if origin in (dict, Mapping):
        return f"a table (each value {_describe(typing.get_args(tp)[1])})"
    if dataclasses.is_dataclass(tp):
        return "a table"
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             Path: "a path (string)"}
    return names.get(tp, getattr(tp, "__name__", str(tp)))


def convert(value: Any, tp: Any, key: str, ctx: SchemaContext) -> Any:
    """Convert one TOML value to ``tp`` or raise :class:`ConfigError` naming ``key``."""

    def bad(extra: str = "") -> ConfigError:
        return ConfigError(
            f"expected {_describe(tp)}, got {value!r}{extra}", file=ctx.file, key=key
        )

    origin = typing.get_origin(tp)
    if origin is Annotated:
        kind = typing.get_args(tp)[1]
        try:
            return parse_duration(value) if kind == "duration" else parse_bytesize(value)
        except ValueError as exc:
            raise ConfigError(str(exc), file=ctx.file, key=key) from None
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        errors: list[ConfigError] = []
        for arg in args:
            try:
                return convert(value, arg, key, ctx)
            except ConfigError as exc:
                errors.append(exc)
        raise bad()
    if origin is Literal:
        if value in typing.get_args(tp):
            return value
        raise bad()
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise bad()
        item_tp = typing.get_args(tp)[0]
        return tuple(convert(v, item_tp, f"{key}[{i}]", ctx) for i, v in enumerate(value))
    if origin in (dict, Mapping):
        if not isinstance(value, dict):
            raise bad()
        value_tp = typing.get_args(tp)[1]
        return types.MappingProxyType(
            {str(k): convert(v, value_tp, f"{key}.{k}", ctx) for k, v in value.items()}
        )
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            raise bad()
        return parse_table(tp, value, key, ctx)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise bad()
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise bad()
    if tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise bad()
    if tp is str:
        if isinstance(value, str):
            return value
        raise bad()
    if tp is Path:
        if isinstance(value, str) and value:
            path = Path(value).expanduser()
            return path if path.is_absolute() else ctx.base_dir / path
        raise bad()
    if tp is Any:
        return value
    raise TypeError(f"unsupported schema type {tp!r} for {key}")  # a bug in a schema


def parse_table(cls: type[T], data: Mapping[str, Any], key: str, ctx: SchemaContext) -> T:
    """Build the frozen dataclass ``cls`` from a TOML table, validating every key."""
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    toml_names = {f.metadata.get("toml", f.name.replace("_", "-")): f.name for f in fields.values()}
    toml_names.update({name: name for name in fields})
    kwargs: dict[str, Any] = {}
    for raw_key, raw_value in data.items():
        name = toml_names.get(raw_key)
        dotted = f"{key}.{raw_key}" if key else raw_key
        if name is None:
            known = sorted(f.name for f in fields.values())
            close = difflib.get_close_matches(raw_key, known, n=1)
            suggestion = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(
                f"unknown key '{raw_key}'{suggestion}; known keys: {', '.join(known) or 'none'}",
                file=ctx.file,
                key=dotted,
            )
        kwargs[name] = convert(raw_value, hints[name], dotted, ctx)
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        # a check in __post_init__ words its message "field: what is wrong"
        text = str(exc)
        field, sep, rest = text.partition(": ")
        name = toml_names.get(field)
        if sep and name is not None:
            # name the key as the file spells it (keep_last or keep-last)
            written = next((k for k in data if toml_names.get(k) == name), field)
            raise ConfigError(rest, file=ctx.file,
                              key=f"{key}.{written}" if key else written) from None
        raise ConfigError(text, file=ctx.file, key=key or None) from None
