"""Tables on a terminal never cut a value: key columns stay whole on one line, the
others wrap, and columns that cannot fit are dropped (and named)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pitstop import output

COLUMNS = ["id", "created", "database", "size", "raw", "verified", "migration", "label"]
ROWS = [
    ["20250617T103000Z-3f9a2c1d", "2025-06-17 10:30:00", "postgresql://app@db.internal:5432/shop",
     "1.2 MB", "14.8 MB", "2025-06-17 11:00:00", "V20250601120000__add_orders_table.sql",
     "before the big release of the orders rework"],
    ["20250618T020000Z-77be01aa", "2025-06-18 02:00:00", "postgresql://app@db.internal:5432/shop",
     "1.3 MB", "15.1 MB", "", "V20250602090000__index_orders_by_customer.sql", "nightly"],
]
KEYS = ("id", "migration")


def render(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], width: int,
           columns: list[str] = COLUMNS, rows: list[list[str]] = ROWS,
           keys: tuple[str, ...] = KEYS) -> str:
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", str(width))
    output.table(columns, rows, keys=keys)
    return capsys.readouterr().out


@pytest.mark.parametrize("width", [80, 100, 120])
def test_key_columns_stay_whole_on_one_line(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str],
                                           width: int) -> None:
    out = render(monkeypatch, capsys, width)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in out and "..." not in out
    for row in ROWS:
        assert any(row[0] in line for line in lines), row[0]
        assert any(row[6] in line for line in lines), row[6]


def test_other_columns_wrap_rather_than_being_cut(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    label = "before the big release of the orders rework, " * 4
    out = render(monkeypatch, capsys, 80, columns=["id", "size", "label"],
                 rows=[[ROWS[0][0], "1.2 MB", label]], keys=("id",))
    assert "…" not in out and "not shown" not in out
    lines = out.splitlines()
    assert any("1.2 MB" in line for line in lines)  # a short column stays on one line
    words = " ".join(out.replace("│", " ").replace("┃", " ").split())
    assert " ".join(label.split()) in words  # the label is all there, wrapped


def test_columns_that_cannot_fit_are_dropped_and_named(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    out = render(monkeypatch, capsys, 80)
    header = next(line for line in out.splitlines() if " id " in line)
    shown = [c for c in COLUMNS if f" {c} " in header]
    assert "id" in shown and "migration" in shown
    hidden = [c for c in COLUMNS if c not in shown]
    if hidden:
        assert "not shown" in out and all(c in out.split("not shown")[1] for c in hidden)


def test_without_keys_nothing_is_cut_either(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = render(monkeypatch, capsys, 80, keys=())
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_keys_wider_than_the_terminal_fold_but_are_never_cut(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    long_id = "x" * 70 + "-END"
    out = render(monkeypatch, capsys, 60, columns=["id", "note"], rows=[[long_id, "n"]],
                 keys=("id",))
    assert "…" not in out
    assert "".join(line.strip("│ ┃") for line in out.splitlines()).count("x") >= 70
    assert "-END" in out


def test_markup_like_text_is_shown_as_is(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = render(monkeypatch, capsys, 120, columns=["key", "value"],
                 rows=[["tasks.x", "[bold]not markup[/bold]"]], keys=("key",))
    assert "[bold]not markup[/bold]" in out


def test_unknown_key_column_is_a_bug(monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="nope"):
        render(monkeypatch, capsys, 80, keys=("nope",))


def test_plain_text_when_piped_is_whole_and_not_padded_by_one_long_cell(
        capsys: pytest.CaptureFixture[str]) -> None:
    output.table(["key", "value", "origin"],
                 [["a", "short", "default"], ["b", "v" * 230, "file"], ["c", "x", "default"]],
                 keys=("key",))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].index("origin") < 80
    assert "v" * 230 in lines[2]


@pytest.mark.parametrize("width", [80, 120])
def test_config_show_on_a_real_terminal(project: Path, width: int) -> None:
    (project / "pitstop.toml").write_text(
        "[tasks.a-task-with-a-rather-long-name-for-a-task]\n"
        "run = 'python scripts/seed_the_database_with_products.py --count 1000 --verbose'\n")
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": str(width), "TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "-m", "pitstop", "config", "show"], cwd=project,
                            stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.DEVNULL,
                            env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait() == 0
    out = re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode())
    assert "…" not in out
    assert "tasks.a-task-with-a-rather-long-name-for-a-task" in out
    assert max(len(line) for line in out.splitlines()) <= width
