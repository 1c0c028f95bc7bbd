"""The one registry of capabilities: pitstop's own and those of installed plugins.

Adding a built-in capability is one line in :data:`BUILTIN`; a third-party package adds
one with an entry point::

    [project.entry-points."pitstop.capabilities"]
    deploy = "pitstop_deploy.descriptor:CAPABILITY"

    [project.entry-points."pitstop.checks"]       # a check kind: module registering it
    kafka = "pitstop_kafka.check"

    [project.entry-points."pitstop.reporters"]    # a scan report format
    gitlab = "pitstop_gitlab:render"

Entry points are found by reading the installed distributions' ``entry_points.txt``
(no import, about a millisecond) and loaded only when used.  A plugin that cannot be
loaded is a warning naming it, never a failure of an unrelated command.

Fronts (CLI, web, scheduler, workers) ask the registry for commands, tasks, verbs and
configuration sections, and hand them down: :func:`load_settings` passes the sections
and extensions to :func:`pitstop.config.load_settings`, and the engine gets
:func:`tasks`.  Nothing below the fronts imports this module.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pitstop.capability import Capability, Command, Task, Verb, load_target

if TYPE_CHECKING:
    from pitstop.capability import RunEvent, RunObserver
    from pitstop.config import Settings



def _warn(message: str, *args: object) -> None:
    """A warning about a plugin (logging is imported only when there is one)."""
    import logging

    logging.getLogger("pitstop.plugins").warning(message, *args)

BUILTIN: tuple[str, ...] = (
    "pitstop.migrate.descriptor:CAPABILITY",
    "pitstop.db.descriptor:CAPABILITY",
    "pitstop.backup.descriptor:CAPABILITY",
    "pitstop.checks.descriptor:CAPABILITY",
    "pitstop.bench.descriptor:CAPABILITY",
    "pitstop.scan.descriptor:CAPABILITY",
    "pitstop.release.descriptor:CAPABILITY",
    "pitstop.suite.descriptor:CAPABILITY",
    "pitstop.schedule.descriptor:CAPABILITY",
    "pitstop.notify.descriptor:CAPABILITY",
    "pitstop.audit.descriptor:CAPABILITY",
    "pitstop.serve.descriptor:CAPABILITY",
    "pitstop.api.descriptor:CAPABILITY",
    "pitstop.backend.descriptor:CAPABILITY",
    "pitstop.workers.descriptor:CAPABILITY",
)
"""Every built-in capability's descriptor, in the order of ``pitstop --help``."""

GROUPS = ("pitstop.capabilities", "pitstop.checks", "pitstop.reporters")
Group = Literal["pitstop.capabilities", "pitstop.checks", "pitstop.reporters"]


class EntryPoint(NamedTuple):
    group: str
    name: str
    target: str
    distribution: str
    version: str


class PluginInfo(NamedTuple):
    """One entry point of an installed plugin, and whether it loads."""

    group: str
    name: str
    target: str
    distribution: str
    version: str
    ok: bool
    error: str | None = None


_lock = threading.RLock()
_capabilities: dict[str, Capability] | None = None
_entry_points: list[EntryPoint] | None = None
_failures: dict[tuple[str, str], str] = {}


# -- entry points ------------------------------------------------------------------------
def _dist_name(directory: str) -> tuple[str, str]:
    stem = directory.rsplit(".", 1)[0]  # name-1.2.dist-info -> name-1.2
    name, _, version = stem.partition("-")
    return name, version


def _read_entry_points(path: str, distribution: str, version: str) -> list[EntryPoint]:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return []
    if "[pitstop." not in text:
        return []
    import configparser

    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep names' case
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        _warn("plugin %s: unreadable entry_points.txt (%s); ignored", distribution, exc)
        return []
    found = []
    for group in GROUPS:
        if parser.has_section(group):
            for name, target in parser.items(group):
                found.append(EntryPoint(group, name.strip(), target.strip(), distribution,
                                        version))
    return found


def entry_points(search_path: list[str] | None = None) -> list[EntryPoint]:
    """pitstop's entry points of the distributions on ``sys.path`` (first one wins when
    a distribution is installed twice, as ``importlib.metadata`` decides)."""
    global _entry_points
    if search_path is None and _entry_points is not None:
        return _entry_points
    seen: set[str] = set()
    found: list[EntryPoint] = []
    for directory in sys.path if search_path is None else search_path:
        try:
            names = os.listdir(directory or ".")
        except OSError:
            continue
        for entry in names:
            if not entry.endswith((".dist-info", ".egg-info")):
                continue
            distribution, version = _dist_name(entry)
            key = distribution.lower().replace("_", "-")
            if key in seen:
                continue
            seen.add(key)
            found.extend(_read_entry_points(os.path.join(directory or ".", entry,
                                                         "entry_points.txt"),
                                            distribution, version))
    if search_path is None:
        _entry_points = found
    return found


def _warn_once(point: EntryPoint, exc: BaseException) -> None:
    key = (point.group, point.name)
    message = f"{type(exc).__name__}: {exc}"
    if key not in _failures:
        _failures[key] = message
        _warn("plugin %s (%s %s, entry point %s = %s) could not be loaded and is "
                    "ignored: %s", point.name, point.distribution, point.version, point.group,
                    point.target, message)


# -- capabilities -------------------------------------------------------------------------
def _load_capability(target: str) -> Capability:
    value = load_target(target)
    if not isinstance(value, Capability):
        raise TypeError(f"{target} is a {type(value).__name__}, not a pitstop Capability")
    return value


