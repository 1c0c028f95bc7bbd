"""How values look on the page: times, ages, sizes, durations, status colours and the
small SVG charts (inline SVG, so the strict CSP needs no inline style)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

STATUS_CLASS = {
    "success": "ok", "pass": "ok", "running": "busy", "failed": "bad", "fail": "bad",
    "timeout": "bad", "abandoned": "bad", "interrupted": "warn", "warn": "warn",
    "dry-run": "muted", "skipped": "muted", "allowed-failure": "warn", "pending": "warn",
    "changed": "bad", "missing": "bad", "applied": "ok", "denied": "bad", "failure": "bad",
    "started": "busy",
}


def when(value: dt.datetime | float | None) -> str:
    """Local time, to the second (as ``pitstop history`` shows it)."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        value = dt.datetime.fromtimestamp(value, dt.UTC)
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def ago(value: dt.datetime | float | None, now: dt.datetime | None = None) -> str:
    """How long ago: ``45s``, ``12m``, ``3h``, ``2d``."""
    if value is None:
        return "never"
    if isinstance(value, int | float):
        value = dt.datetime.fromtimestamp(value, dt.UTC)
    if value.tzinfo is None:
        value = value.astimezone()
    seconds = ((now or dt.datetime.now(dt.UTC)) - value).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return f"{max(0, int(seconds))}s ago"


def until(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """How long until: ``in 45s``, ``in 12m``, ``in 3h``, ``in 2d``."""
    if value is None:
        return ""
    seconds = (value - (now or dt.datetime.now(dt.UTC))).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"in {int(seconds // size)}{unit}"
    return f"in {max(0, int(seconds))}s"


def size(value: int | None) -> str:
    if value is None:
        return ""
    number = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if number < 1024 or unit == "TiB":
            return f"{number:.0f} {unit}" if unit == "B" else f"{number:.1f} {unit}"
        number /= 1024
    return f"{value} B"  # pragma: no cover


def seconds(value: float | None) -> str:
    if value is None:
        return ""
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 120:
        return f"{value:.1f} s"
    minutes, rest = divmod(int(value), 60)
    return f"{minutes}m {rest:02d}s"


def db_label(url: str, project_dir: Any = None) -> str:
    """A database as people name it: an SQLite file of the project by its path in the
    project (``app.db``), anything else by its URL with the password masked."""
    from pathlib import Path

    from pitstop.redact import mask_url

    prefix = "sqlite:///"
    if url.startswith(prefix) and project_dir is not None:
        path = Path(url[len(prefix):].partition("?")[0])
        try:
            return str(path.relative_to(project_dir))
        except ValueError:
            return str(path)
    return mask_url(url)


def status_class(status: str | None) -> str:
    return STATUS_CLASS.get(status or "", "muted")


def badge(status: str | None) -> Markup:
    return Markup('<span class="badge {}">{}</span>').format(status_class(status),
                                                              status or "—")


def sparkline(values: Sequence[float | None], width: int = 120, height: int = 24) -> Markup:
    """A line of ``values`` (oldest first) as inline SVG; ``None`` values are skipped."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return Markup("")
    top = max(v for _, v in points) or 1.0
    step = width / max(1, len(values) - 1)
    coords = " ".join(f"{i * step:.1f},{height - 2 - (v / top) * (height - 4):.1f}"
                      for i, v in points)
    return Markup('<svg class="spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
                  'role="img" aria-label="latency trend"><polyline points="{c}"/></svg>'
                  ).format(w=width, h=height, c=coords)


def bar(task: Any, start: dt.datetime, end: dt.datetime | None) -> Markup:
    """A task attempt as a bar on its run's time axis (one row of the timeline; inline
    SVG stretched to the cell)."""
    if task.started_at is None:
        return Markup("")
    finish = end or dt.datetime.now(dt.UTC)
    total = max((finish - start).total_seconds(), 0.001)
    began = (task.started_at - start).total_seconds()
    ended = ((task.finished_at or finish) - start).total_seconds()
    x = 100 * began / total
    w = max(0.8, 100 * (ended - began) / total)
    return Markup('<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" '
                  'role="img" aria-label="{name} from {b} to {e}"><rect class="{cls}" '
                  'x="{x:.2f}" y="1" width="{w:.2f}" height="8" rx="1"/></svg>').format(
        name=task.task, b=seconds(began), e=seconds(ended), cls=status_class(task.status),
        x=min(x, 99.2), w=w)


def query_with(query: dict[str, str], **changes: Any) -> str:
    """``?`` + ``query`` with ``changes`` (``None`` removes a key)."""
    merged = {**query, **changes}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})


FILTERS = {"db_label": db_label, "when": when, "ago": ago, "until": until, "size": size, "seconds": seconds,
           "status_class": status_class, "badge": badge}
GLOBALS = {"sparkline": sparkline, "bar": bar, "query_with": query_with,
           "escape": escape}
