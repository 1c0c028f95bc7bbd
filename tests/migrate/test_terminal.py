"""What people read on a terminal: counts in words that agree, and tables that never
cut a version or a file name at 80 or 120 columns (the CLI runs on a real pty)."""

from __future__ import annotations

import logging
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pitstop.cli.main import main
from pitstop.cli.migrate_tables import STATUS, fit

from .conftest import simple, write_layout


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["migrate", *args])
    err = capsys.readouterr().err
    logging.getLogger("pitstop").handlers.clear()
    return code, err


def test_counts_agree_with_their_number(project: Path, sqlite_url: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    write_layout("flyway", project / "migrations", [simple(1)])
    db = ("--database", sqlite_url)
    assert "dry run: 1 migration would be applied" in _run(capsys, "up", "--dry-run", *db)[1]
    assert "1 migration applied; current version 1" in _run(capsys, "up", *db)[1]
    assert "0 migrations applied" in _run(capsys, "up", *db)[1]
    assert "dry run: 1 migration would be redone" in _run(capsys, "redo", "--dry-run", *db)[1]
    code, err = _run(capsys, "redo", *db)
    assert code == 0 and "1 migration redone; current version 1" in err
    assert "ok: 1 migration matches the history" in _run(capsys, "validate", *db)[1]
    write_layout("flyway", project / "migrations", [simple(2)], start=2)
    assert "1 migration applied" in _run(capsys, "up", *db)[1]
    assert "ok: 2 migrations match the history" in _run(capsys, "validate", *db)[1]
    assert "1 migration rolled back" in _run(capsys, "down", *db)[1]
    (project / "migrations" / "V1__step_1.sql").write_text("-- edited\n")
    code, err = _run(capsys, "up", *db)
    assert code == 1 and "1 migration needs attention" in err
    (project / "migrations" / "V1__step_1.sql").unlink()
    (project / "migrations" / "U1__step_1.sql").unlink()
    code, err = _run(capsys, "repair", "--dry-run", *db)
    assert "forget it (3 history rows)" in err  # applied, undone, applied again


def _pty(args: list[str], columns: int, cwd: Path) -> str:
    """stdout of ``pitstop ARGS`` on a pseudo-terminal ``columns`` wide."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "50", "TERM": "xterm",
           "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "pitstop", *args], stdout=slave,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env,
                            cwd=cwd)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 1 << 16)
        except OSError:  # the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    proc.wait(timeout=60)
    text = b"".join(chunks).decode()
    return re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\r\n", "\n")


@pytest.fixture
def long_names(project: Path, sqlite_url: str) -> list[tuple[str, str]]:
    """A dbmate project whose files have the long names real projects have; the first
    three applied (one of them rolled back), a fourth pending, out of order."""
    folder = project / "migrations"
    folder.mkdir()
    names = [("20240101120001", "create_the_customer_accounts_table"),
             ("20240101120002", "add_a_billing_address_to_customer_accounts"),
             ("20240101120003", "index_customer_accounts_by_email"),
             ("20231231235959", "backfill_orders_from_the_legacy_system")]
    for version, name in names[:3]:
        (folder / f"{version}_{name}.sql").write_text(
            f"-- migrate:up\nCREATE TABLE t{version} (id INTEGER);\n"
            f"-- migrate:down\nDROP TABLE t{version};\n")
    subprocess.run([sys.executable, "-m", "pitstop", "migrate", "up", "--database",
                    sqlite_url], cwd=project, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "pitstop", "migrate", "redo", "--database",
                    sqlite_url], cwd=project, check=True, capture_output=True)
    version, name = names[3]
    (folder / f"{version}_{name}.sql").write_text("-- migrate:up\nSELECT 1;\n")
    return [(v, f"{v}_{n}.sql") for v, n in names]


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("command", [["status"], ["history"], ["up", "--dry-run"]])
def test_tables_keep_versions_and_file_names_whole(
        project: Path, sqlite_url: str, long_names: list[tuple[str, str]], columns: int,
        command: list[str]) -> None:
    out = _pty(["migrate", *command, "--database", sqlite_url], columns, project)
    lines = out.splitlines()
    shown = long_names[3:] if command[0] == "up" else \
        long_names[:3] if command[0] == "history" else long_names
    for version, file in shown:
        assert any(version in line and file in line for line in lines), (file, out)
    assert "…" not in out, out
    if command[0] == "status":
        assert "out of order" in out.replace("\n", " ").replace("│", " ")


def test_fit_drops_then_wraps_then_falls_back_to_plain_text() -> None:
    columns = ["version", "description", "state", "applied at", "file", "note"]
    row = ["20240101120001", "create the customer accounts table", "applied",
           "2026-12-06T03:28:13.443Z", "20240101120001_create_the_customer_accounts.sql",
           "older than the current version 20240101120003 (out of order)"]
    kept, cells, fits = fit(columns, [row], STATUS, 220)
    assert fits and kept == columns and cells == [row]
    kept, cells, fits = fit(columns, [row], STATUS, 120)
    assert fits and kept == ["version", "state", "file", "note"]
    assert "20240101120003" in cells[0][3].splitlines()[1]  # wrapped between words only
    kept, cells, fits = fit(columns, [row], STATUS, 80)
    assert not fits and kept == ["version", "state", "file", "note"] and cells[0][3] == row[5]
