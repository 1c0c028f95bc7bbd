"""The `pitstop backup` and `pitstop snapshot` commands: exit codes, output, JSON,
help texts and the docs page; plus the built-in workflow tasks."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from gitutil import git
from pitstop.backup.tasks import backup_task, backup_verify_task
from pitstop.capability import TaskContext
from pitstop.cli.main import main
from pitstop.registry import load_settings

from .conftest import fill_sqlite

DOCS = Path(__file__).resolve().parents[2] / "docs" / "backup.md"


@pytest.fixture
def db(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = project / "app.db"
    fill_sqlite(path, rows=50)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_list_verify_delete(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "backup", "create", "--label", "first", "--json")
    assert code == 0
    created = json.loads(out)
    assert created["label"] == "first" and created["database"] == "sqlite"
    code, out, _ = run(capsys, "backup", "create")
    assert code == 0 and out.startswith("created backup ")
    code, out, _ = run(capsys, "backup", "list", "--json")
    listed = json.loads(out)["backups"]
    assert listed[0]["id"] == created["id"] and len(listed) == 2
    assert {"id", "created_at", "database", "size", "sha256", "migration_head"} <= set(listed[0])
    code, out, _ = run(capsys, "backup", "list")
    assert code == 0 and created["id"] in out and "first" in out
    first_id, second_id = listed[0]["id"], listed[1]["id"]
    differ = next(i for i, (x, y) in enumerate(zip(first_id, second_id, strict=True)) if x != y)
    code, _, err = run(capsys, "backup", "show", first_id[:differ])  # ambiguous prefix
    assert code == 3 and "matches 2 backups" in err
    code, out, _ = run(capsys, "backup", "show", created["id"])
    assert code == 0 and "sha256" in out and created["sha256"] in out
    code, out, _ = run(capsys, "backup", "show", "--json")
    assert json.loads(out)["id"] == listed[1]["id"]
    code, out, _ = run(capsys, "backup", "verify", created["id"])
    assert code == 0 and "is sound" in out and "2 tables, 51 rows" in out
    code, out, _ = run(capsys, "backup", "verify", "--json")  # latest
    assert code == 0 and json.loads(out)["ok"] is True
    code, out, _ = run(capsys, "backup", "delete", created["id"])
    assert code == 0 and f"deleted backup {created['id']}" in out
    code, _, err = run(capsys, "backup", "delete", created["id"])
    assert code == 1 and "no backup with id" in err


def test_verify_fails_with_exit_1_on_corruption(db: Path, project: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "backup", "create")[0] == 0
    dump = next((project / ".pitstop" / "backups").glob("*.zst"))
    data = dump.read_bytes()
    dump.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    code, out, _ = run(capsys, "backup", "verify")
    assert code == 1 and "FAILED" in out and "sha256 mismatch" in out


def test_restore_refusal_and_yes(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "backup", "create")
    code, _, err = run(capsys, "backup", "restore", "latest")
    assert code == 1 and "refusing to restore" in err and "--yes" in err
    code, out, err = run(capsys, "backup", "restore", "latest", "--yes")
    assert code == 0 and "restored backup" in out and "safety backup" in err
    code, out, _ = run(capsys, "backup", "restore", "latest", "--yes", "--no-safety-backup",
                       "--json")
    assert code == 0 and json.loads(out)["safety_backup"] is None


def test_restore_to_another_file(db: Path, project: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "backup", "create")
    code, out, _ = run(capsys, "backup", "restore", "latest", "--to",
                       f"sqlite:///{project / 'other.db'}", "--json")
    assert code == 0 and json.loads(out)["rows"] == 51


def test_prune_dry_run_exits_10_and_explains(db: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(3):
        run(capsys, "backup", "create")
    code, out, err = run(capsys, "backup", "prune", "--keep-last", "1", "--dry-run")
    assert code == 10
    assert out.count("would remove") == 2 and "last" in out
    assert "would remove 2 backup(s)" in err
    code, out, _ = run(capsys, "backup", "prune", "--keep-last", "1", "--json")
    assert code == 0 and len(json.loads(out)["removed"]) == 2


def test_prune_without_rules_is_a_usage_error(db: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "backup", "create")
    code, _, err = run(capsys, "backup", "prune")
    assert code == 3 and "no retention rule" in err
    code, _, err = run(capsys, "backup", "prune", "--keep-last", "0", "--keep-daily", "0")
    assert code == 3 and "every retention rule is 0" in err
    code, out, _ = run(capsys, "backup", "list", "--json")
    assert len(json.loads(out)["backups"]) == 1


def test_missing_database_file_fails_with_a_message(project: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "backup", "create", "--database",
                       f"sqlite:///{project / 'nope.db'}")
    assert code == 1 and "does not exist" in err and "Traceback" not in err


def test_missing_tool_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text('[backup]\npg-dump = "pg_dump_absent"\n')
    code, _, err = run(capsys, "backup", "create", "--database",
                       "postgresql://postgres:hunter22@127.0.0.1:5432/postgres")
    assert code in (2, 4)  # 4 when no server listens here
    assert "hunter22" not in err


def test_bad_url_and_bad_compression_exit_3(project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "backup", "create", "--database", "ftp://x/y")[0] == 3
    assert run(capsys, "backup", "create", "--compress", "lzma")[0] == 3


def test_snapshot_commands(git_repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    (git_repo / "a.txt").write_text("a\n")
    (git_repo / ".gitignore").write_text(".pitstop/\n")
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "one")
    monkeypatch.chdir(git_repo)
    code, out, _ = run(capsys, "snapshot", "create", "--json")
    assert code == 0
    first = json.loads(out)["id"]
    (git_repo / "a.txt").write_text("changed\n")
    code, _, err = run(capsys, "snapshot", "create")
    assert code == 1 and "uncommitted changes" in err and "M a.txt" in err
    code, out, _ = run(capsys, "snapshot", "diff", first)
    assert code == 0 and out.strip() == "M a.txt"
    code, out, _ = run(capsys, "snapshot", "create", "--force")
    assert code == 0 and "created snapshot" in out
    code, out, _ = run(capsys, "snapshot", "list", "--json")
    assert len(json.loads(out)["snapshots"]) == 2
    code, out, _ = run(capsys, "snapshot", "restore", first, str(tmp_path / "out"))
    assert code == 0 and (tmp_path / "out" / "a.txt").read_text() == "a\n"
    code, out, _ = run(capsys, "snapshot", "prune", "--keep-within", "1h", "--dry-run")
    assert code == 10 and "within 1h" in out
    code, _, err = run(capsys, "snapshot", "prune", "--keep-within", "soon")
    assert code == 3 and "keep-within" in err
    code, _, err = run(capsys, "snapshot", "prune", "--keep-last", "0")
    assert code == 3 and "every retention rule is 0" in err  # restic refuses it too
    code, out, _ = run(capsys, "snapshot", "list", "--json")
    assert len(json.loads(out)["snapshots"]) == 2
    code, out, _ = run(capsys, "snapshot", "prune", "--keep-last", "1", "--json")
    assert code == 0 and json.loads(out)["removed"] == [first]


def _commands() -> list[tuple[str, str]]:
    from pitstop.cli.backup_cmd import backup
    from pitstop.cli.snapshot_cmd import snapshot

    return [(group.name or "", name) for group in (backup, snapshot)
            for name in group.commands]


@pytest.mark.parametrize(("group", "command"), _commands())
def test_every_command_has_help_and_docs(group: str, command: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, group, command, "--help")
    assert code == 0 and "Usage:" in out and len(out.splitlines()) > 4
    assert f"pitstop {group} {command}" in DOCS.read_text()


def test_installed_entry_point(db: Path, project: Path) -> None:
    exe = Path(sys.executable).with_name("pitstop")
    result = subprocess.run([str(exe), "backup", "create", "--json"], cwd=project,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["database"] == "sqlite"


def _ctx(project: Path, **kwargs: object) -> TaskContext:
    settings = load_settings(project, overrides={"database_url": f"sqlite:///{project}/app.db"})
    log = logging.LoggerAdapter(logging.getLogger("pitstop.task.test"), {})
    return TaskContext(name="backup", settings=settings, run_id="run-1", log=log,
                       **kwargs)  # type: ignore[arg-type]


def test_backup_and_verify_tasks(db: Path, project: Path) -> None:
    ctx = _ctx(project)
    outcome = backup_task(ctx)
    assert outcome.status == "success" and outcome.data["backup_id"]
    ctx.results["backup"] = outcome
    verified = backup_verify_task(ctx)
    assert verified.status == "success" and verified.data["id"] == outcome.data["backup_id"]
    assert verified.data["rows"] == 51


def test_tasks_in_dry_run_change_nothing(db: Path, project: Path) -> None:
    ctx = _ctx(project, dry_run=True)
    assert backup_task(ctx).status == "dry-run"
    assert not (project / ".pitstop" / "backups").exists()


def test_verify_task_without_backups_fails(project: Path) -> None:
    from pitstop.errors import BackupError

    with pytest.raises(BackupError, match="no backup to verify"):
        backup_verify_task(_ctx(project))


@pytest.mark.postgres
def test_postgres_through_the_cli(project: Path, pg_url: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    import sqlalchemy

    engine = sqlalchemy.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"),
                                      poolclass=sqlalchemy.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t AS SELECT generate_series(1, 100) AS n")
    engine.dispose()
    code, out, _ = run(capsys, "backup", "create", "--database", pg_url, "--json")
    assert code == 0 and json.loads(out)["database"] == "postgresql"
    code, out, _ = run(capsys, "backup", "verify", "--database", pg_url, "--json")
    assert code == 0 and json.loads(out)["rows"] == 100
    code, _, err = run(capsys, "backup", "restore", "latest", "--to", pg_url)
    assert code == 1 and "refusing to restore" in err
    code, out, _ = run(capsys, "backup", "restore", "latest", "--to", pg_url, "--yes", "--json")
    assert code == 0 and json.loads(out)["rows"] == 100


def test_backup_tasks_in_a_workflow(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fill_sqlite(project / "app.db", rows=20)
    (project / "pitstop.toml").write_text(
        'database_url = "sqlite:///app.db"\n'
        '[workflows]\nnightly = ["backup", "backup-verify"]\n')
    code, _, err = run(capsys, "run", "nightly")
    assert code == 0, err
    code, out, _ = run(capsys, "backup", "list", "--json")
    backups = json.loads(out)["backups"]
    assert len(backups) == 1 and backups[0]["verified_at"] is not None
    assert backups[0]["label"].startswith("run ")
