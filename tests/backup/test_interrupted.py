"""A `backup create` killed with -9: the next `create`, `list` or `prune` removes its
partial files once its process is gone, records it as a failed backup (so `prune`
refuses) and says so; a backup still being written is left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pitstop.backup as api
from pitstop.backup import inflight
from pitstop.backup.storage import LocalStorage
from pitstop.errors import BackupError
from settings_builder import build_settings

from .conftest import fill_sqlite, start_slow_backup, stop_orphan


def _files(project: Path) -> list[str]:
    root = project / ".pitstop" / "backups"
    return sorted(p.name for p in root.iterdir() if p.name != ".last-failure.json")


def _pitstop(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("pitstop")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([str(exe), *args], cwd=project, capture_output=True, text=True,
                          env=env, timeout=120, check=False)


@pytest.mark.mysql
@pytest.mark.parametrize("next_command", ["list", "prune", "create"])
def test_the_next_command_cleans_up_after_a_kill_9(project: Path, mysql_url: str,
                                                   tmp_path: Path, next_command: str) -> None:
    proc = start_slow_backup(project, mysql_url, tmp_path)
    proc.kill()
    proc.communicate(timeout=20)
    stop_orphan(tmp_path)
    left = _files(project)
    assert any(n.endswith(".partial") for n in left)
    backup_id = next(n for n in left if n.endswith(".inflight")).split(".")[1]

    if next_command == "create":
        (project / "pitstop.toml").write_text("")  # the real dump tool again
        done = _pitstop(project, "backup", "create", "--database", mysql_url)
        assert done.returncode == 0, done.stderr
        assert api.last_failure(build_settings(project)) is None  # the new one succeeded
    else:
        args = ["list"] if next_command == "list" else ["prune", "--keep-last", "1"]
        done = _pitstop(project, "backup", *args)
        assert done.returncode == (0 if next_command == "list" else 1), done.stderr
        failure = api.last_failure(build_settings(project)) or {}
        assert f"backup {backup_id} was interrupted" in failure.get("error", "")
        assert failure.get("database") == mysql_url
    assert f"backup {backup_id} was interrupted" in done.stderr
    assert f"pid {proc.pid}" in done.stderr and "recorded as a failed backup" in done.stderr
    assert not [n for n in _files(project) if n.startswith(".")]  # nothing hidden left
    if next_command != "create":
        refused = _pitstop(project, "backup", "prune", "--keep-last", "1")
        assert refused.returncode == 1 and "interrupted" in refused.stderr
        again = _pitstop(project, "backup", "list")
        assert "interrupted" not in again.stderr  # said once


@pytest.mark.mysql
def test_a_backup_being_written_is_left_alone(project: Path, mysql_url: str,
                                              tmp_path: Path) -> None:
    proc = start_slow_backup(project, mysql_url, tmp_path)
    try:
        before = _files(project)
        settings = build_settings(project)
        assert api.list_backups(settings).backups == ()
        assert _files(project) == before
        assert api.last_failure(settings) is None
    finally:
        proc.kill()
        proc.communicate(timeout=20)
        stop_orphan(tmp_path)


def _record(root: Path, backup_id: str, pid: int, started: float) -> None:
    data = {"id": backup_id, "database": "sqlite:///x.db", "pid": pid,
            "host": os.uname().nodename, "started": started}
    (root / inflight.record_name(backup_id)).write_text(json.dumps(data))
    (root / f".{backup_id}.sqlite3.zst.abc123.partial").write_bytes(b"x" * 1000)


def test_a_reused_pid_is_not_taken_for_the_writer(tmp_path: Path) -> None:
    """The pid of a dead writer may belong to a process started since (as the run sweep
    knows): a record older than the process with its pid is a dead writer's."""
    root = tmp_path / "store"
    root.mkdir()
    store = LocalStorage(root)
    _record(root, "20250101T000000Z-aaaaaa", os.getpid(), time.time())  # this process
    _record(root, "20250101T000000Z-bbbbbb", os.getpid(), 86400.0)  # 1970: reused pid
    found = inflight.sweep(store)
    assert [(f.id, f.removed_files, f.freed_bytes) for f in found] == \
        [("20250101T000000Z-bbbbbb", 1, 1000)]
    assert sorted(p.name for p in root.iterdir()) == [
        ".20250101T000000Z-aaaaaa.inflight", ".20250101T000000Z-aaaaaa.sqlite3.zst.abc123.partial"]


def test_a_finished_or_failed_backup_leaves_no_record(tmp_path: Path, project: Path) -> None:
    db = tmp_path / "app.db"
    fill_sqlite(db, rows=5)
    settings = build_settings(project, database_url=f"sqlite:///{db}")
    api.create_backup(settings)
    missing = build_settings(project, database_url=f"sqlite:///{tmp_path}/no.db")
    with pytest.raises(BackupError, match="does not exist"):
        api.create_backup(missing)
    assert not [n for n in _files(project) if n.startswith(".")]
