"""The tables of ``pitstop migrate`` (status, history, plan), fitted to the terminal.

Versions and file names are what people copy into the next command (``--to``,
``repair``, an editor), so they are never cut: when a table is wider than the
terminal, the less important columns are wrapped or left out first, in an order
each table gives.  Piped output is plain text with every column, never cut.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pitstop.output import echo, stdout_is_terminal, table

_MIN_WRAP = 10  # narrower than this, a wrapped column reads as a column of letters


@dataclass(frozen=True)
class Layout:
    """How one table gives way on a narrow terminal."""

    drop: tuple[str, ...] = ()
    """Columns left out, in this order, until the table fits."""
    wrap: tuple[str, ...] = ()
    """Columns whose text wraps onto more lines (never the identifiers)."""


STATUS = Layout(drop=("description", "applied at"), wrap=("note", "description"))
HISTORY = Layout(drop=("by", "ms", "description", "applied at", "type"), wrap=("description",))
PLAN = Layout(drop=("statements", "description", "in transaction"), wrap=("description",))


def fitted_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], layout: Layout, *,
                 title: str | None = None, width: int | None = None) -> None:
    """Print a table whose columns outside ``layout`` stay whole on this terminal.

    ``width``: the terminal's (default: ``COLUMNS``, else the terminal's own)."""
    cells = [["" if c is None else str(c) for c in row] for row in rows]
    if not stdout_is_terminal():
        table(columns, cells, title=title)
        return
    kept, kept_cells, fits = fit(list(columns), cells, layout,
                                 width or shutil.get_terminal_size().columns)
    if fits:
        table(kept, kept_cells, title=title)
    else:  # the identifiers alone are wider than the terminal: lines it may fold
        _plain(kept, kept_cells, title)


def _width(texts: Sequence[str]) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for text in texts for line in text.split("\n")), default=0)


def fit(columns: list[str], cells: list[list[str]], layout: Layout, width: int
        ) -> tuple[list[str], list[list[str]], bool]:
    """``(columns, cells, True)`` that fit ``width`` as a Rich table (3 cells of border
    and padding per column, plus 1); ``(columns, cells, False)`` with every column that
    can go left out when even the others are too wide."""
    droppable = [c for c in layout.drop if c in columns]
    while True:
        widths = [_width([name, *(row[i] for row in cells)]) for i, name in enumerate(columns)]
        total = sum(widths) + 3 * len(columns) + 1
        if total <= width:
            return columns, cells, True
        wrappable = [i for i, name in enumerate(columns) if name in layout.wrap]
        room = width - (total - sum(widths[i] for i in wrappable))
        last = not droppable
        # a wrapped column keeps its header and each word whole (a note names versions
        # and files too), and is _MIN_WRAP wide unless nothing else can give way
        floors = {i: max(_width([columns[i], *(w for row in cells for w in row[i].split())]),
                         1 if last else _MIN_WRAP) for i in wrappable}
        if wrappable and room >= sum(floors.values()):
            return columns, _wrapped(cells, floors, widths, room), True
        if last:
            return columns, cells, False
        index = columns.index(droppable.pop(0))
        columns = columns[:index] + columns[index + 1:]
        cells = [row[:index] + row[index + 1:] for row in cells]


def _wrapped(cells: list[list[str]], floors: dict[int, int], widths: list[int], room: int
             ) -> list[list[str]]:
    """Share ``room`` among the wrappable columns (each at least its floor, the rest
    to the narrowest first) and wrap their text to their share."""
    share = dict(floors)
    left = room - sum(floors.values())
    order = sorted(floors, key=lambda i: widths[i])
    for n, i in enumerate(order):
        more = max(0, min(widths[i] - share[i], left // (len(order) - n)))
        share[i] += more
        left -= more
    out = []
    for row in cells:
        row = list(row)
        for i in floors:
            if widths[i] > share[i]:
                row[i] = "\n".join(
                    "\n".join(textwrap.wrap(line, share[i], break_long_words=False,
                                            break_on_hyphens=False) or [""])
                    for line in row[i].split("\n"))
        out.append(row)
    return out


def _plain(columns: list[str], cells: list[list[str]], title: str | None) -> None:
    """Aligned text, as when piped: the terminal folds long lines, nothing is cut."""
    if title:
        echo(title)
    widths = [_width([name, *(row[i] for row in cells)]) for i, name in enumerate(columns)]
    for row in [columns, *cells]:
        echo("  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip())
