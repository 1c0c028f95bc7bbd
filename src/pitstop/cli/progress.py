"""The one progress seam on the terminal: a bar on stderr for a verb's
``progress(done, total)`` callback (:class:`pitstop.capability.Progress`), shown once
the work lasts over a second, and nothing at all when stderr is not a terminal (piped,
in CI, under a hook), so scripts see no escape codes.  Every command draws its progress
through :func:`progress_bar`."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from typing import Any

from pitstop.capability import Progress

SHOW_AFTER_SECONDS = 1.0
"""Work that ends sooner never draws a bar (no flicker for quick runs)."""


@contextlib.contextmanager
def progress_bar(label: str, *, unit: str = "items") -> Iterator[Progress | None]:
    """A ``progress(done, total)`` callback drawing a transient bar labelled ``label``
    on stderr, or ``None`` when stderr is not a terminal.  ``unit="bytes"`` shows sizes
    and speed; any other unit (files, targets …) shows ``done/total``."""
    from pitstop.output import stderr_is_terminal

    if not stderr_is_terminal():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )
    from rich.progress import Progress as Bar

    columns: list[Any] = [TextColumn("{task.description}"), BarColumn()]
    columns += ([DownloadColumn(), TransferSpeedColumn()] if unit == "bytes"
                else [MofNCompleteColumn()])
    columns.append(TimeElapsedColumn())
    bar = Bar(*columns, console=Console(stderr=True, no_color="NO_COLOR" in os.environ),
              transient=True)
    task = bar.add_task(label, total=None)
    started = time.monotonic()
    shown = False

    def update(done: int, total: int | None, /) -> None:
        nonlocal shown
        bar.update(task, completed=done, total=total)
        if not shown and time.monotonic() - started > SHOW_AFTER_SECONDS:
            bar.start()
            shown = True

    try:
        yield update
    finally:
        if shown:
            bar.stop()
