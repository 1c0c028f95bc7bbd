"""The one progress seam on the terminal: a bar on stderr for a verb's
``progress(done, total)`` callback, and nothing at all when stderr is not a terminal
(piped, in CI, under a hook), so scripts see no escape codes."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from pitstop.capability import Progress


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Progress | None]:
    """A ``progress(done, total)`` callback drawing a transient bar labelled ``label``
    on stderr, or ``None`` when stderr is not a terminal."""
    from pitstop.output import stderr_is_terminal

    if not stderr_is_terminal():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(label, BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True, no_color="NO_COLOR" in os.environ),
                  transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int | None, /) -> None:
            bar.update(task, completed=done, total=total)

        yield update
