"""The worker side: run one attempt a ``pitstop run`` sent, in this project, with this
project's settings, and stream its output back.

Each attempt runs in a Celery pool process (prefork) through the engine's own runner
(:meth:`pitstop.engine.runner.Runner.run_attempt`), so a command task is the same
subprocess, with the same timeout and process-group kill, as a local run, and a
built-in task calls the same verb.  Three things stop an attempt early:

- the run revokes it (Ctrl-C): Celery sends the pool process SIGTERM, which is turned
  into the runner's cancel (the command's process group is interrupted, then killed);
- the worker's main process dies (``kill -9``): the pool process notices it was
  orphaned, stops the command the same way and reports the attempt ``lost``;
- the attempt's own timeout, enforced by the runner as locally.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import signal
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from celery import Celery, Task

    from pitstop.config import Settings
    from pitstop.engine.runner import Event, TaskResult

_settings: Settings | None = None
POOL_VARIABLE = "PITSTOP_WORKER_POOL_PID"
"""Set for each command a worker runs: the pool process that started it."""
BATCH_SECONDS = 0.05


def use_settings(settings: Settings) -> None:
    """The project settings this worker process (and its pool, forked from it) uses."""
    global _settings
    _settings = settings


class _Sender:
    """Publishes an attempt's messages to its reply queue from one thread: output in
    batches, a heartbeat when there is nothing to say, the outcome last."""

    def __init__(self, app: Celery, reply: str, attempt_id: str, heartbeat: float) -> None:
        self._app, self._reply, self._heartbeat = app, reply, heartbeat
        self._id = attempt_id
        self._queue: queue.Queue[dict[str, Any] | str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="pitstop-reply", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def line(self, text: str) -> None:
        self._queue.put(text)

    def send(self, message: dict[str, Any]) -> None:
        self._queue.put(message)

    def close(self, timeout: float = 10.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _loop(self) -> None:
        from pitstop.workers.app import reply_exchange

        exchange = reply_exchange()
        try:
            with self._app.producer_or_acquire() as producer:
                def publish(body: dict[str, Any]) -> None:
                    producer.publish({**body, "id": self._id}, exchange=exchange, routing_key=self._reply,
                                     serializer="json", declare=[exchange], retry=True,
                                     retry_policy={"max_retries": 3})

                self._pump(publish)
        except Exception as exc:  # noqa: BLE001 - the run sees the silence as a lost worker
            import logging

            logging.getLogger("pitstop.workers").warning(
                "cannot report to the run through the broker: %s", exc)

    def _pump(self, publish: Any) -> None:
        lines: list[str] = []
        flush_at = 0.0
        while True:
            timeout = max(0.0, flush_at - time.monotonic()) if lines else self._heartbeat
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                if lines:
                    publish({"t": "lines", "lines": lines})
                    lines = []
                else:
                    publish({"t": "beat"})
                continue
            if isinstance(item, str):
                if not lines:
                    flush_at = time.monotonic() + BATCH_SECONDS
                lines.append(item)
                if len(lines) >= 200:
                    publish({"t": "lines", "lines": lines})
                    lines = []
                continue
            if lines:
                publish({"t": "lines", "lines": lines})
                lines = []
            if item is None:
                return
            publish(item)


def _watch_parent(parent: int, stop: threading.Event, cancel: threading.Event,
                  lost: threading.Event) -> None:
    """Stop the attempt when the worker's main process dies (this pool process is then
    re-parented): never leave a task running that no worker answers for."""
    while not stop.wait(0.2):
        if os.getppid() != parent:
            lost.set()
            cancel.set()
            return


def adopt_orphans() -> bool:
    """Make this process (the worker's main process) the reaper of its descendants'
    orphans (Linux), so that :func:`stop_orphans` can stop a command whose pool
    process was killed; ``False`` where that is not possible."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(36, 1, 0, 0, 0) == 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def stop_orphans(stop: threading.Event, interval: float = 1.0) -> None:
    """Stop what a killed pool process left running.  Commands run in sessions of their
    own, pool processes in this one; a child of this process in another session is an
    orphan of a command.  When the pool process that started it (``POOL_VARIABLE`` in
    its environment) is gone, it was killed mid-task: the orphan's process group is
    killed.  A background job a finished command left on purpose (its pool process
    alive) is left alone, as a local run leaves it.  Orphans that ended are reaped."""
    from pitstop.proc import kill_group

    me, session = os.getpid(), os.getsid(0)
    while not stop.wait(interval):
        for pid in _children(me):
            try:
                if os.getsid(pid) == session:
                    continue  # a pool process: Celery's
                pool = _environ(pid).get(POOL_VARIABLE, "")
                if pool.isdigit() and not _alive(int(pool)):
                    kill_group(pid)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def _environ(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as handle:
            raw = handle.read()
    except OSError:
        return {}
    pairs = (item.decode("utf-8", "replace").partition("=") for item in raw.split(b"\0") if item)
    return {key: value for key, _, value in pairs}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _children(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(entry))
    return found


def _ignore(_signum: int, _frame: FrameType | None) -> None:
    return None


def _outlive_parent() -> int:
    """Celery kills a pool process as soon as its worker dies (``PR_SET_PDEATHSIG``);
    while an attempt runs, this one stays alive long enough to stop the attempt's
    command (which runs in a process group of its own) and report the worker lost.
    Returns the signal to restore afterwards."""
    try:
        from billiard.util import get_pdeathsig, set_pdeathsig

        previous = int(get_pdeathsig() or 0)
        if previous:
            set_pdeathsig(0)
        return previous
    except (ImportError, OSError):  # not Linux: the command may outlive a killed worker
        return 0


def _restore_deathsig(sig: int) -> None:
    if sig:
        try:
            from billiard.util import set_pdeathsig

            set_pdeathsig(sig)
        except (ImportError, OSError):
            pass


def execute(task: Task, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The Celery task ``pitstop.attempt``: run one attempt, stream it, return its
    outcome (also what the result backend keeps)."""
    from pitstop.errors import EXIT_ERROR
    from pitstop.workers.app import identity

    me = identity(task.request.hostname)
    sender = _Sender(cast("Celery", task.app), str(payload["reply"]),
                     str(payload.get("id") or task.request.id),
                     float(payload.get("heartbeat", 1.0)))
    sender.start()
    sender.send({"t": "started", "worker": me})
    cancel, lost, stop = threading.Event(), threading.Event(), threading.Event()
    watchdog = threading.Thread(target=_watch_parent, args=(me["worker_pid"], stop, cancel, lost),
                                name="pitstop-watchdog", daemon=True)
    watchdog.start()

    def revoked(_signum: int, _frame: FrameType | None) -> None:
        cancel.set()

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, revoked) if in_main else None
    # Celery's pool processes ignore SIGINT, and an ignored signal stays ignored in the
    # commands they start; a handler of our own is reset by exec, so the command can
    # be interrupted as a local one is
    interrupt = signal.signal(signal.SIGINT, _ignore) if in_main else None
    deathsig = _outlive_parent()
    try:
        outcome = _attempt(payload, sender, cancel)
    except Exception as exc:  # noqa: BLE001 - the run must hear how the attempt ended
        from pitstop.redact import redact

        message = redact(f"unexpected {type(exc).__name__} on worker {me['name']}: {exc}")
        sender.line(f"[ERROR] {message}")
        outcome = {"status": "failed", "exit_code": EXIT_ERROR, "command_exit_code": None,
                   "message": message, "data": {}, "log_path": None}
    finally:
        stop.set()
        if in_main:
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGINT, interrupt)
        _restore_deathsig(deathsig)
    if lost.is_set():
        outcome.update(status="lost", exit_code=EXIT_ERROR, command_exit_code=None, message=(
            f"worker {me['name']} (pid {me['worker_pid']} on {me['host']}) was lost "
            f"mid-task; the attempt was stopped"))
    outcome["worker"] = me
    sender.send({"t": "finished", "result": outcome})
    sender.close()
    return outcome


def _attempt(payload: Mapping[str, Any], sender: _Sender,
             cancel: threading.Event) -> dict[str, Any]:
    from pitstop import engine, registry
    from pitstop.capability import TaskOutcome
    from pitstop.engine.executors import LOCAL
    from pitstop.engine.runner import Runner, TaskResult
    from pitstop.errors import EXIT_CONFIG, PitstopError
    from pitstop.state.store import StateStore

    name = str(payload["task"])
    try:
        if _settings is None:
            raise PitstopError("this Celery worker has no pitstop project",
                               hint="start workers with `pitstop worker` in the project")
        settings = _settings
        if payload.get("dry_run") and not settings.dry_run:  # a run made in code may set it
            settings = dataclasses.replace(settings, dry_run=True)
        plan = engine.plan(settings, str(payload["target"]), registry.tasks(),
                           dict(payload.get("params") or {}))
        task = plan.tasks.get(name)
        if task is None or task.command_text() != payload.get("command"):
            return _as_dict(TaskResult(
                name, "failed", EXIT_CONFIG,
                message=f"this worker's configuration ({settings.config_file}) defines task "
                        f"'{name}' differently from the run's; run the workers on the same "
                        "checkout as `pitstop run`"))

        def on_event(event: Event) -> None:
            if event.kind == "output" and event.line is not None:
                sender.line(event.line)

        runner = Runner(settings, plan, cast(StateStore, None), executor=LOCAL,
                        trigger="worker", user=payload.get("user"),
                        environ={**settings.environ, POOL_VARIABLE: str(os.getpid())},
                        on_event=on_event, cancel=cancel)
        runner.outcomes = {key: TaskOutcome(**value)
                           for key, value in dict(payload.get("outcomes") or {}).items()}
        run_id = str(payload["run_id"])
        result = runner.run_attempt(task, int(payload["attempt"]), run_id=run_id,
                                    logs_dir=_logs_dir(settings, run_id))
    except PitstopError as exc:
        sender.line(f"[ERROR] {exc.message}")
        return _as_dict(TaskResult(name, "failed", exc.exit_code, message=exc.message))
    return _as_dict(result)


def _logs_dir(settings: Settings, run_id: str) -> Path:
    from pitstop.private import make_private_dir

    path = settings.logs_dir / "workers" / run_id
    make_private_dir(path)
    return path


def _as_dict(result: TaskResult) -> dict[str, Any]:
    from pitstop.capability import jsonable

    data = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    return {"status": data["status"], "exit_code": data["exit_code"],
            "command_exit_code": data["command_exit_code"], "message": data["message"],
            "data": jsonable(dict(data["data"])), "log_path": data["log_path"]}
