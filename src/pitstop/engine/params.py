"""Parameters of a run: the values given for what a workflow or task declares.

A workflow (``[workflows.deploy.params.version]``) or a task run on its own
(``[tasks.seed.params.n]``) declares its parameters; :func:`bind` checks the values a
front was given against them — unknown, invalid or missing values are a
:class:`~pitstop.errors.ConfigError` (exit 3) — and fills in defaults.  Tasks use them
as ``{{ params.NAME }}`` in ``run`` and ``env`` (:func:`substitute`) and as
``PITSTOP_PARAM_<NAME>`` in their environment.  Secret values are registered with the
redactor (masked in every log line and output from then on) and never stored: the run
record keeps ``***`` in their place.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import shlex
from collections.abc import Mapping
from typing import Any

from pitstop.config import Settings
from pitstop.config_params import ParamSpec
from pitstop.errors import ConfigError
from pitstop.redact import MASK, register_secret

PLACEHOLDER = re.compile(r"\{\{\s*params\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}")
"""``{{ params.NAME }}`` in a task's ``run`` or ``env``."""


def env_name(name: str) -> str:
    """The environment variable a parameter is exported as: ``PITSTOP_PARAM_<NAME>``."""
    return "PITSTOP_PARAM_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


@dataclasses.dataclass(frozen=True)
class Parameter:
    """A declared parameter, as a form (the web page's runbook) shows it."""

    name: str
    type: str
    default: str | None
    required: bool
    choices: tuple[str, ...]
    pattern: str | None
    secret: bool
    description: str

    @classmethod
    def of(cls, name: str, spec: ParamSpec) -> Parameter:
        default = None if spec.default is None else spec.coerce(spec.default)
        return cls(name, spec.type, MASK if spec.secret and default else default,
                   spec.required, tuple(spec.coerce(c, check_choices=False)
                                        for c in spec.choices),
                   spec.pattern, spec.secret, spec.description)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class BoundParams:
    """The parameter values of one run (defaults applied; checked)."""

    values: Mapping[str, str] = dataclasses.field(default_factory=dict)
    secret: frozenset[str] = frozenset()

    def stored(self) -> dict[str, str]:
        """What the history keeps: every value, secrets as ``***``."""
        return {name: MASK if name in self.secret else value
                for name, value in self.values.items()}

    def environ(self) -> dict[str, str]:
        """``PITSTOP_PARAM_<NAME>`` for every parameter with a value."""
        return {env_name(name): value for name, value in self.values.items()}


def declarations(settings: Settings, target: str) -> Mapping[str, ParamSpec]:
    """What workflow or task ``target`` declares (empty for anything else)."""
    if target in settings.workflows:
        return settings.workflow_params.get(target, {})
    spec = settings.tasks.get(target)
    return spec.params if spec is not None else {}


def parameters(settings: Settings, target: str) -> tuple[Parameter, ...]:
    """The declarations of ``target`` as :class:`Parameter`\\ s, for building a form."""
    return tuple(Parameter.of(name, spec)
                 for name, spec in declarations(settings, target).items())


def bind(declared: Mapping[str, ParamSpec], given: Mapping[str, Any], *, target: str,
         kind: str) -> BoundParams:
    """Check ``given`` against ``declared`` and apply defaults.

    Raises :class:`ConfigError` (exit 3) for an unknown name, a value the declaration
    refuses, or a required parameter without a value."""
    what = f"{kind} '{target}'"
    for name in given:
        if name not in declared:
            if not declared:
                raise ConfigError(f"{what} declares no parameters, but '{name}' was given",
                                  hint=f"declare it as [{_table(kind)}.{target}.params.{name}]")
            close = difflib.get_close_matches(name, list(declared), n=1)
            suggestion = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(f"unknown parameter '{name}' for {what}{suggestion}",
                              hint=f"it declares: {', '.join(declared)}")
    values: dict[str, str] = {}
    secret: set[str] = set()
    for name, spec in declared.items():
        if spec.secret:
            secret.add(name)
        raw = given.get(name, spec.default)
        if raw is None:
            if spec.required:
                raise ConfigError(f"parameter '{name}' of {what} is required and was not "
                                  "given", hint=_describe(name, spec))
            continue
        if spec.secret and isinstance(raw, str):
            register_secret(raw)  # masked even in the error below
        try:
            value = spec.coerce(raw)
        except ValueError as exc:
            raise ConfigError(f"parameter '{name}' of {what}: {exc}",
                              hint=_describe(name, spec)) from None
        if spec.secret:
            register_secret(value)
        values[name] = value
    return BoundParams(values, frozenset(secret))


def _table(kind: str) -> str:
    return "workflows" if kind == "workflow" else "tasks"


def _describe(name: str, spec: ParamSpec) -> str:
    parts = [f"{name}: {spec.type}"]
    if spec.choices:
        parts.append("one of " + ", ".join(str(c) for c in spec.choices))
    if spec.pattern:
        parts.append(f"matching {spec.pattern!r}")
    if spec.description:
        parts.append(spec.description)
    return "; ".join(parts)


def used_names(text: str) -> list[str]:
    """The parameter names ``text`` refers to with ``{{ params.NAME }}``."""
    return PLACEHOLDER.findall(text)


def substitute(text: str, values: Mapping[str, str], *, shell: bool) -> str:
    """``text`` with each ``{{ params.NAME }}`` replaced by the value (``""`` when the
    parameter has none), quoted for ``/bin/sh`` when ``shell``."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1), "")
        return shlex.quote(value) if shell else value

    return PLACEHOLDER.sub(replace, text)


def parse_assignments(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["version=1.2.3", …]`` as a mapping; a malformed item is a ConfigError."""
    given: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"expected NAME=VALUE, got {item!r}")
        if name.strip() in given:
            raise ConfigError(f"parameter '{name.strip()}' is given twice")
        given[name.strip()] = value
    return given
