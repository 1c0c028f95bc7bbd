"""Recording every verb call as a run: the :class:`~pitstop.capability.Recorder` that
fronts install.

Each call is one row in ``pitstop_runs`` (kind ``verb``): capability, verb, options
(secrets masked), trigger, user, host, pid, start, finish, exit code, status, error and
the result's ``to_dict()``.  The row is written when the call starts, so a ``kill -9``
leaves it ``running`` until a later run marks it ``abandoned``.

Recording is cheap — the standard library's ``sqlite3`` on the default state file —
and never makes a verb fail: a state store that cannot be written is one warning, and
the verb goes on unrecorded.  Outside a project (no ``pitstop.toml`` found and no state
URL given) nothing is recorded, so a command run in any directory leaves nothing there.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pitstop.errors import EXIT_ERROR, EXIT_INTERRUPTED, PitstopError
from pitstop.state import runs

if TYPE_CHECKING:
    from pitstop.capability import Invocation
    from pitstop.config import Settings

log = logging.getLogger("pitstop.history")

LEFTOVER_WINDOW_SECONDS = 24 * 3600.0
"""Processes of runs abandoned this recently are stopped when a new run starts."""


@dataclasses.dataclass
class Token:
    run_id: str | None
    url: str | None = None
    started: float = 0.0
    settings: Settings | None = None
    top_level: bool = False
    """A run of its own (no parent): its start and finish are announced to the run
    observers (:func:`pitstop.capability.announce`)."""
    capability: str = ""
    verb: str = ""
    trigger: str = ""


def status_for(exit_code: int) -> str:
    if exit_code == 0:
        return "success"
    if exit_code == 10:
        return "dry-run"
    if exit_code == EXIT_INTERRUPTED:
        return "interrupted"
    return "failed"


def outcome_of(result: Any = None, error: BaseException | None = None
               ) -> tuple[str, int, str | None, Mapping[str, Any] | None]:
    """``(status, exit_code, error message, result data)`` of a finished call."""
    if error is not None:
        if isinstance(error, KeyboardInterrupt):
            return "interrupted", EXIT_INTERRUPTED, "interrupted", None
        if isinstance(error, PitstopError):
            return status_for(error.exit_code), error.exit_code, error.message, None
        return "failed", EXIT_ERROR, f"{type(error).__name__}: {error}", None
    code = getattr(result, "exit_code", 0)
    code = code() if callable(code) else code
    summary = getattr(result, "summary", None) or getattr(result, "to_dict", None)
    data = summary() if callable(summary) else None
    return status_for(int(code or 0)), int(code or 0), None, data


def open_writer(url: str) -> runs.Writer:
    """A writer on the state database ``url`` whose tables are current (created or
    upgraded through :class:`~pitstop.state.store.StateStore` the first time)."""
    from pitstop.state import SCHEMA_VERSION

    writer = _connect(url)
    try:
        row = writer.execute("SELECT value FROM pitstop_meta WHERE key = 'schema_version'"
                             ).fetchone()
        current = row is not None and int(row[0]) >= SCHEMA_VERSION
    except Exception:  # noqa: BLE001 - no tables yet: the store creates them
        current = False
        writer.conn.rollback()
    if not current:
        writer.close()
        from pitstop.state.store import StateStore

        StateStore.connect(url).close()  # creates or upgrades the tables (or says why not)
        writer = _connect(url)
    return writer


def _connect(url: str) -> runs.Writer:
    from pitstop.db.url import parse_url

    db = parse_url(url)
    if db.sqlite_path is not None:
        import sqlite3

        from pitstop.private import make_private_dir

        make_private_dir(db.sqlite_path.parent)
        conn = sqlite3.connect(db.sqlite_path, timeout=30.0, isolation_level="DEFERRED",
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return runs.Writer(conn, "?", conn.close)
    from pitstop.db.connect import raw_connect

    conn = raw_connect(url)
    return runs.Writer(conn, "%s", conn.close)


class StateRecorder:
    """Records verb calls into the state database named by each call's settings."""

    def __init__(self, on_finish: Callable[[Settings], None] | None = None) -> None:
        """``on_finish(settings)`` is called after each recorded call ends (the CLI
        publishes the metrics there); its failures are warnings."""
        self._on_finish = on_finish
        self._writers: dict[str, runs.Writer] = {}
        self._broken: set[str] = set()
        self._lock = threading.RLock()

    def _writer(self, url: str) -> runs.Writer | None:
        if url in self._broken:
            return None
        writer = self._writers.get(url)
        if writer is None:
            writer = open_writer(url)
            self._writers[url] = writer
            self._sweep(writer)
        return writer

    def _sweep(self, writer: runs.Writer) -> None:
        """Mark runs whose process died; stop what recently abandoned runs left."""
        gone = runs.dead_runs(writer)
        runs.mark_abandoned(writer, gone)
        leftovers = runs.abandoned_with_leftovers(writer, time.time() - LEFTOVER_WINDOW_SECONDS)
        if leftovers:
            runs.stop_leftover_processes(leftovers)

    def _failed(self, url: str, exc: BaseException) -> None:
        self._broken.add(url)
        from pitstop.redact import mask_url

        reason = exc.message if isinstance(exc, PitstopError) else f"{type(exc).__name__}: {exc}"
        log.warning("history not recorded: the state store %s cannot be written (%s)",
                    mask_url(url), reason)

    def start(self, settings: Settings, capability: str, verb: str,
              options: Mapping[str, Any], invocation: Invocation) -> Token:
        from pitstop.capability import jsonable

        url = settings.state.url
        token = Token(None, url, time.time(), settings)
        if settings.config_file is None and "state.url" not in settings.origins:
            return token  # outside any project: no history to keep, nothing left behind
        with self._lock:
            try:
                writer = self._writer(url)
                if writer is None:
                    return token
                token.run_id = runs.insert_run(
                    writer, target=f"{capability} {verb}", kind="verb",
                    trigger=invocation.trigger, user=invocation.user or _os_user(),
                    params=_options(jsonable(dict(options))), started_at=token.started,
                    capability=capability, verb=verb, parent_id=invocation.parent_id)
            except Exception as exc:  # noqa: BLE001 - recording never fails the verb
                self._failed(url, exc)
        if token.run_id is not None and invocation.parent_id is None:
            token.top_level = True
            token.capability, token.verb = capability, verb
            token.trigger = invocation.trigger
            _announce(token, "start")
        return token

    def finish(self, token: Any, *, result: Any = None,
               error: BaseException | None = None) -> None:
        if token.run_id is None or token.url is None:
            return
        status, code, message, data = outcome_of(result, error)
        with self._lock:
            writer = self._writers.get(token.url)
            if writer is None:
                return
            try:
                runs.finish_run(writer, token.run_id, status, code, message, result=data)
            except Exception as exc:  # noqa: BLE001 - recording never fails the verb
                self._failed(token.url, exc)
                return
        if self._on_finish is not None and token.settings is not None:
            try:
                self._on_finish(token.settings)
            except Exception as exc:  # noqa: BLE001 - an observer never fails the verb
                log.warning("after recording %s: %s: %s", token.run_id, type(exc).__name__, exc)
        _announce(token, "finish", status, code)

    def close(self) -> None:
        with self._lock:
            for writer in self._writers.values():
                try:
                    writer.close()
                except Exception:  # noqa: BLE001 - closing is best effort
                    pass
            self._writers.clear()


def _announce(token: Token, event: str, status: str | None = None,
              code: int | None = None) -> None:
    if not token.top_level or token.settings is None or token.run_id is None:
        return  # a call inside another run: that run is announced
    from pitstop.capability import RunEvent, announce

    announce(token.settings, RunEvent(
        "start" if event == "start" else "finish", token.run_id,
        f"{token.capability} {token.verb}", "verb", token.trigger, status, code,
        token.capability))


def _os_user() -> str | None:
    """Who runs this process: the user of a call no front named a user for."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None


def _options(options: Any) -> dict[str, Any]:
    from pitstop.redact import redact_data

    masked: dict[str, Any] = redact_data(options)
    return masked
