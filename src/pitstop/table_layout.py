"""Fitting a table to the terminal without cutting a value (for :func:`pitstop.output.table`).

Rich, left to itself, shrinks every column of a table that is too wide and cuts the
values with an ellipsis, identifiers included.  Here the widths are decided first:

1. if every column fits at its natural width, Rich draws it as it is;
2. key columns keep their natural width (one line, never cut);
3. the other columns are taken left to right at their least width (short columns
   whole, longer ones wide enough for their words); one that does not fit is left
   out (and named in the caption) and the next is tried;
4. the room left goes to the columns that wrap, narrowest need first, so that as many
   as can stay on one line.

Imported only when a table is drawn on a terminal (Rich is not needed otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len

MIN_WRAP_WIDTH = 12
"""A column this narrow is never wrapped; a wider one is never made narrower than this."""

MAX_WORD_WIDTH = 20
"""A wrapping column is made wide enough for its longest word up to this width (words
are not folded), longer words (URLs, paths) are folded."""


def _chrome(columns: int) -> int:
    """Borders and padding of a Rich table with edges: one space each side of a cell,
    one border between and around columns."""
    return 3 * columns + 1


def _natural(texts: Sequence[str]) -> int:
    return max((cell_len(line) for text in texts for line in (text.splitlines() or [""])),
               default=0)


def fit_widths(columns: Sequence[str], cells: Sequence[Sequence[str]], keys: set[str],
               width: int) -> tuple[list[int], dict[int, int] | None]:
    """Which columns to show (indexes) and the width of each: ``None`` when every
    column fits at its natural width; ``{}`` (only the key columns shown) when the
    key columns alone are wider than the terminal, and Rich folds them."""
    count = len(columns)
    natural = [max(1, _natural([columns[i], *(row[i] for row in cells)])) for i in range(count)]
    if sum(natural) + _chrome(count) <= width:
        return list(range(count)), None
    is_key = [columns[i] in keys for i in range(count)]

    def least(i: int) -> int:
        if is_key[i] or natural[i] <= MIN_WRAP_WIDTH:
            return natural[i]  # short columns are not worth wrapping
        words = [columns[i], *(row[i] for row in cells)]
        longest_word = _natural([w for text in words for w in text.split()] or [""])
        header_word = _natural(columns[i].split() or [""])
        return max(MIN_WRAP_WIDTH, header_word, min(longest_word, MAX_WORD_WIDTH))

    # key columns first, then the others left to right while their least width fits
    shown = [i for i in range(count) if is_key[i]]
    used = sum(natural[i] for i in shown) + _chrome(len(shown))
    if shown and used > width:  # the key columns alone are too wide: Rich folds them
        return shown, {}
    if not shown:
        shown, used = [0], least(0) + _chrome(1)
    for i in range(count):
        if i not in shown and used + least(i) + 3 <= width:
            shown.append(i)
            used += least(i) + 3
    shown.sort()
    widths = {i: least(i) for i in shown}
    room = width - used
    pending = sorted((i for i in shown if widths[i] < natural[i]),
                     key=lambda i: natural[i] - widths[i])
    for n, i in enumerate(pending):
        need = natural[i] - widths[i]
        if need <= room:  # narrowest need first: as many columns as can on one line
            widths[i] += need
            room -= need
            continue
        rest = pending[n:]
        for m, j in enumerate(rest):
            widths[j] += room // len(rest) + (1 if m < room % len(rest) else 0)
        break
    return shown, widths


def print_rich_table(columns: Sequence[str], cells: Sequence[Sequence[str]], *,
                     title: str | None, keys: set[str], no_color: bool) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(no_color=no_color, highlight=False)
    shown, widths = fit_widths(columns, cells, keys, console.width)
    hidden = [columns[i] for i in range(len(columns)) if i not in shown]
    caption = (f"not shown at {console.width} columns: {', '.join(hidden)} "
               "(use a wider terminal, or --json)") if hidden else None
    rich_table = Table(title=title, caption=caption, caption_justify="left")
    for i in shown:
        is_key = columns[i] in keys
        fixed = widths.get(i) if widths is not None else None
        # a key column wraps (folds) only when it cannot fit the terminal on its own
        rich_table.add_column(Text(columns[i]), overflow="fold",
                              no_wrap=is_key and widths != {}, width=fixed)
    for row in cells:
        rich_table.add_row(*(Text(row[i]) for i in shown))
    console.print(rich_table)
