"""The capability contract: how a capability declares itself, the one verb shape, and
the one result shape every front renders.

A capability (``migrate``, ``backup``, ``checks`` … or a third-party package) declares
itself once, in a cheap module of its own package (``pitstop/<name>/descriptor.py``)::

    CAPABILITY = Capability(
        name="migrate", summary="SQL migrations …", docs="docs/migrate.md",
        sections=(Section("migrate", "pitstop.migrate.settings:MigrateSettings"),),
        commands=(Command("migrate", "pitstop.cli.migrate_cmd:migrate", "Apply …"),),
        verbs=(Verb("up", "pitstop.migrate:up", "Apply pending migrations.", "write"),),
        tasks=(Task("migrate", "pitstop.backup.premigrate:migrate_task", "Apply …"),),
    )

and :mod:`pitstop.registry` collects the descriptors.  Targets are ``"module:attr"``
strings imported only when used, so listing commands, tasks and sections costs nothing.

Every verb has one shape::

    verb(settings, *, progress=None, **options) -> Result

where ``settings`` is the project's :class:`~pitstop.config.Settings`, ``progress`` an
optional :class:`Progress` callback, and the result a frozen dataclass deriving from
:class:`Result`, whose one :meth:`Result.to_dict` is what ``--json``, the run record,
built-in tasks and every later front use.

Built-in workflow tasks use :class:`TaskContext` and return a :class:`TaskOutcome`;
they call the same verbs the CLI calls.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import enum
import functools
import importlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple, ParamSpec, Protocol, TypeVar

if TYPE_CHECKING:
    import logging

    from pitstop.config import Settings

Level = Literal["read", "write", "admin"]
"""What a verb or task may do: ``read`` inspects, ``write`` changes, ``admin`` can lose
data or lock people out (restore, migrate down, deploy extensions)."""

Trigger = Literal["cli", "workflow", "web", "schedule", "catchup", "worker", "api"]
"""Which front started a run."""


def load_target(target: str) -> Any:
    """Import ``"module:attribute"`` and return the attribute."""
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise ValueError(f"expected 'module:attribute', got {target!r}")
    value = importlib.import_module(module_name)
    for part in attr.split("."):
        value = getattr(value, part)
    return value


class Progress(Protocol):
    """The one progress seam: ``progress(done, total)``, ``total`` ``None`` when unknown.

    Called from the working thread; units are the verb's (bytes, files, targets)."""

    def __call__(self, done: int, total: int | None, /) -> None: ...


# -- results ------------------------------------------------------------------------------
def jsonable(value: Any) -> Any:
    """``value`` as JSON-ready data: results and dataclasses as dicts, datetimes as ISO
    8601 in UTC, paths as strings, tuples/sets as lists, enums by value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and not isinstance(value, type):
        return to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not f.name.startswith("_")}
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.isoformat()
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


class Result:
    """Base of every verb's result; each result is a frozen dataclass deriving from it,
    with one :meth:`to_dict`.

    ``to_dict`` lists the dataclass fields in declaration order (fields starting with
    ``_`` are private), plus the names in :attr:`derived` (properties worth showing),
    converted by :func:`jsonable`, with secrets masked.  A subclass that needs a
    different shape overrides :meth:`data` — never ``to_dict`` — so masking stays in
    one place.
    """

    derived: ClassVar[tuple[str, ...]] = ()

    def data(self) -> dict[str, Any]:
        """The result as plain data, before masking."""
        data = {f.name: jsonable(getattr(self, f.name))
                for f in dataclasses.fields(self)  # type: ignore[arg-type]  # subclasses are
                if not f.name.startswith("_")}
        for name in self.derived:
            data[name] = jsonable(getattr(self, name))
        return data

    def to_dict(self) -> dict[str, Any]:
        """Stable keys, ISO timestamps, secrets masked: what ``--json`` prints, the run
        record stores and every front shows."""
        from pitstop.redact import redact_data

        masked: dict[str, Any] = redact_data(self.data())
        return masked

    def summary(self) -> dict[str, Any]:
        """What the history keeps of this result: :meth:`to_dict`, unless a result that
        can grow large (a status of a thousand migrations) keeps the telling part —
        counts and what needs attention — and ``--json`` prints the whole."""
        return self.to_dict()

    @property
    def exit_code(self) -> int:
        """The exit code this outcome means on its own (0; a dry run 10; failed checks
        1 …).  Fronts may still decide otherwise for their options."""
        return 0


# -- the descriptor -----------------------------------------------------------------------
class Verb(NamedTuple):
    """One thing a capability does, callable from every front."""

    name: str
    """The verb's name within its capability: ``up``, ``create`` …"""
    target: str
    """``"module:function"`` of ``fn(settings, *, progress=None, **options) -> Result``."""
    summary: str
    level: Level = "read"
    recorded: bool = True
    """Whether each call is recorded as a run (read-only listings are not)."""
    command: tuple[str, ...] = ()
    """The CLI path (``("migrate", "up")``); empty: ``(capability, name)``."""

    def load(self) -> Callable[..., Any]:
        func: Callable[..., Any] = load_target(self.target)
        return func