def capabilities() -> dict[str, Capability]:
    """Every capability by name: the built-in ones, then those of plugins that load."""
    global _capabilities
    with _lock:
        if _capabilities is not None:
            return _capabilities
        found: dict[str, Capability] = {}
        for target in BUILTIN:
            capability = _load_capability(target)
            found[capability.name] = capability
        for point in entry_points():
            if point.group != "pitstop.capabilities":
                continue
            try:
                capability = _load_capability(point.target)
                if capability.name in found:
                    raise ValueError(f"a capability named {capability.name!r} exists already")
                taken = _taken_names(found)
                clash = ({c.name for c in capability.commands} & taken["commands"]
                         or {t.name for t in capability.tasks} & taken["tasks"]
                         or {s.name for s in capability.sections} & taken["sections"])
                if clash:
                    raise ValueError(f"it redefines {', '.join(sorted(clash))}")
            except Exception as exc:  # noqa: BLE001 - a broken plugin never breaks pitstop
                _warn_once(point, exc)
                continue
            found[capability.name] = capability._replace(origin=point.distribution)
        _capabilities = found
        return found


def _taken_names(found: Mapping[str, Capability]) -> dict[str, set[str]]:
    return {
        "commands": {c.name for cap in found.values() for c in cap.commands},
        "tasks": {t.name for cap in found.values() for t in cap.tasks},
        "sections": {s.name for cap in found.values() for s in cap.sections},
    }


def capability(name: str) -> Capability:
    try:
        return capabilities()[name]
    except KeyError:
        raise KeyError(f"no capability named {name!r}") from None


def verb(capability_name: str, verb_name: str) -> Verb:
    return capability(capability_name).verb(verb_name)


def commands() -> dict[str, tuple[Capability, Command]]:
    """Top-level CLI commands contributed by capabilities, by name."""
    return {command.name: (cap, command) for cap in capabilities().values()
            for command in cap.commands}


def tasks() -> dict[str, Task]:
    """Built-in workflow tasks by name."""
    return {task.name: task for cap in capabilities().values() for task in cap.tasks}


def sections() -> dict[str, str]:
    """Configuration tables owned by capabilities: name → ``module:Dataclass``."""
    return {section.name: section.target for cap in capabilities().values()
            for section in cap.sections}


def extensions() -> dict[str, dict[str, str]]:
    """Pluggable pieces by group (``checks``, ``reporters``): name → target.

    Built-in ones come from the descriptors; plugins' from their entry points, loaded by
    the capability that uses them (a failure there is that plugin's warning)."""
    found: dict[str, dict[str, str]] = {"checks": {}, "reporters": {}}
    for cap in capabilities().values():
        for kind in cap.check_kinds:
            found["checks"][kind.name] = kind.target
        for reporter in cap.reporters:
            found["reporters"][reporter.name] = reporter.target
    for point in entry_points():
        group = point.group.removeprefix("pitstop.")
        if group in found and point.name not in found[group]:
            found[group][point.name] = point.target
    return found


class _Observers:
    """Every capability's run observers, imported on the first event (so installing
    them costs a front nothing at start-up)."""

    def __init__(self) -> None:
        self._loaded: list[Any] | None = None

    def _load(self) -> list[Any]:
        with _lock:
            if self._loaded is None:
                loaded = []
                for cap in capabilities().values():
                    for observer in cap.observers:
                        try:
                            loaded.append(load_target(observer.target))
                        except Exception as exc:  # noqa: BLE001 - a plugin never breaks a run
                            _warn("run observer %s of %s cannot be loaded and is "
                                        "ignored: %s: %s", observer.target, cap.name,
                                        type(exc).__name__, exc)
                self._loaded = loaded
            return self._loaded

    def __call__(self, settings: Settings, event: RunEvent, /) -> None:
        from pitstop.capability import announce_to

        announce_to(self._load(), settings, event)


def observers() -> tuple[RunObserver, ...]:
    """What fronts install with :func:`pitstop.capability.install_observers`: every
    capability's run observers (notifications …), loaded when a run is first announced."""
    return (_Observers(),)


def plugins(*, load: bool = True) -> list[PluginInfo]:
    """Every pitstop entry point installed, and (``load``) whether it imports."""
    capabilities()
    report = []
    for point in entry_points():
        error = _failures.get((point.group, point.name))
        if error is None and load and point.group != "pitstop.capabilities":
            try:
                load_extension(point.target)
            except Exception as exc:  # noqa: BLE001 - reported, never raised
                error = f"{type(exc).__name__}: {exc}"
        report.append(PluginInfo(point.group, point.name, point.target, point.distribution,
                                 point.version, error is None, error))
    return report


def load_extension(target: str) -> Any:
    """An extension's target: ``module:attr``, or a bare module (imported for what it
    registers)."""
    if ":" in target:
        return load_target(target)
    import importlib

    return importlib.import_module(target)


# -- settings -----------------------------------------------------------------------------
def load_settings(cwd: Path | None = None, **options: Any) -> Settings:
    """:func:`pitstop.config.load_settings` with every capability's sections and the
    installed extensions: what every front calls."""
    from pitstop.config import load_settings as load
    from pitstop.db.resolve import check_setting_url

    settings = load(cwd, sections=sections(), extensions=extensions(), **options)
    check_setting_url(settings.state.url, "state.url", settings)
    return settings


def reset() -> None:
    """Forget what was discovered (tests that install plugins call this)."""
    global _capabilities, _entry_points
    with _lock:
        _capabilities = None
        _entry_points = None
        _failures.clear()
