"""pitstop's state, logs and backups are readable by their owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pitstop.cli.main import main
from pitstop.private import make_private_dir


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_missing_ancestors_are_made_private_existing_ones_kept(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir(mode=0o755)
    os.chmod(tmp_path / "shared", 0o755)
    make_private_dir(tmp_path / "shared" / "a" / "b")
    assert _mode(tmp_path / "shared") == 0o755
    assert _mode(tmp_path / "shared" / "a") == 0o700
    assert _mode(tmp_path / "shared" / "a" / "b") == 0o700
    make_private_dir(tmp_path / "shared" / "a" / "b")  # exists: nothing to do


def test_the_state_folder_logs_and_backups_are_private(project: Path) -> None:
    old = os.umask(0o022)
    try:
        (project / "pitstop.toml").write_text(
            'database_url = "sqlite:///app.db"\n[tasks.hello]\nrun = "true"\n')
        import sqlite3

        sqlite3.connect(project / "app.db").close()
        assert main(["run", "hello"]) == 0
        assert main(["backup", "create"]) == 0
    finally:
        os.umask(old)
    state = project / ".pitstop"
    assert _mode(state) == 0o700
    assert _mode(state / "logs") == 0o700
    assert _mode(state / "backups") == 0o700