class Command(NamedTuple):
    """A top-level CLI command (usually a group) the capability contributes."""

    name: str
    target: str
    """``"module:attribute"`` of the click command."""
    summary: str


class Task(NamedTuple):
    """A built-in workflow task: ``fn(ctx: TaskContext) -> TaskOutcome``."""

    name: str
    target: str
    description: str
    level: Level = "write"
    needs: tuple[str, ...] = ()
    verb: str | None = None
    """The verb it calls (``"migrate up"``), so the run record names it."""

    def load(self) -> Callable[[TaskContext], TaskOutcome]:
        func: Callable[[TaskContext], TaskOutcome] = load_target(self.target)
        return func


class Section(NamedTuple):
    """A configuration table owned by the capability, parsed into a frozen dataclass."""

    name: str
    """The table: ``migrate`` for ``[migrate]``."""
    target: str
    """``"module:DataclassName"``; every key is a field with a default and a docstring."""


class Extension(NamedTuple):
    """A pluggable piece of a capability: a check kind, a report format …"""

    name: str
    target: str
    summary: str = ""


class Capability(NamedTuple):
    """Everything pitstop knows about one capability, declared once."""

    name: str
    summary: str
    docs: str
    """The documentation page, relative to the repository (``docs/migrate.md``), or a URL
    for a third-party capability."""
    verbs: tuple[Verb, ...] = ()
    commands: tuple[Command, ...] = ()
    tasks: tuple[Task, ...] = ()
    sections: tuple[Section, ...] = ()
    check_kinds: tuple[Extension, ...] = ()
    reporters: tuple[Extension, ...] = ()
    observers: tuple[Extension, ...] = ()
    """Run observers (``fn(settings, event: RunEvent)``) the fronts install: told when
    any recorded run starts and finishes (notifications)."""
    origin: str = "pitstop"
    """``pitstop`` for a built-in capability, else the distribution that provides it."""

    def verb(self, name: str) -> Verb:
        for verb in self.verbs:
            if verb.name == name:
                return verb
        raise KeyError(f"capability {self.name!r} has no verb {name!r}")

    def command_path(self, verb: Verb) -> tuple[str, ...]:
        return verb.command or (self.name, verb.name)


# -- built-in tasks ------------------------------------------------------------------------
TaskStatus = Literal["success", "failed", "skipped", "timeout", "interrupted", "dry-run"]


@dataclasses.dataclass(frozen=True)
class TaskOutcome:
    """What a built-in task returns.

    ``exit_code`` follows pitstop's table (0 ok, 1 error, 2 dependency …); ``data`` is
    stored on the task's record (JSON-ready: usually the verb result's ``to_dict()``).
    """

    status: TaskStatus = "success"
    exit_code: int = 0
    message: str = ""
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class TaskContext:
    """Everything a built-in task may use."""

    name: str
    settings: Settings
    run_id: str
    log: logging.LoggerAdapter[logging.Logger]
    dry_run: bool = False
    timeout: float | None = None
    cancel: threading.Event = dataclasses.field(default_factory=threading.Event)
    results: dict[str, TaskOutcome] = dataclasses.field(default_factory=dict)
    """Outcomes of the tasks that already finished in this run (read-only by convention)."""
    environ: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """The environment pitstop was started with (``VIRTUAL_ENV``, required variables…);
    built-in tasks read it from here, never from ``os.environ``."""
    user: str | None = None
    """Who started the run (recorded on the verb runs the task makes)."""
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """The run's parameter values (what the workflow declares; secrets included, so
    never log them unmasked)."""

    def verb_settings(self) -> Settings:
        """The run's settings as the verbs a task calls see them: reading the
        environment the engine was started with (:attr:`environ`)."""
        if not self.environ or self.environ == self.settings.environ:
            return self.settings
        return dataclasses.replace(self.settings, environ=dict(self.environ))


# -- one history: every verb call recorded, whichever front made it ----------------------
class Invocation(NamedTuple):
    """Who is calling verbs right now: set by each front around its work."""

    trigger: Trigger = "api"
    user: str | None = None
    parent_id: str | None = None
    """The run this call belongs to (a workflow run, or the verb that called this one)."""
    capability: str | None = None
    """The capability whose verb is running (its calls to its own verbs are part of it)."""
    record: bool = True
    """False: calls in this block only look (a page showing migration status each time
    it is viewed) and are not recorded as runs."""


class RunToken(Protocol):
    run_id: str | None


