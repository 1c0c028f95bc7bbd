"""A run's progress as server-sent events: each task's log, streamed while it is
written, masked like every other output, then the run's end.

The source is what every front writes — the task logs under ``.pitstop/logs/`` and
the run's rows in the state store — so a run started from the command line or by
another pitstop streams the same way.  Runs of this process wake the stream as they
write (:class:`~pitstop.serve.jobs.Notifier`); others are looked at every second.

Events: ``reset`` (forget what was shown), ``log`` (``{"task", "attempt", "lines"}``),
``task`` (``{"task", "attempt", "status", "exit_code"}``) and ``end``
(``{"status", "exit_code"}``), after which the stream closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi.concurrency import run_in_threadpool

from pitstop.redact import redact
from pitstop.state.runs import ACTIVE

if TYPE_CHECKING:
    from fastapi import Request

    from pitstop.serve.web import ServeContext
    from pitstop.state.store import RunRecord

FIRST_BYTES = 256 * 1024
"""At most this much of each log's end is sent when a page starts following a run."""
POLL_SECONDS = 1.0


def event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class LogTail:
    """The new complete lines of one log file, from where it was last read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset: int | None = None
        self.partial = b""

    def read(self, final: bool = False) -> list[str]:
        try:
            size = self.path.stat().st_size
        except OSError:
            return []
        cut = False
        if self.offset is None:
            self.offset = max(0, size - FIRST_BYTES)
            cut = self.offset > 0
        if size <= self.offset and not (final and self.partial):
            return []
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read(size - self.offset)
        except OSError:
            return []
        self.offset += len(chunk)
        data = self.partial + chunk
        lines = data.split(b"\n")
        rest = lines.pop()  # after the last newline: a line still being written
        if final and rest:
            lines.append(rest)
        self.partial = b"" if final else rest
        if cut and lines:
            lines[0] = b"[... earlier output not shown; the whole log is in " \
                       + str(self.path).encode() + b"]"
        return [redact(line.decode("utf-8", "replace").rstrip("\r")) for line in lines]


async def run_events(ctx: ServeContext, request: Request, run_id: str
                     ) -> AsyncIterator[str]:
    """The event stream of run ``run_id`` until it ends or the page goes away."""
    tails: dict[tuple[str, int], LogTail] = {}
    states: dict[tuple[str, int], tuple[str, int | None]] = {}
    yield event("reset", {})
    with ctx.notifier.subscribe(run_id) as woken:
        while True:
            woken.clear()  # before reading: a wake-up during the read is not lost
            run: RunRecord | None = await run_in_threadpool(ctx.store.get_run, run_id)
            if run is None:
                yield event("end", {"status": "unknown", "exit_code": None})
                return
            finished = run.status != ACTIVE
            for record in run.tasks:
                key = (record.task, record.attempt)
                if record.log_path and key not in tails:
                    tails[key] = LogTail(Path(record.log_path))
                tail = tails.get(key)
                if tail is not None:
                    lines = tail.read(final=finished or record.status != ACTIVE)
                    if lines:
                        yield event("log", {"task": record.task, "attempt": record.attempt,
                                            "lines": lines})
                state = (record.status, record.exit_code)
                if states.get(key) != state:
                    states[key] = state
                    yield event("task", {"task": record.task, "attempt": record.attempt,
                                         "status": record.status,
                                         "exit_code": record.exit_code})
            if finished:
                yield event("end", {"status": run.status, "exit_code": run.exit_code})
                return
            if await request.is_disconnected():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), POLL_SECONDS)
