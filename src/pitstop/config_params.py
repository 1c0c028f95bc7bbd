"""Declared parameters of workflows and tasks: ``[workflows.NAME.params.P]`` and
``[tasks.NAME.params.P]``, each a :class:`ParamSpec` (type, default, required, choices
or pattern, secret).  :meth:`ParamSpec.coerce` checks one value; binding the values of a
run is the engine's job (:mod:`pitstop.engine.params`)."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from typing import Literal

PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
"""What a parameter may be called (it also becomes ``PITSTOP_PARAM_<NAME>``)."""
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


@dataclasses.dataclass(frozen=True)
class ParamSpec:
    """One declared parameter of a workflow or task (``[workflows.NAME.params.P]``)."""

    type: Literal["string", "integer", "number", "boolean"] = "string"
    """How a value is checked and written: ``string``, ``integer``, ``number``, ``boolean``."""
    default: str | int | float | bool | None = None
    """The value when none is given (none: the parameter is empty unless required)."""
    required: bool = False
    """A run without a value is refused (exit 3)."""
    choices: tuple[str | int | float, ...] = ()
    """The only values accepted."""
    pattern: str | None = None
    """A regular expression the whole value must match."""
    secret: bool = False
    """Masked in every log and output, and never stored (a retry asks for it again)."""
    description: str = ""
    """What the parameter is for (shown by ``pitstop tasks`` and the web page's form)."""

    def __post_init__(self) -> None:
        if self.choices and self.pattern is not None:
            raise ValueError("choices: give choices or a pattern, not both")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern: not a valid regular expression ({exc})") from None
        if self.required and self.default is not None:
            raise ValueError("required: a parameter with a default is never missing; drop "
                             "required or the default")
        for choice in self.choices:
            try:
                self.coerce(choice, check_choices=False)
            except ValueError as exc:
                raise ValueError(f"choices: {exc}") from None
        if self.default is not None:
            try:
                self.coerce(self.default)
            except ValueError as exc:
                raise ValueError(f"default: {exc}") from None

    def coerce(self, value: object, *, check_choices: bool = True) -> str:
        """``value`` checked against the declaration and written as the string tasks see
        (booleans as ``true``/``false``); raises :class:`ValueError` saying why not."""
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int | float | str):
            text = str(value).strip() if not isinstance(value, str) else value
        else:
            raise ValueError(f"expected a {self.type}, got {value!r}")
        if self.type == "integer":
            if isinstance(value, bool) or not re.fullmatch(r"[+-]?\d+", text.strip()):
                raise ValueError(f"expected an integer, got {value!r}")
            text = str(int(text))
        elif self.type == "number":
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if isinstance(value, bool) or not math.isfinite(number):
                raise ValueError(f"expected a number, got {value!r}")
            text = text.strip()
        elif self.type == "boolean":
            folded = text.strip().lower()
            if folded not in _TRUE + _FALSE:
                raise ValueError(f"expected true or false, got {value!r}")
            text = "true" if folded in _TRUE else "false"
        if check_choices and self.choices:
            allowed = [self.coerce(c, check_choices=False) for c in self.choices]
            if text not in allowed:
                raise ValueError(f"expected one of {', '.join(allowed)}, got {value!r}")
        if self.pattern is not None and not re.fullmatch(self.pattern, text):
            shown = "***" if self.secret else repr(text)
            raise ValueError(f"{shown} does not match the pattern {self.pattern!r}")
        return text


def check_param_names(params: Mapping[str, ParamSpec]) -> None:
    for name in params:
        if not PARAM_NAME.match(name):
            raise ValueError(f"params: {name!r} is not a parameter name (letters, digits, "
                             "'_' and '-', starting with a letter or '_')")
