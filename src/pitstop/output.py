"""All terminal output: data to stdout, human text to stderr.

Rich is imported only when a table or live display is actually drawn on a terminal;
when output is piped, tables are plain aligned text and ``NO_COLOR`` is respected.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
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


def table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    keys: Sequence[str] = (),
) -> None:
    """Print a table to stdout: a Rich table on a terminal, aligned plain text otherwise.

    Columns named in ``keys`` (ids, versions, file names) are never wrapped or cut;
    other columns fold when the terminal is narrow, never lose text to an ellipsis."""
    cells = [[redact("" if c is None else str(c)) for c in row] for row in rows]
    if stdout_is_terminal():
        from rich.console import Console
        from rich.table import Table

        rich_table = Table(title=title)
        for column in columns:
            if column in keys:
                rich_table.add_column(column, no_wrap=True, overflow="ignore")
            else:
                rich_table.add_column(column, overflow="fold")
        for row in cells:
            rich_table.add_row(*row)
        Console(no_color="NO_COLOR" in os.environ, highlight=False).print(rich_table)
        return
    if title:
        echo(title)
    widths = [len(c) for c in columns]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(columns)).rstrip()]
    lines += ["  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip() for row in cells]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