class Recorder(Protocol):
    """Writes verb calls into the history (:class:`pitstop.state.recorder.StateRecorder`).

    Never raises: a history that cannot be written is a warning, not a failed verb."""

    def start(self, settings: Settings, capability: str, verb: str,
              options: Mapping[str, Any], invocation: Invocation) -> RunToken: ...

    def finish(self, token: RunToken, *, result: Any = None,
               error: BaseException | None = None) -> None: ...


class RunEvent(NamedTuple):
    """A recorded run started or finished: what :class:`RunObserver`\\ s are told.

    Only top-level runs are announced — a workflow or task run, or a verb called
    directly from a front — never the verb runs a workflow makes."""

    event: Literal["start", "finish"]
    run_id: str
    target: str
    """The workflow or task name, or ``"capability verb"``."""
    kind: str
    """``workflow``, ``task`` or ``verb``."""
    trigger: str
    status: str | None = None
    """How the run ended (``success``, ``failed``, ``interrupted``, ``dry-run``);
    ``None`` at the start."""
    exit_code: int | None = None
    capability: str | None = None


class RunObserver(Protocol):
    """Told of every run start and finish (:func:`announce`).  May be slow (it sends
    notifications) but must never raise into the run; :func:`announce` turns an
    exception into one warning."""

    def __call__(self, settings: Settings, event: RunEvent, /) -> None: ...


_recorder: Recorder | None = None
_observers: tuple[RunObserver, ...] = ()
_invocation: contextvars.ContextVar[Invocation] = contextvars.ContextVar(
    "pitstop_invocation", default=Invocation())  # noqa: B039 - frozen, never mutated


def install_recorder(recorder: Recorder | None) -> Recorder | None:
    """Make ``recorder`` write every verb call from now on (``None``: stop recording);
    returns the previous one.  Fronts call this once at start-up."""
    global _recorder
    previous, _recorder = _recorder, recorder
    return previous


def install_observers(observers: tuple[RunObserver, ...]) -> tuple[RunObserver, ...]:
    """Tell ``observers`` of every run from now on; returns the previous ones.  Fronts
    install :func:`pitstop.registry.observers` at start-up, with the recorder."""
    global _observers
    previous, _observers = _observers, tuple(observers)
    return previous


def announce(settings: Settings, event: RunEvent) -> None:
    """Tell every installed observer about ``event``.  Never raises: an observer that
    fails is one warning, and the run's status and exit code stay what they were."""
    announce_to(_observers, settings, event)


def announce_to(observers: Iterable[RunObserver], settings: Settings, event: RunEvent) -> None:
    """:func:`announce` to ``observers``."""
    for observer in observers:
        try:
            observer(settings, event)
        except Exception as exc:  # noqa: BLE001 - an observer never breaks a run
            import logging

            from pitstop.redact import redact

            logging.getLogger("pitstop.observers").warning("run %s: an observer failed: %s", event.run_id,
                         redact(f"{type(exc).__name__}: {exc}"))


def current_invocation() -> Invocation:
    return _invocation.get()


@contextlib.contextmanager
def invocation(**changes: Any) -> Iterator[Invocation]:
    """Run the block as ``Invocation(**changes)`` on top of the current one."""
    value = _invocation.get()._replace(**changes)
    token = _invocation.set(value)
    try:
        yield value
    finally:
        _invocation.reset(token)


P = ParamSpec("P")
R = TypeVar("R")


def recorded(capability: str, verb: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare ``fn(settings, *, progress=None, **options)`` as ``capability``'s verb
    ``verb``: each call is recorded as a run (options, outcome, the result's
    ``to_dict()``; callbacks and cancel events are not options and are left out) by the
    installed :class:`Recorder`, as its own run or, when called
    from inside another run, as that run's child.  A verb that calls another verb of its
    own capability (``validate`` reading ``status``) makes one run, not two."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            recorder = _recorder
            outer = _invocation.get()
            if recorder is None or not args or outer.capability == capability \
                    or not outer.record or not hasattr(args[0], "state"):
                return func(*args, **kwargs)
            settings = args[0]
            options = {k: v for k, v in kwargs.items() if k != "progress" and v is not None
                       and not callable(v) and not isinstance(v, threading.Event)}
            token = recorder.start(settings, capability, verb, options,  # type: ignore[arg-type]
                                   outer)
            scope = _invocation.set(outer._replace(
                parent_id=token.run_id or outer.parent_id, capability=capability))
            try:
                result = func(*args, **kwargs)
            except BaseException as exc:
                _invocation.reset(scope)
                recorder.finish(token, error=exc)
                raise
            _invocation.reset(scope)
            recorder.finish(token, result=result)
            return result

        wrapper.__pitstop_verb__ = (capability, verb)  # type: ignore[attr-defined]
        return wrapper

    return decorate
