"""Rendering of a running workflow: a Rich live display of running tasks on a terminal,
plain ``[task] line`` output when piped.  Everything goes to stderr."""

from __future__ import annotations

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


class RunDisplay:
    """Context manager; pass :meth:`handle` as the runner's ``on_event``."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self.live_mode = sys.stderr.isatty() and not quiet
        self._running: dict[str, float] = {}
        self._lock = threading.Lock()
        self._live: Any = None
        self._console: Any = None

    def __enter__(self) -> RunDisplay:
        if self.live_mode:
            from rich.console import Console
            from rich.live import Live

            self._console = Console(stderr=True, no_color=not use_color(), highlight=False)
            self._live = Live(self._status(), console=self._console, refresh_per_second=8,
                              transient=True, redirect_stdout=False, redirect_stderr=False)
            self._live.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._live is not None:
            self._live.__exit__(exc_type, exc, tb)

    def _status(self) -> Any:
        from rich.text import Text

        now = time.monotonic()
        with self._lock:
            items = [f"{name} ({now - since:.0f}s)" for name, since in self._running.items()]
        return Text("running: " + ", ".join(items) if items else "")

    def _print(self, text: str) -> None:
        if self.quiet:
            return
        if self._console is not None:
            from rich.text import Text

            self._console.print(Text(text))
            self._live.update(self._status())
        else:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()

    def handle(self, event: Event) -> None:
        if event.kind == "task-started":
            with self._lock:
                self._running[event.task or ""] = time.monotonic()
            if not self.live_mode:
                self._print(f"[{event.task}] started" + (
                    f" (attempt {event.attempt})" if event.attempt > 1 else ""))
        elif event.kind == "output" or event.kind == "task-retry":
            self._print(f"[{event.task}] {event.line}")
        elif event.kind == "task-finished" and event.result is not None:
            with self._lock:
                self._running.pop(event.result.name, None)
            self._print(finished_line(event.result))
        if self._live is not None:
            self._live.update(self._status())


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
        "status": result.status,
        "exit_code": result.exit_code,
        "started_at": result.started_at.isoformat(),
        "finished_at": result.finished_at.isoformat(),
        "duration_seconds": round(result.duration_seconds, 3),
        "tasks": [
            {"name": r.name, "status": r.status, "exit_code": r.exit_code,
             "command_exit_code": r.command_exit_code, "attempts": r.attempts,
             "started_at": r.started_at.isoformat() if r.started_at else None,
             "finished_at": r.finished_at.isoformat() if r.finished_at else None,
             "duration_seconds": r.duration_seconds, "log": r.log_path,
             "message": r.message, "data": dict(r.data)}
            for r in result.tasks
        ],
        "warnings": list(result.warnings),
    }
