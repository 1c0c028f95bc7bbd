"""The DAG runner: bounded parallelism, retries with backoff, timeouts, cancel,
and a record of every attempt in the state store.

The runner never prints: it reports :class:`Event`\\ s to a callback, which the CLI
renders (Rich live display on a terminal, plain prefixed lines when piped).
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import datetime as dt
import getpass
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any, Literal

from pitstop.capability import RunEvent, TaskContext, TaskOutcome, announce, invocation
from pitstop.config import Settings
from pitstop.engine.planner import Plan, TaskDef
from pitstop.engine.process import run_command
from pitstop.errors import (
    EXIT_DEPENDENCY,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    PermissionDeniedError,
    PitstopError,
)
from pitstop.private import make_private_dir
from pitstop.redact import redact
from pitstop.state.store import HEARTBEAT_SECONDS, StateStore, TaskRunRecord

RunStatus = Literal["success", "failed", "interrupted"]
EventKind = Literal["run-started", "task-started", "output", "task-retry", "task-finished",
                    "run-finished"]


@dataclasses.dataclass(frozen=True)
class Event:
    kind: EventKind
    task: str | None = None
    line: str | None = None
    result: TaskResult | None = None
    attempt: int = 1
    run_id: str | None = None


@dataclasses.dataclass(frozen=True)
class TaskResult:
    """The final state of one task in a run."""

    name: str
    status: str  # success | failed | timeout | skipped | interrupted
    exit_code: int | None = None  # pitstop's code for this task
    command_exit_code: int | None = None  # the wrapped command's own exit status
    attempts: int = 0
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    log_path: str | None = None
    message: str = ""
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def ok(self) -> bool:
        return self.status in ("success", "allowed-failure")


@dataclasses.dataclass(frozen=True)
class RunResult:
    run_id: str
    target: str
    status: RunStatus
    exit_code: int
    started_at: dt.datetime
    finished_at: dt.datetime
    tasks: tuple[TaskResult, ...]
    warnings: tuple[str, ...] = ()
    kind: str = "workflow"  # workflow | task
    error: str | None = None  # as stored on the run: "task: message; …" of failed tasks
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """The parameter values as stored (secrets ``***``)."""
    origin: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Where the run came from (``schedule``/``fired_at``, ``retry_of`` …)."""

    @property
    def duration_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_task_sink = threading.local()


class _RoutingHandler(logging.Handler):
    """Copies library log records emitted inside a built-in task into its log."""

    def emit(self, record: logging.LogRecord) -> None:
        sink: Callable[[str], None] | None = getattr(_task_sink, "sink", None)
        if (sink is None or getattr(_task_sink, "busy", False)
                or getattr(record, "_pitstop_task_line", False)
                or record.name == "pitstop.run"):  # the display's own lines
            return
        _task_sink.busy = True
        try:
            sink(_line(record))
        finally:
            _task_sink.busy = False


def _line(record: logging.LogRecord) -> str:
    message = record.getMessage()
    return message if record.levelno <= logging.INFO else f"{record.levelname}: {message}"


def _not_routed(record: logging.LogRecord) -> bool:
    """Filter for the CLI's handlers: a library record emitted inside a built-in task is
    shown once, as that task's output, not a second time on its own."""
    return getattr(_task_sink, "sink", None) is None or record.name == "pitstop.run"


_routing_lock = threading.Lock()
_routing_state: dict[str, Any] = {"runs": 0, "handler": None, "filtered": []}


