"""What `backup create` and `backup list` print on a real terminal: the result once,
and every backup id whole at 80 and 120 columns (the id is what `restore` needs)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

import pitstop.backup as api
from settings_builder import build_settings

from .conftest import fill_sqlite

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _pitstop(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("pitstop")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([str(exe), *args], cwd=project, capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def _in_terminal(project: Path, columns: int, *args: str) -> str:
    """Run pitstop with its output on a pseudo-terminal ``columns`` wide (and COLUMNS
    set to match); returns what the terminal received, without escape codes."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    exe = Path(sys.executable).with_name("pitstop")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["COLUMNS"] = str(columns)
    proc = subprocess.Popen([str(exe), *args], cwd=project, env=env, stdin=slave,
                            stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=60) == 0
    return ANSI.sub("", b"".join(chunks).decode()).replace("\r\n", "\n")


@pytest.fixture
def database(project: Path, tmp_path: Path) -> str:
    db = tmp_path / "app.db"
    fill_sqlite(db, rows=20)
    (project / "pitstop.toml").write_text(f'database_url = "sqlite:///{db}"\n')
    return str(db)


def test_create_prints_its_result_once(project: Path, database: str) -> None:
    done = _pitstop(project, "backup", "create", "--label", "once")
    assert done.returncode == 0, done.stderr
    backup_id = api.list_backups(build_settings(project)).backups[0].id
    assert (done.stdout + done.stderr).count(backup_id) == 1, (done.stdout, done.stderr)
    assert done.stdout.startswith(f"created backup {backup_id} of ")


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_list_keeps_every_id_whole(project: Path, database: str, columns: int) -> None:
    settings = build_settings(project)
    made = [api.create_backup(settings, label="before deploying release 2025.06.17 to the "
                                              "production cluster in eu-west-1")]
    made.append(api.create_backup(settings))
    restored = api.restore_backup(settings, backup_id=made[0].id, yes=True)
    assert restored.safety_backup is not None
    made.append(restored.safety_backup)
    screen = _in_terminal(project, columns, "backup", "list")
    for backup in made:
        assert backup.id in screen, screen
    rows = [line for line in screen.splitlines() if any(b.id in line for b in made)]
    assert len(rows) == 3
    assert "safety" in next(r for r in rows if restored.safety_backup.id in r)
    table = [line for line in screen.splitlines() if line[:1] in "┏┃┡│└"]
    assert table and all(len(line) <= columns for line in table), screen
    if columns == 80:
        assert "hidden to fit the terminal" in screen


def test_list_when_piped_has_every_column(project: Path, database: str) -> None:
    api.create_backup(build_settings(project), label="a label")
    done = _pitstop(project, "backup", "list")
    assert done.stdout.splitlines()[0].split() == [
        "id", "created", "kind", "database", "size", "raw", "verified", "migration", "label"]
    assert "hidden" not in done.stderr
