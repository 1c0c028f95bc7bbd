"""What a notification says about a run: the same facts for every kind (status, run,
duration, what failed and the end of its log), masked."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from pitstop.redact import redact

TITLES = {
    "failure": "✗ {target} failed", "recovery": "✓ {target} recovered",
    "success": "✓ {target} succeeded", "start": "▶ {target} started",
    "test": "pitstop test notification from [notify.{name}]",
}


@dataclasses.dataclass(frozen=True)
class Message:
    """One notification's content."""

    event: str
    title: str
    facts: tuple[tuple[str, str], ...]
    log_tail: tuple[str, ...]
    """The last lines of the failed task's log (masked)."""
    run: dict[str, Any]
    """The run's ``to_dict()`` (what a webhook receives)."""
    delivery: str = ""
    """A unique id of this notification (the same on each retry)."""

    def text(self) -> str:
        """A plain-text body (email, the Slack fallback)."""
        lines = [self.title, ""] + [f"{label}: {value}" for label, value in self.facts]
        if self.log_tail:
            lines += ["", "last log lines:", *(f"  {line}" for line in self.log_tail)]
        return "\n".join(lines) + "\n"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "still running"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


def _failed_task(run: dict[str, Any]) -> dict[str, Any] | None:
    for task in run.get("tasks") or ():
        if task.get("status") in ("failed", "timeout", "interrupted", "abandoned"):
            return dict(task)
    return None


def _tail(path: str | None, count: int) -> tuple[str, ...]:
    if not path or count <= 0:
        return ()
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ()
    return tuple(redact(line) for line in lines[-count:])


def build(event: str, run: dict[str, Any], *, log_lines: int = 20,
          name: str = "") -> Message:
    """The message for ``event`` about ``run`` (a run's ``to_dict()``)."""
    title = TITLES.get(event, "{target}: {event}").format(
        target=run.get("target", "?"), event=event, name=name)
    facts: list[tuple[str, str]] = [
        ("status", f"{run.get('status')} (exit {run.get('exit_code')})"
         if run.get("exit_code") is not None else str(run.get("status"))),
        ("run", f"{run.get('id')} ({run.get('kind')} '{run.get('target')}')"),
        ("started", f"{run.get('started_at')} by {run.get('user') or '?'} on "
                    f"{run.get('host')} via {run.get('trigger')}"),
        ("duration", _duration(run.get("duration_seconds"))),
    ]
    if run.get("schedule"):
        facts.append(("schedule", f"{run['schedule']} (firing {run.get('fired_at')})"))
    if run.get("retry_of"):
        facts.append(("retry of", str(run["retry_of"])))
    if run.get("params"):
        facts.append(("params", ", ".join(f"{k}={v}" for k, v in run["params"].items())))
    failed = _failed_task(run)
    tail: tuple[str, ...] = ()
    if failed is not None:
        facts.append(("failed task", f"{failed['name']}: {failed.get('error') or failed['status']}"))
        tail = _tail(failed.get("log"), log_lines)
    elif run.get("error"):
        facts.append(("error", str(run["error"])))
    import uuid

    return Message(event, redact(title), tuple((k, redact(v)) for k, v in facts), tail, run,
                   uuid.uuid4().hex)


def sample_run() -> dict[str, Any]:
    """A made-up successful run, for ``pitstop notify test``."""
    now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
    return {"id": "test", "target": "pitstop-notify-test", "kind": "workflow",
            "status": "success", "exit_code": 0, "started_at": now, "finished_at": now,
            "duration_seconds": 0.0, "trigger": "cli", "user": None, "host": "pitstop",
            "pid": 0, "capability": None, "verb": None, "parent_id": None, "options": None,
            "params": {}, "schedule": None, "fired_at": None, "retry_of": None,
            "error": None, "result": None, "tasks": []}
