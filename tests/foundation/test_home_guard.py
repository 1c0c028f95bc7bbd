"""The guard in ``tests/conftest.py``: a test cannot write to the real home directory —
the write fails, it is not merely sent to a redirected ``HOME``."""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

import pytest

import conftest


@pytest.fixture
def real_home() -> Path:
    home = Path(conftest.REAL_HOME)
    if home == Path(os.sep) or not home.is_dir():
        pytest.skip(f"no real home directory to guard ({home})")
    assert os.environ["HOME"] != str(home)  # HOME is redirected as well
    return home


def test_writing_a_file_in_the_real_home_fails(real_home: Path) -> None:
    target = real_home / f".pitstop-home-guard-{uuid.uuid4().hex}"
    with pytest.raises(PermissionError, match="real home directory"):
        target.write_text("must not land here", encoding="utf-8")
    with pytest.raises(PermissionError):
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT))
    with pytest.raises(PermissionError):
        target.mkdir()
    with pytest.raises(PermissionError):
        sqlite3.connect(target)
    assert not target.exists()


def test_reading_the_real_home_and_writing_elsewhere_still_work(real_home: Path,
                                                                tmp_path: Path) -> None:
    assert isinstance(os.listdir(real_home), list)
    (tmp_path / "fine.txt").write_text("ok", encoding="utf-8")
    (Path(os.environ["HOME"]) / ".config").mkdir(parents=True, exist_ok=True)
