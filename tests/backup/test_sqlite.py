"""Database backups of SQLite files: round trip, concurrent writers, verify,
restore safety, manifest, atomicity, delete and prune."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import pitstop
import pitstop.backup as api
from pitstop.backup.archive import open_store, write_manifest
from pitstop.backup.dumpers.sqlite import inspect_file
from pitstop.config import Settings
from pitstop.errors import BackupError, UsageError

from .conftest import fill_sqlite

MakeSettings = Callable[..., Settings]


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def rows(path: Path) -> dict[str, int]:
    return dict(inspect_file(path).table_rows)


def backup_files(settings: Settings) -> list[str]:
    root = settings.project_dir / ".pitstop" / "backups"
    names = sorted(p.name for p in root.iterdir()) if root.exists() else []
    return [n for n in names if n != ".last-failure.json"]


@pytest.mark.parametrize("compress", ["zstd", "gzip", "none"])
def test_round_trip(make_settings: MakeSettings, sqlite_db: Path, tmp_path: Path,
                    compress: str) -> None:
    settings = make_settings(url(sqlite_db))
    backup = api.create_backup(settings, label="nightly", compress=compress)
    target = tmp_path / "restored" / "copy.db"
    result = api.restore_backup(settings, backup_id=backup.id, to=url(target))
    assert result.safety_backup is None
    assert rows(target) == rows(sqlite_db) == {"ledger": 1, "users": 200}
    schema = "SELECT type, name, sql FROM sqlite_master ORDER BY name"
    with sqlite3.connect(sqlite_db) as a, sqlite3.connect(target) as b:
        assert a.execute(schema).fetchall() == b.execute(schema).fetchall()
        assert a.execute("SELECT * FROM users").fetchall() == \
            b.execute("SELECT * FROM users").fetchall()


def test_manifest_describes_the_backup(make_settings: MakeSettings, sqlite_db: Path) -> None:
    settings = make_settings(url(sqlite_db))
    backup = api.create_backup(settings, label="before deploy")
    manifest = json.loads((settings.project_dir / ".pitstop" / "backups" /
                           f"{backup.id}.json").read_text())
    assert manifest["id"] == backup.id
    assert manifest["database"] == "sqlite"
    assert manifest["source"] == url(sqlite_db)
    assert manifest["label"] == "before deploy"
    assert manifest["compression"] == "zstd"
    assert manifest["file"].endswith(".sqlite3.zst")
    assert manifest["size_raw"] == sqlite_db.stat().st_size
    assert 0 < manifest["size"] < manifest["size_raw"]
    assert len(manifest["sha256"]) == 64
    assert manifest["server_version"] == sqlite3.sqlite_version
    assert manifest["tool"] == "sqlite3-backup-api"
    assert manifest["migration_head"] is None  # no migrations in this project
    assert manifest["pitstop_version"] == pitstop.__version__
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert backup_files(settings) == sorted([f"{backup.id}.json", manifest["file"]])


@pytest.mark.parametrize("wal", [True, False], ids=["wal", "rollback-journal"])
def test_consistent_under_a_concurrent_writer(
    make_settings: MakeSettings, tmp_path: Path, wal: bool,
    concurrent_writer: Callable[[Path, float], object],
) -> None:
    db = tmp_path / "busy.db"
    fill_sqlite(db, rows=2000, wal=wal)
    settings = make_settings(url(db))
    # a rollback-journal writer in a tight loop starves readers (SQLite's locking);
    # let it breathe a millisecond between transactions, as real applications do
    concurrent_writer(db, 0.0 if wal else 0.001)
    seen = []
    for i in range(5):
        backup = api.create_backup(settings)
        target = tmp_path / f"restored{i}.db"
        api.restore_backup(settings, backup_id=backup.id, to=url(target))
        state = inspect_file(target)
        assert state.integrity == "ok"
        with sqlite3.connect(target) as conn:
            users = conn.execute("SELECT count(*) FROM users").fetchone()[0]
            total = conn.execute("SELECT total FROM ledger").fetchone()[0]
        assert users == total  # every transaction is in the copy whole or not at all
        seen.append(users)
    assert seen[-1] > 2000  # the writer really was writing


def test_verify_finds_a_corrupted_byte(make_settings: MakeSettings, sqlite_db: Path) -> None:
    settings = make_settings(url(sqlite_db))
    backup = api.create_backup(settings)
    good = api.verify_backup(settings, backup_id=backup.id)
    assert good.ok and good.checksum_ok and good.restored
    assert (good.tables, good.rows) == (2, 201)
    assert api.find_backup(settings, backup_id=backup.id).verified_at is not None
    path = settings.project_dir / ".pitstop" / "backups" / backup.file
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    bad = api.verify_backup(settings, backup_id=backup.id)
    assert not bad.ok and not bad.checksum_ok
    assert "sha256 mismatch" in bad.problems[0]
    with pytest.raises(BackupError, match="refusing to restore"):
        api.restore_backup(settings, backup_id=backup.id, to=url(sqlite_db.with_name("x.db")))


def test_verify_detects_a_dump_that_does_not_restore(make_settings: MakeSettings,
                                                     sqlite_db: Path) -> None:
    settings = make_settings(url(sqlite_db))
    backup = api.create_backup(settings, compress="none")
    store = open_store(settings)
    store.write_bytes(backup.file, b"this is not a database" * 100)
    import hashlib

    sha = hashlib.sha256(store.read_bytes(backup.file)).hexdigest()
    write_manifest(store, dataclasses.replace(backup, sha256=sha))
    result = api.verify_backup(settings, backup_id=backup.id)
    assert result.checksum_ok and not result.ok
    assert "restore failed" in result.problems[0]


def test_restore_refuses_a_non_empty_database_then_takes_a_safety_backup(
    make_settings: MakeSettings, sqlite_db: Path
) -> None:
    settings = make_settings(url(sqlite_db))
    backup = api.create_backup(settings)
    with sqlite3.connect(sqlite_db) as conn:
        conn.execute("DELETE FROM users WHERE id > 10")
    with pytest.raises(api.RestoreRefusedError, match="2 tables"):
        api.restore_backup(settings, backup_id=backup.id)
    assert rows(sqlite_db)["users"] == 10  # untouched
    result = api.restore_backup(settings, backup_id=backup.id, yes=True)
    assert rows(sqlite_db)["users"] == 200
    assert result.safety_backup is not None
    assert result.safety_backup.label == f"safety before restoring {backup.id}"
    # the safety backup holds the state just before the restore
    again = api.restore_backup(settings, backup_id=result.safety_backup.id, yes=True,
                               safety_backup=False)
    assert again.safety_backup is None
    assert rows(sqlite_db)["users"] == 10


def test_restore_into_a_live_database_with_an_open_reader(
    make_settings: MakeSettings, sqlite_db: Path
) -> None:
    settings = make_settings(url(sqlite_db))
    backup = api.create_backup(settings)
    with sqlite3.connect(sqlite_db) as conn:
        conn.execute("DROP TABLE users")
    reader = sqlite3.connect(sqlite_db)
    try:
        api.restore_backup(settings, backup_id=backup.id, yes=True, safety_backup=False)
        assert reader.execute("SELECT count(*) FROM users").fetchone()[0] == 200
    finally:
        reader.close()


def test_failed_backup_leaves_nothing_and_blocks_prune(make_settings: MakeSettings,
                                                      tmp_path: Path) -> None:
    settings = make_settings(url(tmp_path / "missing.db"))
    with pytest.raises(BackupError, match="does not exist"):
        api.create_backup(settings)
    assert backup_files(settings) == []  # not even a .partial file
    assert api.list_backups(settings).backups == ()
    assert api.last_failure(settings) is not None
    with pytest.raises(BackupError, match="last backup attempt failed"):
        api.prune_backups(settings, policy=api.KeepPolicy(last=1))
    assert api.prune_backups(settings, policy=api.KeepPolicy(last=1), force=True).removed == ()


def test_success_clears_the_failure_marker(make_settings: MakeSettings, sqlite_db: Path,
                                          tmp_path: Path) -> None:
    with pytest.raises(BackupError):
        api.create_backup(make_settings(url(tmp_path / "missing.db")))
    settings = make_settings(url(sqlite_db))
    api.create_backup(settings)
    assert api.last_failure(settings) is None


def test_ids_prefixes_latest_and_delete(make_settings: MakeSettings, sqlite_db: Path) -> None:
    settings = make_settings(url(sqlite_db))
    first = api.create_backup(settings)
    second = api.create_backup(settings)
    assert [b.id for b in api.list_backups(settings).backups] == [first.id, second.id]
    assert api.find_backup(settings, backup_id="latest") == second
    assert api.find_backup(settings, backup_id=first.id[:-2]).id == first.id
    with pytest.raises(UsageError, match="matches 2 backups"):
        api.find_backup(settings, backup_id=first.id[:8])
    with pytest.raises(api.BackupNotFoundError):
        api.find_backup(settings, backup_id="nope")
    api.delete_backup(settings, backup_id=first.id)
    assert [b.id for b in api.list_backups(settings).backups] == [second.id]
    assert not any(name.startswith(first.id) for name in backup_files(settings))


def _age(settings: Settings, backup: api.Backup, days: int) -> None:
    aged = dataclasses.replace(backup, created_at=datetime(2025, 6, 10, 3, tzinfo=UTC)
                               - timedelta(days=days))
    write_manifest(open_store(settings), aged)


def test_prune_keeps_the_newest_verified_backup(make_settings: MakeSettings,
                                                sqlite_db: Path) -> None:
    settings = make_settings(url(sqlite_db))
    backups = [api.create_backup(settings) for _ in range(4)]
    for days, backup in zip((3, 2, 1, 0), backups, strict=True):
        _age(settings, backup, days)
    api.verify_backup(settings, backup_id=backups[0].id)  # the oldest is the only verified one
    dry = api.prune_backups(settings, policy=api.KeepPolicy(last=1), dry_run=True)
    assert dry.removed == (backups[1].id, backups[2].id)
    assert len(api.list_backups(settings).backups) == 4
    reasons = {d.id: d.reasons for d in dry.decisions}
    assert reasons[backups[0].id] == ("newest verified backup",)
    assert reasons[backups[3].id] == ("last",)
    done = api.prune_backups(settings, policy=api.KeepPolicy(last=1))
    assert done.removed == dry.removed
    assert done.freed_bytes == backups[1].size + backups[2].size
    assert [b.id for b in api.list_backups(settings).backups] == [backups[0].id, backups[3].id]


def test_prune_uses_configured_rules(make_settings: MakeSettings, sqlite_db: Path) -> None:
    settings = make_settings(url(sqlite_db), toml="[backup]\nkeep-daily = 1\n")
    backups = [api.create_backup(settings) for _ in range(3)]
    result = api.prune_backups(settings)
    assert result.kept == (backups[-1].id,)


def test_backup_dir_and_compression_from_config(make_settings: MakeSettings,
                                               sqlite_db: Path, project: Path) -> None:
    settings = make_settings(url(sqlite_db),
                             toml='[backup]\ndir = "store"\ncompress = "gzip"\nlevel = 9\n')
    backup = api.create_backup(settings)
    assert backup.compression == "gzip"
    assert (project / "store" / backup.file).is_file()


def test_bad_config_is_a_config_error(make_settings: MakeSettings) -> None:
    from pitstop.errors import ConfigError

    with pytest.raises(ConfigError, match="level"):
        make_settings(toml='[backup]\nlevel = 40\n')
    with pytest.raises(ConfigError, match="compress"):
        make_settings(toml='[backup]\ncompress = "lzma"\n')


def test_dialect_mismatch_is_a_usage_error(make_settings: MakeSettings,
                                          sqlite_db: Path) -> None:
    settings = make_settings(url(sqlite_db))
    backup = api.create_backup(settings)
    with pytest.raises(UsageError, match="sqlite backup") as info:
        api.restore_backup(settings, backup_id=backup.id, to="postgresql://u@127.0.0.1:1/x")
    assert info.value.hint == "pass to with a sqlite URL"  # restore's own option
    with pytest.raises(UsageError, match="sqlite backup") as info:
        api.verify_backup(settings, backup_id=backup.id, database_url="postgresql://u@127.0.0.1:1/x")
    assert info.value.hint == "pass database_url with a sqlite URL"


def test_progress_is_reported(make_settings: MakeSettings, sqlite_db: Path,
                              tmp_path: Path) -> None:
    settings = make_settings(url(sqlite_db))
    seen: list[tuple[int, int | None]] = []
    backup = api.create_backup(settings, progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1] == sqlite_db.stat().st_size
    seen.clear()
    api.restore_backup(settings, backup_id=backup.id, to=url(tmp_path / "p.db"),
                       progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (backup.size, backup.size)


def test_manifest_records_the_migration_head(make_settings: MakeSettings,
                                             sqlite_db: Path, project: Path) -> None:
    migrate = pytest.importorskip("pitstop.migrate")
    (project / "migrations").mkdir()
    (project / "migrations" / "V1__first.sql").write_text("CREATE TABLE m1 (x int);\n")
    (project / "migrations" / "V2__second.sql").write_text("CREATE TABLE m2 (x int);\n")
    settings = make_settings(url(sqlite_db))
    migrate.up(settings)
    assert api.create_backup(settings).migration_head == "2"


def test_verify_of_a_sqlite_backup_needs_no_sqlite_database_url(
    make_settings: MakeSettings, sqlite_db: Path
) -> None:
    backup = api.create_backup(make_settings(url(sqlite_db)))
    other = make_settings("postgresql://nobody@127.0.0.1:1/none")
    assert api.verify_backup(other, backup_id=backup.id).ok
