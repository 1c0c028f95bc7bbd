"""pitstop installed apart from the project (as with pipx): the project's code lives in a
virtualenv of its own with sqlmodel and psycopg2, neither of which pitstop's interpreter
has.  Alembic, the schema check, ``check env`` and ``pitstop test`` run there."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pitstop.cli.main import main

from .conftest import share_packages

ALEMBIC_INI = """
[alembic]
script_location = migrations
prepend_sys_path = .
"""

ENV_PY = """
from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

import app.models  # noqa: F401 - the models register themselves on SQLModel.metadata

config = context.config
target_metadata = SQLModel.metadata
print("env.py ran; this line is the app's stdout and must not disturb pitstop")

connectable = engine_from_config(config.get_section(config.config_ini_section, {}),
                                 prefix="sqlalchemy.", poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
"""

MODELS = """
from typing import Optional

from sqlmodel import Field, SQLModel


class Hero(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    age: Optional[int] = None
"""

REVISION = '''"""{doc}"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
    {up}


def downgrade():
    {down_sql}
'''


def alembic_project(root: Path) -> Path:
    files = {
        "alembic.ini": ALEMBIC_INI, "migrations/env.py": ENV_PY, "app/__init__.py": "",
        "app/models.py": MODELS,
        "migrations/script.py.mako": '"""${message}"""\nimport sqlalchemy as sa\n'
                                     "import sqlmodel\nfrom alembic import op\n\n"
                                     "revision = ${repr(up_revision)}\n"
                                     "down_revision = ${repr(down_revision)}\n\n\n"
                                     "def upgrade():\n"
                                     '    ${upgrades if upgrades else "pass"}\n\n\n'
                                     "def downgrade():\n"
                                     '    ${downgrades if downgrades else "pass"}\n',
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    versions = root / "migrations" / "versions"
    versions.mkdir()
    (versions / "a1_create_hero.py").write_text(REVISION.format(
        doc="create hero", rev="a1", down=None,
        up='op.create_table("hero", sa.Column("id", sa.Integer(), nullable=False),\n'
           '                    sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100),'
           ' nullable=False),\n                    sa.PrimaryKeyConstraint("id"))',
        down_sql='op.drop_table("hero")'))
    (versions / "a2_add_age.py").write_text(REVISION.format(
        doc="add age", rev="a2", down="a1",
        up='op.add_column("hero", sa.Column("age", sa.Integer(), nullable=True))',
        down_sql='op.drop_column("hero", "age")'))
    return root


@pytest.fixture
def app_project(project: Path) -> Path:
    return alembic_project(project)


def _json(capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    data: dict = json.loads(capsys.readouterr().out)  # type: ignore[type-arg]
    return data


def _columns(url: str) -> set[str]:
    import sqlalchemy

    from pitstop.db.url import create_engine

    engine = create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        inspector = sqlalchemy.inspect(engine)
        if not inspector.has_table("hero"):
            return set()
        return {c["name"] for c in inspector.get_columns("hero")}
    finally:
        engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_migrate_runs_alembic_in_the_projects_venv(
        app_project: Path, app_venv: Path, dialect: str, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url"}[dialect])
    if dialect == "postgresql":  # trust authentication ignores it; it must never be shown
        url = url.replace("postgres@", "postgres:Pw-n0t-shown-77@")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VIRTUAL_ENV", str(app_venv))  # activated, as a developer would

    assert main(["migrate", "status", "--json"]) == 0
    status = _json(capsys)
    assert [(m["version"], m["state"]) for m in status["migrations"]] == [("a1", "pending"),
                                                                          ("a2", "pending")]
    assert main(["migrate", "up"]) == 0
    captured = capsys.readouterr()
    assert "env.py ran" not in captured.out + captured.err  # the app's stdout stays out
    assert _columns(url) == {"id", "name", "age"}
    assert main(["migrate", "status", "--json"]) == 0
    status = _json(capsys)
    assert [m["state"] for m in status["migrations"]] == ["applied", "applied"]
    assert status["current_version"] == "a2"
    assert main(["migrate", "down"]) == 0
    assert _columns(url) == {"id", "name"}
    assert main(["migrate", "history", "--json"]) == 0
    history = _json(capsys)
    assert [(r["version"], r["type"]) for r in history["records"]] == [
        ("a1", "versioned"), ("a2", "versioned"), ("a2", "undo")]
    capsys.readouterr()
    assert main(["migrate", "up", "--dry-run", "--json"]) == 10
    assert [p["version"] for p in _json(capsys)["plan"]] == ["a2"]
    # autogenerate compares the app's models, imported in its venv, with the database
    assert main(["migrate", "up"]) == 0
    models = app_project / "app" / "models.py"
    models.write_text(models.read_text() + "    power: int = 0\n")
    assert main(["migrate", "new", "add power", "--autogenerate", "--json"]) == 0
    [created] = _json(capsys)["files"]
    assert "op.add_column('hero', sa.Column('power', sa.Integer(), nullable=False))" in \
        Path(created).read_text()


def test_without_the_projects_venv_sqlmodel_is_exit_3_naming_it_and_the_interpreter(
        app_project: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["migrate", "up"]) == 3
    err = capsys.readouterr().err
    assert (f"error: sqlmodel cannot be imported by {sys.executable} (pitstop's own "
            "interpreter: no [project] python, $VIRTUAL_ENV unset, no .venv or venv in "
            f"{app_project})") in err
    assert "hint: pitstop found no project virtualenv" in err
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists() or _columns(sqlite_url) == set()


def test_a_revision_that_raises_is_exit_1_with_its_traceback_tail(
        app_project: Path, app_venv: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    url = pg_url.replace("postgres@", "postgres:Pw-n0t-shown-77@")
    bad = app_project / "migrations" / "versions" / "a3_bad.py"
    bad.write_text(REVISION.format(
        doc="bad", rev="a3", down="a2",
        up=f'raise ValueError("cannot reach " + {url!r})', down_sql="pass"))
    (app_project / "pitstop.toml").write_text(f'database_url = "{url}"\n'
                                              f'[project]\npython = "{app_venv}"\n')
    assert main(["migrate", "up"]) == 1
    err = capsys.readouterr().err
    assert f"error: alembic: {bad}:13: ValueError: cannot reach postgresql://postgres:***@" in err
    assert f'File "{bad}", line 13, in upgrade' in err  # the tail of the project's traceback
    assert "Pw-n0t-shown-77" not in err
    assert _columns(url) == set()  # env.py runs them in one transaction: all rolled back


SCHEMA_TOML = """
[project]
python = "{venv}"

[checks.schema]
models = "app.models:SQLModel"
"""


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_schema_check_imports_sqlmodel_models_in_the_projects_venv(
        app_project: Path, app_venv: Path, dialect: str, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url"}[dialect])
    monkeypatch.setenv("DATABASE_URL", url)
    (app_project / "pitstop.toml").write_text(SCHEMA_TOML.format(venv=app_venv))
    assert main(["migrate", "up"]) == 0
    capsys.readouterr()
    assert main(["check", "schema", "--no-record"]) == 0
    assert "database matches app.models:SQLModel (1 tables)" in capsys.readouterr().out
    models = app_project / "app" / "models.py"
    models.write_text(models.read_text() + "    power: int = 0\n")
    assert main(["check", "schema", "--no-record", "--json"]) == 1
    [result, *_observed] = _json(capsys)["checks"]["schema"]
    assert result["status"] == "fail"
    assert "column hero.power is in the models but not in the database" in result["output"]


def test_schema_check_errors_from_the_projects_code(
        app_project: Path, app_venv: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    (app_project / "pitstop.toml").write_text(SCHEMA_TOML.format(venv=app_venv))
    assert main(["migrate", "up"]) == 0
    models = app_project / "app" / "models.py"
    models.write_text('import os\n\nSECRET = os.environ["APP_SECRET_KEY_FOR_TEST"]\n'
                      + models.read_text())
    capsys.readouterr()
    assert main(["check", "schema", "--no-record"]) == 1
    out = capsys.readouterr().out
    assert f"{models}:3: KeyError: 'APP_SECRET_KEY_FOR_TEST'" in out
    assert main(["check", "schema", "--no-record", "--json"]) == 1
    [_result, *observed] = _json(capsys)["checks"]["schema"]
    tail = next(o["observedValue"] for o in observed if o["measurement"] == "traceback")
    assert 'SECRET = os.environ["APP_SECRET_KEY_FOR_TEST"]' in tail
    # a models module the interpreter cannot find: exit 3 naming it and the interpreter
    (app_project / "pitstop.toml").write_text(
        SCHEMA_TOML.format(venv=app_venv).replace("app.models:", "app.modles:"))
    assert main(["check", "schema", "--no-record"]) == 3
    out = capsys.readouterr().out
    assert f"app.modles cannot be imported by {app_venv / 'bin' / 'python'} ([project] python)" \
        in out


def make_project_venv(where: Path, app_venv: Path) -> Path:
    """``python -m venv .venv`` as a developer types it (packages shared from the app venv
    so nothing is downloaded)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    share_packages(where, app_venv)
    return where


def test_check_env_reports_the_projects_venv_with_virtual_env_unset(
        project: Path, app_venv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text("[checks.env]\nrequire_virtualenv = true\n"
                                          'python = ">=3.8"\n')
    assert main(["check", "env", "--no-record"]) == 1  # pitstop's own venv is not the project's
    assert "no project virtualenv found" in capsys.readouterr().out
    venv = make_project_venv(project / ".venv", app_venv)
    assert main(["check", "env", "--no-record", "--json"]) == 0
    [result, *observed] = _json(capsys)["checks"]["env"]
    values = {o["measurement"]: o["observedValue"] for o in observed}
    assert values["interpreter"] == str(venv / "bin" / "python")
    assert values["interpreter_source"] == f".venv in {project}"
    assert values["virtualenv"] is True and values["packages"] >= 5  # sqlmodel and friends
    assert f"at {venv / 'bin' / 'python'} (.venv in {project})" in result["output"]


def _smoke_project(root: Path) -> None:
    (root / "tests").mkdir()
    (root / "tests" / "test_app.py").write_text(
        "import sqlmodel\n\n\ndef test_app():\n    assert sqlmodel.SQLModel\n")


@pytest.mark.parametrize("name", [".venv", "venv"])
def test_pitstop_test_finds_a_venv_made_by_python_m_venv(
        project: Path, app_venv: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    _smoke_project(project)
    venv = make_project_venv(project / name, app_venv)
    assert main(["test", "smoke", "--json", "--pattern", "tests/test_app.py"]) == 0
    data = _json(capsys)
    assert data["status"] == "passed" and data["python"] == str(venv / "bin" / "python")
    assert data["python_reason"] == f"{name} in {project}"


def test_pitstop_test_finds_a_venv_made_by_uv(project: Path, app_venv: Path, uv_binary: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    _smoke_project(project)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(project), "UV_NO_CONFIG": "1",
           "UV_PYTHON_DOWNLOADS": "never", "UV_OFFLINE": "1", "UV_CACHE_DIR": str(project / ".uvc")}
    subprocess.run([str(uv_binary), "venv", "--python", sys.executable], cwd=project, env=env,
                   check=True, capture_output=True)
    venv = project / ".venv"
    assert "uv = " in (venv / "pyvenv.cfg").read_text()
    share_packages(venv, app_venv)
    assert main(["test", "smoke", "--json", "--pattern", "tests/test_app.py"]) == 0
    data = _json(capsys)
    assert data["status"] == "passed" and data["python"] == str(venv / "bin" / "python")
