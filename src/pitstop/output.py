"""All terminal output: data to stdout, human text to stderr.

Rich is imported only when a table or live display is actually drawn on a terminal;
when output is piped, tables are plain aligned text and ``NO_COLOR`` is respected.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Collection, Sequence
from typing import Any

from pitstop.redact import redact

_json_lines = False


def set_json_lines(on: bool) -> None:
    """With ``--log-format json``, the human lines on stderr (:func:`info`,
    :func:`error`) become JSON objects too, so stderr stays one object per line."""
    global _json_lines
    _json_lines = on


def _json_line(level: str, text: str, **extra: Any) -> None:
    import datetime as dt

    payload = {"ts": dt.datetime.now(dt.UTC).isoformat(), "level": level, "task": None,
               "run_id": None, "message": text,
               **{k: v for k, v in extra.items() if v is not None}}
    sys.stderr.write(redact(json.dumps(payload, ensure_ascii=False)) + "\n")
    sys.stderr.flush()


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def use_color() -> bool:
    return "NO_COLOR" not in os.environ and stderr_is_terminal()


def emit_json(data: Any) -> None:
    """Write ``data`` as indented JSON to stdout (redacted)."""
    sys.stdout.write(redact(json.dumps(data, indent=2, default=str, ensure_ascii=False)) + "\n")
    sys.stdout.flush()


def echo(text: str = "") -> None:
    """A line of primary output (stdout)."""
    sys.stdout.write(redact(text) + "\n")
    sys.stdout.flush()


def info(text: str) -> None:
    """A line for people (stderr)."""
    if _json_lines:
        _json_line("INFO", text)
        return
    sys.stderr.write(redact(text) + "\n")
    sys.stderr.flush()


def error(text: str, hint: str | None = None) -> None:
    """An error line (stderr), with an optional hint line."""
    if _json_lines:
        _json_line("ERROR", text, hint=hint)
        return
    prefix = "\x1b[31merror:\x1b[0m " if use_color() else "error: "
    sys.stderr.write(redact(f"{prefix}{text}") + "\n")
    if hint:
        sys.stderr.write(redact(f"  hint: {hint}") + "\n")
    sys.stderr.flush()


def warning(text: str) -> None:
    """A warning line for people (stderr): something was ignored or may be wrong, and
    the command goes on."""
    if _json_lines:
        _json_line("WARNING", text)
        return
    prefix = "\x1b[33mwarning:\x1b[0m " if use_color() else "warning: "
    sys.stderr.write(redact(f"{prefix}{text}") + "\n")
    sys.stderr.flush()


PLAIN_PAD_LIMIT = 60
"""When piped, a column is padded to its widest cell of at most this many characters;
a longer cell is written whole and pushes the rest of its row to the right, so that one
long value does not pad every line."""


def table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    keys: Collection[str] = (),
) -> None:
    """Print a table to stdout: a Rich table on a terminal, aligned plain text otherwise.

    No value is ever cut with an ellipsis.  ``keys`` names the identifier columns
    (ids, versions, file names: the values a user copies into the next command):
    on a terminal they stay whole on one line.  The other columns wrap (at spaces,
    long words folded) to fit the terminal; when even that does not fit, the
    rightmost of them are left out and named under the table (``--json`` has them
    all).  If the key columns alone are wider than the terminal they are folded onto
    several lines, still whole.  When piped, nothing wraps or is dropped.
    """
    cells = [[redact("" if c is None else str(c)) for c in row] for row in rows]
    unknown = [k for k in keys if k not in columns]
    if unknown:
        raise ValueError(f"key columns {unknown} are not among {list(columns)}")  # a bug
    if stdout_is_terminal():
        from pitstop.table_layout import print_rich_table

        print_rich_table(list(columns), cells, title=title, keys=set(keys),
                         no_color="NO_COLOR" in os.environ)
        return
    if title:
        echo(title)
    widths = [len(c) for c in columns]
    for row in cells:
        for i, cell in enumerate(row):
            if len(cell) <= PLAIN_PAD_LIMIT:
                widths[i] = max(widths[i], len(cell))
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(columns)).rstrip()]
    lines += ["  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip() for row in cells]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
