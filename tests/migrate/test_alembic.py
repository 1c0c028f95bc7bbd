"""Alembic projects go through Alembic's own command API."""

from __future__ import annotations

from pathlib import Path

import pytest

import pitstop.migrate as m
from pitstop.errors import MigrationError, UsageError

from .conftest import make_settings, tables

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

MAKO = '''"""${message}"""
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''

REVISION = '''"""{doc}"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
    {up}


def downgrade():
    {down_sql}
'''


def alembic_project(project: Path) -> None:
    (project / "alembic.ini").write_text("[alembic]\nscript_location = alembic\n")
    versions = project / "alembic" / "versions"
    versions.mkdir(parents=True)
    (project / "alembic" / "env.py").write_text(ENV)
    (project / "alembic" / "script.py.mako").write_text(MAKO)
    (versions / "a1_create_things.py").write_text(REVISION.format(
        doc="create things", rev="a1", down=None,
        up='op.create_table("things", sa.Column("id", sa.Integer, primary_key=True))',
        down_sql='op.drop_table("things")'))
    (versions / "a2_add_name.py").write_text(REVISION.format(
        doc="add name", rev="a2", down="a1",
        up='op.add_column("things", sa.Column("name", sa.String(50)))',
        down_sql='op.drop_column("things", "name")'))


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_alembic_delegation(project: Path, dialect: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url"}[dialect])
    alembic_project(project)
    settings = make_settings(project, url, '[migrate]\ndir = "alembic"\n')
    status = m.status(settings)
    assert status.layout == "alembic"
    assert [(e.version, e.state) for e in status.migrations] == [("a1", "pending"),
                                                                  ("a2", "pending")]
    plan = m.up(settings, dry_run=True)
    assert plan.dry_run and [p.version for p in plan.plan] == ["a1", "a2"]
    assert "things" not in tables(url)

    result = m.up(settings)
    assert [a.version for a in result.applied] == ["a1", "a2"]
    assert result.current_version == "a2"
    assert "things" in tables(url)
    assert [e.state for e in m.status(settings).migrations] == ["applied", "applied"]
    assert [(r.version, r.type) for r in m.history(settings).records] == [
        ("a1", "versioned"), ("a2", "versioned")]

    assert [p.version for p in m.down(settings, steps=2, dry_run=True).plan] == ["a2", "a1"]
    assert [p.version for p in m.down(settings, to="a1", dry_run=True).plan] == ["a2"]
    down = m.down(settings)
    assert [a.version for a in down.applied] == ["a2"]
    assert m.status(settings).current_version == "a1"

    created = m.new(settings, name="add price")
    assert created.layout == "alembic"
    assert Path(created.files[0]).is_file()
    assert [e.state for e in m.status(settings).migrations] == ["applied", "pending", "pending"]


def test_alembic_errors_are_migration_errors(project: Path, sqlite_url: str) -> None:
    alembic_project(project)
    bad = project / "alembic" / "versions" / "a3_bad.py"
    bad.write_text(REVISION.format(doc="bad", rev="a3", down="a2",
                                   up='op.execute("SELEC broken")', down_sql="pass"))
    settings = make_settings(project, sqlite_url, '[migrate]\ndir = "alembic"\n')
    with pytest.raises(MigrationError, match="alembic"):
        m.up(settings)


def test_alembic_redo_and_refusals(project: Path, sqlite_url: str) -> None:
    alembic_project(project)
    settings = make_settings(project, sqlite_url, '[migrate]\ndir = "alembic"\n')
    m.up(settings)
    assert [(p.version, p.direction) for p in m.redo(settings, dry_run=True).plan] == [
        ("a2", "down"), ("a2", "up")]
    redo = m.redo(settings)
    assert [(a.version, a.direction) for a in redo.applied] == [("a2", "down"), ("a2", "up")]
    for call in (lambda: m.repair(settings), lambda: m.baseline(settings, version="a1"),
                 lambda: m.import_history(settings, source="flyway")):
        with pytest.raises(UsageError, match="Alembic project"):
            call()
    assert m.validate(settings).ok
