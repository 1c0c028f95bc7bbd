"""The check interface: result types, the :class:`Check` protocol and the registry of
check kinds.

A *kind* (``env``, ``database``, ``redis`` …) is one module that registers a
*factory*: given the settings it returns the :class:`Check` objects it contributes
(none when it is not configured, several for ``http``/``tcp``).  A check's ``run``
returns a :class:`CheckResult`; it may raise any
:class:`~pitstop.errors.PitstopError` instead, which the runner turns into a failed
result carrying the error's exit code (4 unreachable, 3 bad configuration, 2 missing
driver, 5 refused, 1 anything else).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pitstop.errors import DependencyError

if TYPE_CHECKING:
    from pitstop.checks.settings import ChecksSettings
    from pitstop.config import Settings

Status = Literal["pass", "warn", "fail"]
_RANK: dict[str, int] = {"pass": 0, "warn": 1, "fail": 2}


@dataclasses.dataclass(frozen=True)
class Observed:
    """One measured value with its unit (``None`` for plain text/flags) and, when the
    value alone is worth a warning or failure, its own status."""

    value: Any
    unit: str | None = None
    status: Status | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"value": self.value, "unit": self.unit}
        if self.status is not None:
            data["status"] = self.status
        return data


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.  ``exit_code`` is 0 unless the check failed."""

    name: str
    kind: str
    status: Status
    message: str
    latency_seconds: float | None = None
    observed: Mapping[str, Observed] = dataclasses.field(default_factory=dict)
    hint: str | None = None
    exit_code: int = 0
    checked_at: dt.datetime = dataclasses.field(
        default_factory=lambda: dt.datetime.now(dt.UTC)
    )

    @property
    def ok(self) -> bool:
        return self.status != "fail"


def worst(statuses: Sequence[Status]) -> Status:
    """The worst of ``statuses`` (``pass`` for none)."""
    result: Status = "pass"
    for status in statuses:
        if _RANK[status] > _RANK[result]:
            result = status
    return result


@dataclasses.dataclass(frozen=True)
class Probe:
    """What a check kind measured: the raw material of a :class:`CheckResult`."""

    message: str
    observed: dict[str, Observed] = dataclasses.field(default_factory=dict)
    status: Status | None = None
    """Overall status; ``None`` means the worst status among ``observed``."""
    hint: str | None = None
    exit_code: int = 0


@dataclasses.dataclass(frozen=True)
class CheckEnv:
    """What every check may look at: the settings and the process environment
    (passed in by the caller — the library never reads ``os.environ``)."""

    settings: Settings
    checks: ChecksSettings
    environ: Mapping[str, str]


class Check(Protocol):
    """One runnable check."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def timeout(self) -> float: ...

    def run(self, timeout: float) -> Probe:
        """Measure, spending at most about ``timeout`` seconds in network calls."""
        ...


@dataclasses.dataclass(frozen=True)
class FunctionCheck:
    """A :class:`Check` made of a name, a kind, a timeout and a function."""

    name: str
    kind: str
    timeout: float
    func: Callable[[float], Probe]
    imports: tuple[str, ...] = ()
    """Modules to import before the clock starts (drivers), so latency is the service's."""

    def run(self, timeout: float) -> Probe:
        return self.func(timeout)


Factory = Callable[[CheckEnv], list[Check]]
"""Builds the checks of one kind from the settings (``[]`` when not configured)."""


@dataclasses.dataclass(frozen=True)
class Kind:
    name: str
    factory: Factory
    explicit: Factory | None = None
    """Builds the check when the user names it although it is not configured (so the
    result can say what is missing); ``None`` means the same as ``factory``."""


_KINDS: dict[str, Kind] = {}


def register(name: str, factory: Factory, *, explicit: Factory | None = None) -> None:
    """Register a check kind (called by each kind's module at import)."""
    _KINDS[name] = Kind(name, factory, explicit)


_imported: set[str] = set()


def kinds(extensions: Mapping[str, str] | None = None) -> dict[str, Kind]:
    """Every registered kind: the built-in ones (in report order), then those of the
    ``extensions`` (``settings.extensions["checks"]``: name → module registering it).
    A plugin module that cannot be imported is a warning naming it, once; its kind is
    then unknown."""
    import importlib
    import logging

    from pitstop.checks.descriptor import CAPABILITY

    builtin = [kind.name for kind in CAPABILITY.check_kinds]
    targets = {kind.name: kind.target for kind in CAPABILITY.check_kinds}
    for name, target in (extensions or {}).items():
        targets.setdefault(name, target)
    for name, target in targets.items():
        if target in _imported:
            continue
        _imported.add(target)
        if name in builtin:
            importlib.import_module(target)
            continue
        try:
            importlib.import_module(target.partition(":")[0])
        except Exception as exc:  # noqa: BLE001 - a broken plugin never breaks the others
            logging.getLogger("pitstop.plugins").warning(
                "check kind %s (plugin module %s) could not be loaded and is ignored: %s: %s",
                name, target, type(exc).__name__, exc)
    order = {name: i for i, name in enumerate(builtin)}
    return {name: _KINDS[name]
            for name in sorted(_KINDS, key=lambda n: (order.get(n, len(order)), n))}


_OTHER_EXTRAS = {"redis": "redis"}
"""Drivers of services that are not databases, and the extra that installs each (the
database drivers are in :data:`pitstop.db.dialects.TABLE`)."""


def _extra_for(module: str) -> str | None:
    """The ``pitstop[extra]`` that installs ``module`` (``psycopg_binary`` is psycopg's)."""
    from pitstop.db.dialects import TABLE

    for entry in TABLE:
        if entry.driver and (module == entry.driver or module.startswith(f"{entry.driver}_")):
            return entry.extra
    return _OTHER_EXTRAS.get(module)


def missing_module(exc: ImportError, module: str | None = None) -> DependencyError:
    """A driver or library that cannot be imported (not installed, or installed without
    what it needs, such as psycopg without libpq), as a :class:`DependencyError`;
    ``module`` names it when the error does not."""
    name = (exc.name or module or "").split(".")[0]
    extra = _extra_for(name)
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    hint = (f"install it with: pip install 'pitstop[{extra}]'" if extra else
            "reinstall pitstop and its dependencies: pip install --force-reinstall pitstop")
    return DependencyError(f"cannot import {name or 'a module'}: {reason}", hint=hint)


def timeout_for(own: float | None, checks: ChecksSettings) -> float:
    return own if own is not None else checks.timeout
