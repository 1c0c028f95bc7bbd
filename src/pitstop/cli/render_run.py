"""Rendering of a running workflow: a Rich live display of running tasks on a terminal,
plain ``[task] line`` output when piped.  Everything goes to stderr."""

from __future__ import annotations

import logging
import sys
import threading
import time
from types import TracebackType
from typing import Any

from pitstop.engine.runner import Event, RunResult, TaskResult
from pitstop.output import table, use_color

_MARK = {"success": "+", "failed": "x", "timeout": "x", "skipped": "-", "interrupted": "!",
         "allowed-failure": "~"}


def _fmt_seconds(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


def finished_line(result: TaskResult) -> str:
    mark = _MARK.get(result.status, "?")
    parts = [f"[{mark}] {result.name}", result.status]
    if result.duration_seconds is not None:
        parts.append(_fmt_seconds(result.duration_seconds))
    if result.status not in ("success",) and result.message:
        parts.append(result.message)
    return "  ".join(parts)


class _ConsoleStream:
    """A file-like object that prints through a Rich console (above the live display)."""

    def __init__(self, console: Any) -> None:
        self._console = console

    def write(self, text: str) -> int:
        from rich.text import Text

        for line in text.rstrip("\n").split("\n"):
            self._console.print(Text(line), soft_wrap=True)
        return len(text)

    def flush(self) -> None:
        pass


class _Status:
    """The live line, rendered afresh at every refresh so elapsed times keep counting."""

    def __init__(self, display: RunDisplay) -> None:
        self._display = display

    def __rich__(self) -> Any:
        return self._display._status()


class RunDisplay:
    """Context manager; pass :meth:`handle` as the runner's ``on_event``.

    Every line — task output, starts, retries, results — is a log record of the
    ``pitstop.run`` logger (``[time] [LEVEL] [task] message`` or JSON lines), on stderr.
    On a terminal with text logs, a transient live line shows the running tasks."""

    def __init__(self, *, quiet: bool = False, log_format: str = "text") -> None:
        self.quiet = quiet
        self.live_mode = sys.stderr.isatty() and not quiet and log_format == "text"
        self.log = logging.getLogger("pitstop.run")
        self._running: dict[str, float] = {}
        self._lock = threading.Lock()
        self._live: Any = None
        self._handler: logging.StreamHandler[Any] | None = None
        self._old_stream: Any = None

    def __enter__(self) -> RunDisplay:
        if self.live_mode:
            from rich.console import Console
            from rich.live import Live

            console = Console(stderr=True, no_color=not use_color(), highlight=False)
            self._live = Live(_Status(self), console=console, refresh_per_second=8,
                              transient=True, redirect_stdout=False, redirect_stderr=False)
            self._live.__enter__()
            for handler in logging.getLogger("pitstop").handlers:
                if isinstance(handler, logging.StreamHandler):
                    self._handler = handler
                    self._old_stream = handler.setStream(_ConsoleStream(console))
                    break
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._handler is not None and self._old_stream is not None:
            self._handler.setStream(self._old_stream)
        if self._live is not None:
            self._live.__exit__(exc_type, exc, tb)

    def _status(self) -> Any:
        from rich.text import Text

        now = time.monotonic()
        with self._lock:
            items = [f"{name} ({now - since:.0f}s)" for name, since in self._running.items()]
        return Text("running: " + ", ".join(items) if items else "")

    def _emit(self, event: Event, message: str, level: int = logging.INFO,
              **extra: Any) -> None:
        if not self.quiet:
            self.log.log(level, message, extra={"task": event.task, "run_id": event.run_id,
                                                "attempt": event.attempt, **extra})

    def handle(self, event: Event) -> None:
        if event.kind == "task-started":
            with self._lock:
                self._running[event.task or ""] = time.monotonic()
            self._emit(event, "started" + (f" (attempt {event.attempt})"
                                           if event.attempt > 1 else ""), kind="task-started")
        elif event.kind == "output":
            self._emit(event, event.line or "", kind="output")
        elif event.kind == "task-retry":
            self._emit(event, event.line or "", logging.WARNING, kind="task-retry")
        elif event.kind == "task-finished" and event.result is not None:
            with self._lock:
                self._running.pop(event.result.name, None)
            result = event.result
            level = logging.INFO if result.status in ("success", "skipped") else logging.ERROR
            self._emit(event, finished_line(result), level, kind="task-finished",
                       status=result.status, exit_code=result.exit_code,
                       command_exit_code=result.command_exit_code,
                       duration_seconds=result.duration_seconds)
        if self._live is not None:
            self._live.refresh()


def summary_table(result: RunResult) -> None:
    rows = [
        (r.name, r.status, _fmt_seconds(r.duration_seconds), r.attempts or "",
         "" if r.command_exit_code is None else r.command_exit_code,
         "" if r.exit_code is None else r.exit_code, r.message if r.status != "success" else "")
        for r in result.tasks
    ]
    table(["task", "status", "time", "attempts", "cmd exit", "exit", "note"], rows,
          title=f"run {result.run_id} · {result.target} · {result.status} · "
                f"{_fmt_seconds(result.duration_seconds)}")


def result_json(result: RunResult) -> dict[str, Any]:
    return {
        "id": result.run_id,
        "target": result.target,
        "kind": result.kind,
        "status": result.status,
        "exit_code": result.exit_code,
        "started_at": result.started_at.isoformat(),
        "finished_at": result.finished_at.isoformat(),
        "duration_seconds": round(result.duration_seconds, 3),
        "error": result.error,
        "params": dict(result.params),
        "schedule": result.origin.get("schedule"),
        "fired_at": result.origin.get("fired_at"),
        "retry_of": result.origin.get("retry_of"),
        "tasks": [
            {"name": r.name, "status": r.status, "exit_code": r.exit_code,
             "command_exit_code": r.command_exit_code, "attempts": r.attempts,
             "started_at": r.started_at.isoformat() if r.started_at else None,
             "finished_at": r.finished_at.isoformat() if r.finished_at else None,
             "duration_seconds": r.duration_seconds, "log": r.log_path,
             "error": r.message if r.status != "success" and r.message else None,
             "message": r.message, "data": dict(r.data)}
            for r in result.tasks
        ],
        "warnings": list(result.warnings),
    }
