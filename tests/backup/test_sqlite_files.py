"""The SQLite file path of `backup create`: the backup API writes straight into the
store's hidden temporary file (uncompressed) or into a scratch copy read once through
the compressor; checksums match the stored bytes, and failures, interrupts and kills
leave nothing that looks like a backup."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import pitstop.backup as api
from pitstop.backup.compress import decompressing_reader, hash_and_sync, pump_file
from pitstop.backup.dumpers.sqlite import inspect_file
from pitstop.backup.storage import LocalStorage
from pitstop.config import Settings
from pitstop.errors import BackupError

from .conftest import fill_sqlite

MakeSettings = Callable[..., Settings]
COMPRESSIONS = ["none", "zstd", "gzip"]


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def store_dir(settings: Settings) -> Path:
    return settings.project_dir / ".pitstop" / "backups"


def leftovers(settings: Settings) -> list[str]:
    """Every file in the store, hidden ones included, but the failure marker."""
    root = store_dir(settings)
    if not root.exists():
        return []
    return sorted(p.name for p in root.iterdir() if p.name != ".last-failure.json")


@pytest.mark.parametrize("compress", COMPRESSIONS)
def test_checksum_and_sizes_describe_the_stored_bytes(
    make_settings: MakeSettings, tmp_path: Path, compress: str
) -> None:
    db = tmp_path / "app.db"
    fill_sqlite(db, rows=3000, wal=True)
    settings = make_settings(url(db))
    backup = api.create_backup(settings, compress=compress)
    stored = store_dir(settings) / backup.file
    data = stored.read_bytes()
    assert backup.sha256 == hashlib.sha256(data).hexdigest()
    assert backup.size == len(data)
    assert backup.size_raw == db.stat().st_size
    with stored.open("rb") as handle:
        raw = decompressing_reader(handle, compress).read()
    assert len(raw) == backup.size_raw
    # nothing else in the store: no scratch copy, no rollback journal of the copy
    assert leftovers(settings) == sorted([backup.file, f"{backup.id}.json"])


def test_an_uncompressed_backup_is_a_sound_database_file(make_settings: MakeSettings,
                                                         tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    fill_sqlite(db, rows=500, wal=True)
    settings = make_settings(url(db))
    backup = api.create_backup(settings, compress="none")
    stored = store_dir(settings) / backup.file
    assert backup.file.endswith(".sqlite3")
    state = inspect_file(stored)
    assert state.integrity == "ok"
    assert dict(state.table_rows) == {"ledger": 1, "users": 500}
    assert api.verify_backup(settings, backup_id=backup.id).ok


@pytest.mark.parametrize("compress", COMPRESSIONS)
def test_a_file_that_is_not_a_database_leaves_nothing(
    make_settings: MakeSettings, tmp_path: Path, compress: str
) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"this is not a SQLite database, just text " * 200)
    settings = make_settings(url(bogus))
    with pytest.raises(BackupError, match=str(bogus)):
        api.create_backup(settings, compress=compress)
    assert leftovers(settings) == []
    assert api.last_failure(settings) is not None


@pytest.mark.parametrize("compress", COMPRESSIONS)
def test_an_interrupt_during_the_read_pass_leaves_nothing(
    make_settings: MakeSettings, tmp_path: Path, compress: str
) -> None:
    db = tmp_path / "app.db"
    fill_sqlite(db, rows=3000)
    settings = make_settings(url(db))

    def interrupt(done: int, total: int | None) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        api.create_backup(settings, compress=compress, progress=interrupt)
    assert leftovers(settings) == []
    assert api.list_backups(settings).backups == ()
    assert api.create_backup(settings, compress=compress).size > 0  # the store still works


SLOW_BACKUP = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pitstop.backup import create_backup
    from pitstop.registry import load_settings

    def stall(done, total):
        print("copying", flush=True)
        time.sleep(60)

    settings = load_settings(Path(sys.argv[1]),
                             overrides={"database_url": "sqlite:///" + sys.argv[2]})
    create_backup(settings, compress=sys.argv[3], progress=stall)
""")