def _routing(on: bool) -> None:
    """Route library log records into the running built-in task's log while any run is
    going: one handler however many runs a process has at once (the scheduler, the web
    page), so a line is written once and the display's filters stay until the last
    run ends."""
    with _routing_lock:
        root = logging.getLogger("pitstop")
        if on:
            _routing_state["runs"] += 1
            if _routing_state["runs"] == 1:
                _routing_state["handler"] = _RoutingHandler()
                _routing_state["filtered"] = list(root.handlers)
                for handler in _routing_state["filtered"]:
                    handler.addFilter(_not_routed)
                root.addHandler(_routing_state["handler"])
            return
        _routing_state["runs"] -= 1
        if _routing_state["runs"] == 0:
            root.removeHandler(_routing_state["handler"])
            for handler in _routing_state["filtered"]:
                handler.removeFilter(_not_routed)
            _routing_state["handler"], _routing_state["filtered"] = None, []


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Runner:
    """Runs one :class:`Plan`.  Create one per run; call :meth:`run` once."""

    def __init__(self, settings: Settings, plan: Plan, store: StateStore, *,
                 jobs: int | None = None, keep_going: bool = False, trigger: str = "cli",
                 user: str | None = None, environ: Mapping[str, str] | None = None,
                 on_event: Callable[[Event], None] | None = None,
                 origin: Mapping[str, Any] | None = None,
                 cancel: threading.Event | None = None) -> None:
        self.settings = settings
        self.plan = plan
        self.store = store
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.keep_going = keep_going
        self.trigger = trigger
        self.user = user
        self.environ = dict(environ if environ is not None else {})
        self._on_event = on_event or (lambda _e: None)
        self.origin = dict(origin or {})
        """Where the run came from, stored with it: ``schedule`` and ``fired_at``,
        ``retry_of`` …"""
        self.cancel = cancel if cancel is not None else threading.Event()
        """Set it (from any thread) to interrupt the run, as Ctrl-C does."""
        self.results: dict[str, TaskResult] = {}
        self.outcomes: dict[str, TaskOutcome] = {}
        self.run_id = ""
        self._user: str | None = user

    def on_event(self, event: Event) -> None:
        if event.run_id is None and self.run_id:
            event = dataclasses.replace(event, run_id=self.run_id)
        self._on_event(event)

    # -- public --------------------------------------------------------------------
    def run(self) -> RunResult:
        started = _now()
        try:
            self._user = self.user or getpass.getuser()
        except (KeyError, OSError):
            self._user = None
        self.run_id = self.store.start_run(
            self.plan.target, kind=self.plan.kind, trigger=self.trigger, user=self._user,
            started_at=started.timestamp(),
            params={"jobs": self.jobs, "keep_going": self.keep_going,
                    "tasks": list(self.plan.order), **self.origin,
                    **({"params": self.plan.params.stored()} if self.plan.params else {})},
        )
        self.logs_dir = self.settings.logs_dir / self.run_id
        try:
            make_private_dir(self.logs_dir)
        except OSError as exc:
            import errno

            message = f"cannot create the log folder {self.logs_dir}: {exc.strerror or exc}"
            self.store.finish_run(self.run_id, "failed", EXIT_ERROR, message)
            cls = (PermissionDeniedError if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
                   else PitstopError)
            raise cls(message, hint="pitstop keeps task logs under .pitstop/logs/ in the "
                                    "project directory; make it writable") from None
        self.on_event(Event("run-started", run_id=self.run_id))
        announce(self.settings, RunEvent("start", self.run_id, self.plan.target, self.plan.kind,
                                         self.trigger))
        heartbeat_stop = threading.Event()
        heartbeat = threading.Thread(target=self._heartbeat, args=(heartbeat_stop,), daemon=True)
        heartbeat.start()
        _routing(True)
        interrupted = False
        try:
            self._schedule()
        except KeyboardInterrupt:
            interrupted = True
            self.cancel.set()
            self._drain()
        finally:
            _routing(False)
            heartbeat_stop.set()
        return self._finish(started, interrupted)

    # -- scheduling ----------------------------------------------------------------
    def _schedule(self) -> None:
        self._pool = cf.ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="pitstop")
        self._running: dict[cf.Future[TaskResult], str] = {}
        stopping = False
        try:
            while True:
                if not stopping:
                    for name in self._ready():
                        if len(self._running) >= self.jobs:
                            break
                        self._running[self._pool.submit(self._run_task, self.plan.tasks[name])] = name
                if not self._running:
                    break
                done, _ = cf.wait(list(self._running), timeout=0.2,
                                  return_when=cf.FIRST_COMPLETED)
                for future in done:
                    name = self._running.pop(future)
                    result = future.result()
                    self._set(result)
                    if not result.ok:
                        for dependent in self.plan.dependents(name):
                            if dependent not in self.results:
                                self._set(TaskResult(dependent, "skipped",
                                                     message="dependency failed"))
                        if not self.keep_going:
                            stopping = True
            for name in self.plan.order:
                if name not in self.results:
                    self._set(TaskResult(name, "skipped", message="workflow stopped"))
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _ready(self) -> list[str]:
        running = set(self._running.values())
        return [name for name in self.plan.order
                if name not in self.results and name not in running
                and all(d in self.results and self.results[d].ok for d in self.plan.deps[name])]

    def _drain(self) -> None:
        """After Ctrl-C: wait for running tasks to stop (they see ``cancel``)."""
        running = getattr(self, "_running", {})
        deadline = time.monotonic() + 15
        while running and time.monotonic() < deadline:
            try:
                done, _ = cf.wait(list(running), timeout=0.5)
            except KeyboardInterrupt:
                continue  # a second Ctrl-C: keep cleaning up
            for future in done:
                name = running.pop(future)
                try:
                    self._set(future.result())
                except Exception as exc:  # noqa: BLE001
                    self._set(TaskResult(name, "interrupted", message=str(exc)))
        for name in list(running.values()):
            self._set(TaskResult(name, "interrupted", message="still running at interrupt"))
        for name in self.plan.order:
            if name not in self.results:
                self._set(TaskResult(name, "skipped", message="run interrupted"))

    def _set(self, result: TaskResult) -> None:
        if result.name in self.results:
            return
        self.results[result.name] = result
        if result.status == "skipped":
            self.store.record_task(TaskRunRecord(self.run_id, result.name, 0, "skipped",
                                                 error=result.message))
        self.on_event(Event("task-finished", task=result.name, result=result,
                            run_id=self.run_id))

    def _heartbeat(self, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                self.store.heartbeat(self.run_id)
            except Exception:  # noqa: BLE001 - a missed heartbeat is not fatal
                pass

    # -- one task ------------------------------------------------------------------
    def _log_path(self, task: TaskDef, attempt: int) -> Path:
        suffix = f".{attempt}" if attempt > 1 else ""
        return self.logs_dir / f"{_SAFE.sub('_', task.name)}{suffix}.log"

    def _run_task(self, task: TaskDef) -> TaskResult:
        spec = task.spec
        attempts = spec.retries + 1
        result: TaskResult | None = None
        for attempt in range(1, attempts + 1):
            if self.cancel.is_set():
                break
            if attempt > 1:
                delay = spec.retry_delay * 2 ** (attempt - 2)
                self.on_event(Event("task-retry", task=task.name, attempt=attempt,
                                    line=f"retrying in {delay:.1f}s (attempt {attempt}/{attempts})"))
                if self.cancel.wait(delay):
                    break
            self.on_event(Event("task-started", task=task.name, attempt=attempt))
            row_id = self.store.start_task(self.run_id, task.name, attempt,
                                           log_path=str(self._log_path(task, attempt)))
            result = self._attempt(task, attempt)
            self.store.record_task(TaskRunRecord(
                self.run_id, task.name, attempt, result.status, started_at=result.started_at,
                finished_at=result.finished_at, exit_code=result.exit_code,
                command_exit_code=result.command_exit_code, log_path=result.log_path,
                error=result.message if result.status != "success" else None,
                data=dict(result.data),
            ), row_id)
            if result.status in ("success", "interrupted"):
                break
            if spec.retry_on and result.command_exit_code not in spec.retry_on:
                break
        if result is None:
            return TaskResult(task.name, "interrupted", message="run interrupted")
        if not result.ok and result.status != "interrupted" and spec.allow_failure:
            result = dataclasses.replace(result, status="allowed-failure")
        return result

    def _attempt(self, task: TaskDef, attempt: int) -> TaskResult:
        path = self._log_path(task, attempt)
        started = _now()
        lock = threading.Lock()
        with path.open("wb") as log_file:
            def emit(line: str, *, to_file: bool = False) -> None:
                line = redact(line)
                if to_file:
                    with lock:
                        log_file.write((line + "\n").encode("utf-8", "replace"))
                        log_file.flush()
                self.on_event(Event("output", task=task.name, line=line, attempt=attempt))

            if task.spec.run is not None:
                result = self._attempt_command(task, attempt, log_file, emit)
            else:
                result = self._attempt_builtin(task, attempt, lambda s: emit(s, to_file=True))
        return dataclasses.replace(result, started_at=started, finished_at=_now(),
                                   log_path=str(path), attempts=attempt)

    def _attempt_command(self, task: TaskDef, attempt: int, log_file: IO[bytes],
                         emit: Callable[..., None]) -> TaskResult:
        spec = task.spec
        resolved = {"DATABASE_URL": self.settings.database_url,
                    "ENVIRONMENT": self.settings.environment}
        if self.settings.redis_url:
            resolved["REDIS_URL"] = self.settings.redis_url
        params = self.plan.params.environ() if self.plan.params else {}
        env = {**self.environ, **resolved, **params, **spec.env, "PITSTOP_RUN_ID": self.run_id,
               "PITSTOP_TASK": task.name}
        if self.settings.dry_run:
            env["DRY_RUN"] = "1"
        cwd = spec.cwd or self.settings.project_dir
        assert spec.run is not None
        proc = run_command(spec.run, cwd=cwd, env=env, log_file=log_file, on_line=emit,
                           timeout=spec.timeout, cancel=self.cancel)
        if proc.cancelled:
            return TaskResult(task.name, "interrupted", EXIT_INTERRUPTED, proc.returncode,
                              message="interrupted")
        if proc.timed_out:
            return TaskResult(task.name, "timeout", EXIT_ERROR, proc.returncode,
                              message=f"timed out after {spec.timeout:g}s; process group killed")
        if proc.not_found:
            return TaskResult(task.name, "failed", EXIT_DEPENDENCY, proc.returncode,
                              message=proc.error or "command not found")
        if proc.returncode is None:
            return TaskResult(task.name, "failed", EXIT_ERROR, None, message=proc.error or "")
        if proc.returncode != 0:
            return TaskResult(task.name, "failed", EXIT_ERROR, proc.returncode,
                              message=f"exited with status {proc.returncode}")
        return TaskResult(task.name, "success", EXIT_OK, 0)

    def _attempt_builtin(self, task: TaskDef, attempt: int,
                         emit: Callable[[str], None]) -> TaskResult:
        assert task.builtin is not None
        logger = logging.Logger(f"pitstop.task.{task.name}")

        class _Sink(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                emit(_line(record))

        logger.addHandler(_Sink())
        ctx = TaskContext(
            name=task.name, settings=self.settings, run_id=self.run_id,
            log=logging.LoggerAdapter(logger, {"task": task.name, "run_id": self.run_id,
                                               "_pitstop_task_line": True}),
            dry_run=self.settings.dry_run, timeout=task.spec.timeout, cancel=threading.Event(),
            results=dict(self.outcomes), environ=self.environ, user=self._user,
            params=dict(self.plan.params.values) if self.plan.params else {},
        )
        box: dict[str, Any] = {}

        def target() -> None:
            _task_sink.sink = emit
            try:
                with invocation(trigger="workflow", user=self._user, parent_id=self.run_id):
                    box["outcome"] = task.builtin.load()(ctx)  # type: ignore[union-attr]
            except BaseException as exc:  # noqa: BLE001 - reported as the task's failure
                box["error"] = exc
            finally:
                _task_sink.sink = None

        thread = threading.Thread(target=target, name=f"pitstop-{task.name}", daemon=True)
        thread.start()
        deadline = time.monotonic() + task.spec.timeout if task.spec.timeout else None
        while thread.is_alive():
            thread.join(0.05)
            if deadline is not None and time.monotonic() >= deadline and thread.is_alive():
                ctx.cancel.set()  # the task is asked to stop; its thread is abandoned
                return TaskResult(task.name, "timeout", EXIT_ERROR,
                                  message=f"timed out after {task.spec.timeout:g}s")
            if self.cancel.is_set():
                ctx.cancel.set()
                thread.join(10)
                return TaskResult(task.name, "interrupted", EXIT_INTERRUPTED,
                                  message="interrupted")
        if "error" in box:
            exc = box["error"]
            if isinstance(exc, PitstopError):
                emit(f"[ERROR] {exc.message}" + (f" (hint: {exc.hint})" if exc.hint else ""))
                return TaskResult(task.name, "failed", exc.exit_code, message=exc.message)
            emit(f"[ERROR] unexpected {type(exc).__name__}: {exc}")
            return TaskResult(task.name, "failed", EXIT_ERROR,
                              message=f"unexpected {type(exc).__name__}: {exc}")
        outcome: TaskOutcome = box["outcome"]
        self.outcomes[task.name] = outcome
        status = outcome.status if outcome.status in ("success", "skipped") else "failed"
        if outcome.status == "dry-run":
            status = "success"
        if status == "skipped":
            status = "success"
        if outcome.message:
            emit(outcome.message)
        return TaskResult(task.name, status, outcome.exit_code, data=dict(outcome.data),
                          message=outcome.message)

    # -- finishing -----------------------------------------------------------------
    def _finish(self, started: dt.datetime, interrupted: bool) -> RunResult:
        results = tuple(self.results[name] for name in self.plan.order if name in self.results)
        failed = [r for r in results if r.status in ("failed", "timeout")]
        if interrupted or self.cancel.is_set():
            status: RunStatus = "interrupted"
            code = EXIT_INTERRUPTED
        elif failed:
            status = "failed"
            code = failed[0].exit_code or EXIT_ERROR
        else:
            status = "success"
            code = EXIT_OK
        error = "; ".join(f"{r.name}: {r.message}" for r in failed) or None
        finished = _now()
        self.store.finish_run(self.run_id, status, code, error,
                              finished_at=finished.timestamp())
        warnings: list[str] = []
        try:
            doomed = self.store.prune(keep_days=self.settings.state.keep_days,
                                      keep_runs=self.settings.state.keep_runs)
            for run in doomed:
                _remove_logs(self.settings.logs_dir / run.id)
        except Exception as exc:  # noqa: BLE001 - retention never fails a run
            warnings.append(f"history retention failed: {exc}")
        from pitstop.metrics import publish_metrics

        warnings.extend(publish_metrics(self.settings, self.store))
        result = RunResult(self.run_id, self.plan.target, status, code, started, finished,
                           results, tuple(warnings), kind=self.plan.kind,
                           error=redact(error) if error else None,
                           params=self.plan.params.stored() if self.plan.params else {},
                           origin=dict(self.origin))
        self.on_event(Event("run-finished", run_id=self.run_id))
        announce(self.settings, RunEvent("finish", self.run_id, self.plan.target, self.plan.kind,
                                         self.trigger, status, code))
        return result


def _remove_logs(directory: Path) -> None:
    import shutil

    shutil.rmtree(directory, ignore_errors=True)
