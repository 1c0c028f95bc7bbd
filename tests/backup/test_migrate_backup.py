"""`pitstop migrate up --backup` / `[migrate] backup_before`: the backup taken first is
reported and recorded even when the migration then fails, so it can be restored; and
Alembic projects get their backup too."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest

import pitstop.backup as api
import pitstop.migrate as m
from pitstop.backup.premigrate import before_apply_for, migrate_task
from pitstop.capability import TaskContext
from pitstop.cli.main import main
from settings_builder import build_settings


def _tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


@pytest.fixture
def failing(project: Path) -> Path:
    """A SQLite project whose second migration fails; backup_before is on."""
    db = project / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE existing (x INTEGER)")
    migrations = project / "migrations"
    migrations.mkdir()
    (migrations / "V1__one.sql").write_text("CREATE TABLE one (x INTEGER);\n")
    (migrations / "V2__bad.sql").write_text("INSERT INTO nosuch VALUES (1);\n")
    (project / "pitstop.toml").write_text(
        f'database_url = "sqlite:///{db}"\n[migrate]\nbackup_before = true\n')
    return db


def test_a_failed_migration_names_the_backup_taken_first(project: Path, failing: Path) -> None:
    settings = build_settings(project)
    with pytest.raises(m.MigrationFailedError) as info:
        m.up(settings, before_apply=before_apply_for(settings))
    backup_id = info.value.backup_id  # type: ignore[attr-defined]
    assert backup_id in [b.id for b in api.list_backups(settings).backups]
    assert f"pitstop backup restore {backup_id} --yes" in (info.value.hint or "")
    assert "one" in _tables(failing)  # V1 stayed applied
    api.restore_backup(settings, backup_id=backup_id, yes=True, safety_backup=False)
    assert "one" not in _tables(failing) and "existing" in _tables(failing)


def test_the_backup_records_the_head_migrate_started_from(project: Path) -> None:
    """The head is handed to ``create_backup`` by the hook (migrate never imports
    backup): the backup taken before V2 says the database was at 1."""
    db = project / "app.db"
    migrations = project / "migrations"
    migrations.mkdir()
    (migrations / "V1__one.sql").write_text("CREATE TABLE one (x INTEGER);\n")
    (project / "pitstop.toml").write_text(f'database_url = "sqlite:///{db}"\n')
    settings = build_settings(project)
    assert m.up(settings).current_version == "1"
    (migrations / "V2__two.sql").write_text("CREATE TABLE two (x INTEGER);\n")
    seen: list[tuple[m.PendingPlan, set[str]]] = []
    backup_first = before_apply_for(settings, True)
    assert backup_first is not None

    def hook(plan: m.PendingPlan) -> m.RestorePoint | None:
        seen.append((plan, _tables(db)))
        return backup_first(plan)

    result = m.up(settings, before_apply=hook)
    [(plan, tables_then)] = seen
    assert plan.current_version == "1" and [s.file for s in plan.steps] == ["V2__two.sql"]
    assert "two" not in tables_then and "two" in _tables(db)  # called before applying
    backup = api.find_backup(settings, backup_id=result.backup_id)
    assert backup.migration_head == "1" and backup.label == "pre-migrate"


def test_the_backup_id_is_in_the_json_and_on_the_run(
    project: Path, failing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["migrate", "up", "--json"])
    out, _ = capsys.readouterr()
    assert code == 1
    shown = json.loads(out)["backup_id"]
    assert shown in [b.id for b in api.list_backups(build_settings(project)).backups]

    ctx = TaskContext(name="migrate", settings=build_settings(project), run_id="run-1",
                      log=logging.LoggerAdapter(logging.getLogger("pitstop.task.test"), {}))
    outcome = migrate_task(ctx)
    assert outcome.status == "failed" and outcome.exit_code == 1
    assert outcome.data["backup_id"] != shown
    assert outcome.data["backup_id"] in [b.id for b in api.list_backups(ctx.settings).backups]


def test_no_backup_id_when_the_failure_came_before_any_backup(project: Path,
                                                              failing: Path) -> None:
    (project / "pitstop.toml").write_text(
        f'database_url = "sqlite:///{failing}"\n')  # backup_before off
    settings = build_settings(project)
    with pytest.raises(m.MigrationFailedError) as info:
        m.up(settings, before_apply=before_apply_for(settings))
    assert getattr(info.value, "backup_id", None) is None
    assert "backup" not in (info.value.hint or "")


ENV = '''
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
engine = engine_from_config(config.get_section(config.config_ini_section, {}),
                            prefix="sqlalchemy.", poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
'''

REVISION = '''"""create things"""
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("things", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("things")
'''


def test_alembic_projects_are_backed_up_too(project: Path) -> None:
    (project / "alembic.ini").write_text("[alembic]\nscript_location = alembic\n")
    versions = project / "alembic" / "versions"
    versions.mkdir(parents=True)
    (project / "alembic" / "env.py").write_text(ENV)
    (versions / "a1_create_things.py").write_text(REVISION)
    db = project / "app.db"
    sqlite3.connect(db).close()
    (project / "pitstop.toml").write_text('[migrate]\ndir = "alembic"\n')
    settings = build_settings(project, database_url=f"sqlite:///{db}")
    backup_first = before_apply_for(settings, True)
    result = m.up(settings, before_apply=backup_first)
    assert [a.version for a in result.applied] == ["a1"]
    assert result.backup_id in [b.id for b in api.list_backups(settings).backups]
    assert m.up(settings, before_apply=backup_first).backup_id is None  # nothing pending
    assert m.up(settings, before_apply=backup_first, dry_run=True).backup_id is None