@pytest.mark.parametrize("compress", ["none", "zstd"])
def test_a_killed_backup_leaves_only_hidden_files_that_the_next_list_removes(
    make_settings: MakeSettings, project: Path, tmp_path: Path, compress: str
) -> None:
    db = tmp_path / "app.db"
    fill_sqlite(db, rows=3000)
    settings = make_settings(url(db))
    proc = subprocess.Popen([sys.executable, "-c", SLOW_BACKUP, str(project), str(db),
                             compress], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "copying"
    finally:
        proc.kill()
        proc.communicate(timeout=20)
    names = leftovers(settings)
    assert names and all(n.startswith(".") for n in names)
    partials = [n for n in names if n.endswith(".partial")]
    assert partials and set(names) - set(partials) == {n for n in names
                                                       if n.endswith(".inflight")}
    assert api.list_backups(settings).backups == ()  # the writer is gone: swept now
    assert leftovers(settings) == []
    assert "interrupted" in (api.last_failure(settings) or {}).get("error", "")


def test_partial_files_without_a_writer_record_go_after_a_day(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir()
    (root / ".copy.abc.partial").write_bytes(b"x")
    (root / ".fresh.partial").write_bytes(b"y")
    old = time.time() - 2 * 86400
    os.utime(root / ".copy.abc.partial", (old, old))
    assert LocalStorage(root).sweep_partials(86400) == 1
    assert [p.name for p in root.iterdir()] == [".fresh.partial"]


def test_hash_and_sync_and_pump_file_read_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    data = os.urandom(3 * (8 << 20) + 12345)  # several large chunks and a short tail
    path.write_bytes(data)
    seen: list[tuple[int, int | None]] = []
    size, digest = hash_and_sync(path, lambda d, t: seen.append((d, t)))
    assert (size, digest) == (len(data), hashlib.sha256(data).hexdigest())
    assert seen[-1] == (len(data), len(data)) and len(seen) == 4

    class Collect:
        def __init__(self) -> None:
            self.parts: list[bytes] = []

        def write(self, chunk: bytes | bytearray | memoryview) -> int:
            self.parts.append(bytes(chunk))
            return len(chunk)

    sink = Collect()
    assert pump_file(path, sink, None) == len(data)
    assert b"".join(sink.parts) == data


def test_a_wal_database_is_copied_with_its_uncheckpointed_transactions(
    make_settings: MakeSettings, tmp_path: Path
) -> None:
    db = tmp_path / "app.db"
    fill_sqlite(db, rows=100, wal=True)
    holder = sqlite3.connect(db)  # keeps the WAL from being checkpointed away on close
    holder.execute("PRAGMA wal_autocheckpoint=0")
    holder.executemany("INSERT INTO users (name) VALUES (?)", [(f"late{i}",) for i in range(50)])
    holder.execute("UPDATE ledger SET total = total + 50")
    holder.commit()
    try:
        assert Path(f"{db}-wal").stat().st_size > 0
        settings = make_settings(url(db))
        for compress in ("none", "zstd"):
            backup = api.create_backup(settings, compress=compress)
            target = tmp_path / f"restored-{compress}.db"
            api.restore_backup(settings, backup_id=backup.id, to=url(target))
            assert dict(inspect_file(target).table_rows) == {"ledger": 1, "users": 150}
            manifest = json.loads((store_dir(settings) / f"{backup.id}.json").read_text())
            assert manifest["size_raw"] == backup.size_raw
    finally:
        holder.close()


def test_the_stream_interface_of_the_sqlite_dumper_still_works(tmp_path: Path) -> None:
    from pitstop.backup.dumpers import FileDumper, get_dumper
    from pitstop.backup.settings import BackupSettings
    from pitstop.db.url import parse_url

    db = tmp_path / "app.db"
    fill_sqlite(db, rows=700)
    work = tmp_path / "work"
    work.mkdir()
    dumper = get_dumper("sqlite", BackupSettings(), work)
    assert isinstance(dumper, FileDumper)
    parts: list[bytes] = []

    class Collect:
        def write(self, chunk: bytes | bytearray | memoryview) -> int:
            parts.append(bytes(chunk))
            return len(chunk)

    dumper.dump(parse_url(url(db)), Collect(), None)
    copy = tmp_path / "copy.db"
    copy.write_bytes(b"".join(parts))
    assert dict(inspect_file(copy).table_rows) == {"ledger": 1, "users": 700}
    assert list(work.iterdir()) == []  # the scratch copy is gone
