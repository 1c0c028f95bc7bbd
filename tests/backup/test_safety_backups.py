"""Safety backups (what `restore` takes of its target first) are labelled as such in
the manifest, never chosen by `latest` unless asked for, and marked in `backup list`;
and a restore that cannot be all or nothing (MariaDB) says so before it starts."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import pitstop.backup as api
from pitstop.backup.model import Backup
from pitstop.cli.main import main
from pitstop.config import Settings
from pitstop.errors import BackupError

from .conftest import fill_sqlite, query, run_sql, script

MakeSettings = Callable[..., Settings]


@pytest.fixture
def sqlite_settings(make_settings: MakeSettings, tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> Settings:
    db = tmp_path / "app.db"
    fill_sqlite(db, rows=20)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")  # for the CLI
    return make_settings(f"sqlite:///{db}")


def test_latest_skips_safety_backups(sqlite_settings: Settings,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    first = api.create_backup(sqlite_settings, label="nightly")
    result = api.restore_backup(sqlite_settings, backup_id="latest", yes=True)
    safety = result.safety_backup
    assert safety is not None and safety.is_safety and safety.kind == "safety"
    assert not first.is_safety and first.kind == "backup"
    assert api.list_backups(sqlite_settings).backups[-1].id == safety.id  # it is the newest
    assert api.find_backup(sqlite_settings, backup_id="latest").id == first.id
    assert api.find_backup(sqlite_settings, backup_id="latest", include_safety=True).id == safety.id
    assert api.find_backup(sqlite_settings, backup_id=safety.id[:20]).id == safety.id  # by id: fine
    assert api.verify_backup(sqlite_settings, backup_id="latest").backup.id == first.id

    assert main(["backup", "list", "--json"]) == 0
    listed = {b["id"]: b["kind"] for b in json.loads(capsys.readouterr().out)["backups"]}
    assert listed == {first.id: "backup", safety.id: "safety"}
    assert main(["backup", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["id", "created", "kind"]
    row = {line.split()[0]: line for line in lines[1:]}
    assert "safety" in row[safety.id].split() and "safety" not in row[first.id].split()
    assert main(["backup", "show", "--include-safety", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == safety.id
    assert main(["backup", "restore", "latest", "--yes", "--no-safety-backup",
                 "--include-safety", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == safety.id


def test_only_safety_backups_left(sqlite_settings: Settings) -> None:
    api.create_backup(sqlite_settings)
    safety = api.restore_backup(sqlite_settings, backup_id="latest", yes=True).safety_backup
    assert safety is not None
    api.delete_backup(sqlite_settings, backup_id="latest")
    with pytest.raises(api.BackupNotFoundError, match="but safety backups") as info:
        api.find_backup(sqlite_settings, backup_id="latest")
    assert safety.id in info.value.message
    assert info.value.hint == "name one by its id, or pass include_safety"


def test_manifests_from_before_kinds_are_read_by_their_label() -> None:
    base = {"id": "20250101T000000Z-abcdef", "created_at": "2025-01-01T00:00:00+00:00",
            "database": "sqlite", "source": "sqlite:///x", "file": "f", "compression": "none",
            "server_version": None, "tool": "t", "tool_version": None, "size_raw": 1,
            "size": 1, "sha256": "0"}
    old_safety = Backup.from_json({**base, "label": "safety before restoring 2024"})
    assert old_safety.is_safety
    assert not Backup.from_json({**base, "label": "nightly"}).is_safety
    assert Backup.from_json({**base, "kind": "safety"}).to_dict()["kind"] == "safety"


@pytest.mark.postgres
def test_after_a_failed_restore_latest_is_still_the_backup(make_settings: MakeSettings,
                                                           pg_url: str) -> None:
    """The reported way to lose data: a restore failed after its safety backup, and
    the next `backup restore latest` brought back the safety backup instead."""
    import uuid

    role = f"pitstop_gone_{uuid.uuid4().hex[:8]}"
    run_sql(pg_url, [f"CREATE ROLE {role}", "CREATE TABLE t (x int)", "INSERT INTO t VALUES (1)",
                     f"GRANT SELECT ON t TO {role}"])
    try:
        settings = make_settings(pg_url)
        wanted = api.create_backup(settings)
        run_sql(pg_url, [f"REVOKE ALL ON t FROM {role}", f"DROP ROLE {role}",
                         "INSERT INTO t VALUES (2)"])
        with pytest.raises(BackupError, match="does not exist"):
            api.restore_backup(settings, backup_id="latest", yes=True)
        kinds = [b.kind for b in api.list_backups(settings).backups]
        assert kinds == ["backup", "safety"]
        assert api.find_backup(settings, backup_id="latest").id == wanted.id
    finally:
        run_sql(pg_url, [f"DROP ROLE IF EXISTS {role}"])


@pytest.mark.mysql
def test_mariadb_restore_says_it_is_not_all_or_nothing(
    make_settings: MakeSettings, mysql_url: str, tmp_path: Path,
    caplog: pytest.LogCaptureFixture
) -> None:
    run_sql(mysql_url, ["CREATE TABLE t (x int)", "INSERT INTO t VALUES (1), (2)"])
    settings = make_settings(mysql_url)
    backup = api.create_backup(settings)
    run_sql(mysql_url, ["INSERT INTO t VALUES (3)"])
    for safety in (True, False):
        with pytest.raises(api.RestoreRefusedError) as info:
            api.restore_backup(settings, backup_id=backup.id, safety_backup=safety)
        assert "cannot restore in one transaction" in info.value.message
        assert ("no way back" in info.value.message) is not safety
        assert (info.value.hint or "").startswith("pass yes to replace its contents")

    # with --yes it is said before anything is touched; a failure midway names the way back
    real = shutil.which("mariadb") or shutil.which("mysql")
    failing = script(tmp_path, "failing-client",
                     f'head -c 200 | {real} "$@"\necho "ERROR 2013: lost connection" >&2\n'
                     "exit 1\n")
    broken = make_settings(mysql_url, toml=f'[backup]\nmysql-client = "{failing}"\n')
    with caplog.at_level(logging.WARNING, logger="pitstop.backup"), \
            pytest.raises(BackupError, match="lost connection") as failed:
        api.restore_backup(broken, backup_id=backup.id, yes=True)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("cannot restore in one transaction" in w for w in warnings)
    safety_id = api.list_backups(broken).backups[-1].id
    assert f"pitstop backup restore {safety_id} --yes" in (failed.value.hint or "")
    api.restore_backup(settings, backup_id=safety_id, yes=True, safety_backup=False)
    assert query(mysql_url, "SELECT x FROM t ORDER BY x") == [(1,), (2,), (3,)]


@pytest.mark.postgres
def test_postgres_refusal_does_not_warn_of_a_partial_restore(make_settings: MakeSettings,
                                                             pg_url: str) -> None:
    run_sql(pg_url, ["CREATE TABLE t (x int)"])
    settings = make_settings(pg_url)
    backup = api.create_backup(settings)
    with pytest.raises(api.RestoreRefusedError) as info:
        api.restore_backup(settings, backup_id=backup.id)
    assert "one transaction" not in info.value.message
