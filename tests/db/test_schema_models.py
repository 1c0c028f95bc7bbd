"""``db models`` (discovery in the project's interpreter), ``db diff`` between every kind
of side, ``db create-all`` and ``migrate current`` — with a real SQLModel project in a
virtualenv of its own."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from pitstop.cli.main import main
from pitstop.db import schema_verbs

from .schema_support import settings_for

SQLMODEL_APP = '''
import enum
import uuid
import datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class Mood(str, enum.Enum):
    happy = "happy"
    sad = "sad"


class Hero(SQLModel, table=True):
    __tablename__ = "heroes"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, index=True)
    mood: Mood = Field(default=Mood.happy)
    uid: uuid.UUID = Field(default_factory=uuid.uuid4)
    born: Optional[datetime.datetime] = Field(default=None,
                                              sa_type=sa.DateTime(timezone=True))


class Team(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    hero_id: Optional[int] = Field(default=None, foreign_key="heroes.id",
                                   ondelete="SET NULL")
'''

ENV_PY = '''from logging.config import fileConfig

from alembic import context

config = context.config
target_metadata = None
'''


def sqlmodel_project(project: Path, url: str, python: Path, extra: str = "") -> None:
    (project / "app").mkdir()
    (project / "app" / "__init__.py").write_text("")
    (project / "app" / "models.py").write_text(textwrap.dedent(SQLMODEL_APP))
    (project / "app" / "tests").mkdir()
    (project / "app" / "tests" / "test_x.py").write_text("raise RuntimeError('not me')\n")
    settings_for(project, url, f'[project]\npython = "{python}"\n'
                               '[models]\npaths = ["app", "plugins/*"]\n'
                               f'exclude = ["app/tests"]\n{extra}')


def test_models_are_discovered_listed_and_written_into_env_py(
        project: Path, sqlite_url: str, project_python: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    sqlmodel_project(project, sqlite_url, project_python)
    (project / "plugins" / "billing").mkdir(parents=True)
    (project / "plugins" / "billing" / "__init__.py").write_text(textwrap.dedent('''
        from typing import Optional
        from sqlmodel import Field, SQLModel

        class Invoice(SQLModel, table=True):
            id: Optional[int] = Field(default=None, primary_key=True)
    '''))
    (project / "plugins" / "__init__.py").write_text("")
    assert main(["db", "models", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    found = {(m["name"], m["table"], m["module"]) for m in data["models"]}
    assert found == {("Hero", "heroes", "app.models"), ("Team", "team", "app.models"),
                     ("Invoice", "invoice", "plugins.billing")}
    assert data["imports"] == ["from app.models import Hero, Team",
                               "from plugins.billing import Invoice"]
    assert main(["db", "models", "--imports"]) == 0
    assert capsys.readouterr().out.splitlines() == data["imports"]

    env = project / "alembic" / "env.py"
    env.parent.mkdir()
    env.write_text(ENV_PY)
    assert main(["db", "models", "--write-env", "alembic/env.py"]) == 0
    first = env.read_text()
    assert "from app.models import Hero, Team  # noqa: F401" in first
    assert first.index("pitstop models") < first.index("target_metadata")
    capsys.readouterr()
    assert main(["db", "models", "--write-env", "alembic/env.py", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] is False
    assert env.read_text() == first


def test_a_broken_module_and_a_table_mapped_twice_are_named(
        project: Path, sqlite_url: str, project_python: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    sqlmodel_project(project, sqlite_url, project_python)
    (project / "app" / "broken.py").write_text("import app.models\nraise ValueError('boom')\n")
    (project / "app" / "twice.py").write_text(textwrap.dedent('''
        import sqlalchemy as sa
        from sqlalchemy.orm import DeclarativeBase

        class Other(DeclarativeBase):
            pass

        class Heroes(Other):
            __tablename__ = "heroes"
            id = sa.Column(sa.Integer, primary_key=True)
    '''))
    capsys.readouterr()
    assert main(["db", "models", "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    kinds = {p["kind"]: p for p in problems}
    assert kinds["import"]["file"] == "app/broken.py" and "boom" in kinds["import"]["message"]
    assert "heroes" in kinds["duplicate"]["message"]
    assert "app.twice.Heroes" in kinds["duplicate"]["message"]
    assert not any("not me" in p["message"] for p in problems)  # excluded


def test_diff_between_every_kind_of_side(project: Path, sqlite_url: str,
                                         project_python: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    sqlmodel_project(project, sqlite_url, project_python)
    settings = settings_for(project, sqlite_url, (project / "pitstop.toml").read_text()
                            .split("\n", 1)[1])
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    import sqlite3

    sqlite3.connect(tmp_path / "empty.db").close()
    result = schema_verbs.diff(settings, source=empty, target="models:")
    assert not result.identical and result.exit_code == 1
    texts = [d.text for d in result.differences]
    assert any(t.startswith("add table heroes") for t in texts)
    assert "CREATE TABLE heroes" in result.statements()
    # the reverse: models → database drops them, which is destructive
    back = schema_verbs.diff(settings, source="models:app.models:SQLModel", target=empty)
    assert all(d.destructive for d in back.differences if d.kind == "drop_table")
    # create the schema, export it, compare the export with the models (a scratch db)
    assert schema_verbs.create_all(settings).tables == ("heroes", "team")
    out = project / "schema.json"
    schema_verbs.export(settings, output=out)
    same = schema_verbs.diff(settings, source="schema.json", target="models:")
    assert same.identical and same.scratch
    assert schema_verbs.diff(settings, source=sqlite_url, target="schema.json").identical
    sql = project / "schema.sql"
    schema_verbs.export(settings, output=sql)
    assert schema_verbs.diff(settings, source="schema.sql", target=sqlite_url).identical
    capsys.readouterr()
    assert main(["db", "diff", "nope.json", "models:"]) == 3
    assert "nope.json" in capsys.readouterr().err


def test_diff_on_postgresql_reports_enum_values_in_words(
        project: Path, pg_url: str, project_python: Path) -> None:
    sqlmodel_project(project, pg_url, project_python)
    settings = settings_for(project, pg_url, (project / "pitstop.toml").read_text()
                            .split("\n", 1)[1])
    schema_verbs.create_all(settings)
    assert schema_verbs.diff(settings, source=pg_url, target="models:").identical
    models = project / "app" / "models.py"
    models.write_text(models.read_text().replace('    sad = "sad"\n',
                                                 '    sad = "sad"\n    calm = "calm"\n'))
    result = schema_verbs.diff(settings, source=pg_url, target="models:")
    assert [d.text for d in result.differences] == ["add value 'calm' to enum mood"]
    assert "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'calm';" in result.statements()
    # an export of the database against the models, through a scratch PostgreSQL database
    out = project / "schema.json"
    schema_verbs.export(settings, output=out)
    through = schema_verbs.diff(settings, source="schema.json", target="models:")
    assert through.scratch and [d.text for d in through.differences] == \
        ["add value 'calm' to enum mood"]


def test_create_all_refuses_a_database_with_tables_and_current_prints_one_line(
        project: Path, sqlite_url: str, project_python: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    sqlmodel_project(project, sqlite_url, project_python)
    assert main(["db", "create-all", "--dry-run"]) == 10
    assert main(["db", "create-all", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tables"] == ["heroes", "team"]
    assert main(["db", "create-all"]) == 1
    assert "is not empty" in capsys.readouterr().err
    (project / "migrations").mkdir()
    (project / "migrations" / "V1__extra.sql").write_text("CREATE TABLE extra (id INT);\n")
    assert main(["migrate", "current"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["migrate", "up"]) == 0
    capsys.readouterr()
    assert main(["migrate", "current"]) == 0
    assert capsys.readouterr().out == "1\n"


def test_no_models_found_is_an_error_not_a_migration_dropping_everything(
        project: Path, sqlite_url: str, project_python: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    settings_for(project, sqlite_url, f'[project]\npython = "{project_python}"\n'
                                      '[models]\npaths = ["nothing_here"]\n')
    (project / "migrations").mkdir()
    (project / "migrations" / "V1__t.sql").write_text("CREATE TABLE t (id INT);\n")
    assert main(["migrate", "new", "more", "--autogenerate"]) == 3
    assert "no models found under [models] paths" in capsys.readouterr().err
    assert [p.name for p in (project / "migrations").iterdir()] == ["V1__t.sql"]
    assert main(["db", "models"]) == 0
    assert main(["db", "diff", sqlite_url, "models:"]) == 3
