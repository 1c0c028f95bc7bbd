"""``db inspect`` and ``db export`` on real SQLite, PostgreSQL and MariaDB: what the
inspector finds, exports that are byte-identical run after run, an SQL export that
rebuilds the same schema in an empty database, and ``export --check``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pitstop.cli.main import main
from pitstop.db import schema_verbs
from pitstop.db.scratch import scratch_database

from .schema_support import create, run_sql, sample_metadata, settings_for


@pytest.fixture
def sample(db_url: str) -> str:
    from pitstop.db.url import parse_url

    create(db_url, sample_metadata(parse_url(db_url).dialect))
    return db_url


def test_inspect_finds_every_kind_of_object(project: Path, sample: str) -> None:
    settings = settings_for(project, sample)
    result = schema_verbs.inspect(settings)
    schema = result.schema
    assert sorted(schema["tables"]) == ["posts", "users"]
    users = schema["tables"]["users"]
    cols = {c["name"]: c for c in users["columns"]}
    assert cols["email"]["nullable"] is False and "200" in cols["email"]["type"]
    assert cols["price"]["default"] is not None and "10" in cols["price"]["type"]
    assert cols["created"]["default"] is not None
    assert users["primary_key"]["columns"] == ["id"]
    assert ["email"] in [u["columns"] for u in users["unique_constraints"]] + \
        [i["columns"] for i in users["indexes"] if i["unique"]]
    names = {i["name"] for i in users["indexes"]}
    assert "ix_users_created" in names
    fk = schema["tables"]["posts"]["foreign_keys"][0]
    assert (fk["referred_table"], fk["columns"], fk["ondelete"]) == ("users", ["user_id"],
                                                                     "CASCADE")
    assert [v["name"] for v in schema["views"]] == ["user_emails"]
    if result.dialect != "mysql":  # MariaDB keeps the check but not always its name
        assert [c["name"] for c in users["check_constraints"]] == ["ck_users_price"]
    if result.dialect == "postgresql":
        assert schema["enums"] == {"mood": ["happy", "sad"]}
        assert cols["serial_no"]["identity"]["always"] is True
        assert cols["tags"]["type"] == "TEXT[]" and cols["doc"]["type"] == "JSONB"
        paid = next(i for i in users["indexes"] if i["name"] == "ix_users_paid")
        assert "price > " in paid["where"]
        lower = next(i for i in users["indexes"] if i["name"] == "ix_users_lower_email")
        assert lower["columns"] is None and "lower" in lower["expressions"][0]
        assert users["comment"] == "people" and cols["email"]["comment"] == "login"
    if result.dialect == "mysql":
        assert "ENUM" in cols["mood"]["type"]
    summary = result.summary()
    assert summary["tables"] == 2 and summary["views"] == 1


def test_inspect_named_tables_and_a_missing_one(project: Path, sample: str) -> None:
    settings = settings_for(project, sample)
    assert list(schema_verbs.inspect(settings, tables=["posts"]).schema["tables"]) == ["posts"]
    from pitstop.errors import UsageError

    with pytest.raises(UsageError, match="nope"):
        schema_verbs.inspect(settings, tables=["nope"])


@pytest.mark.parametrize("fmt", ["json", "sql"])
def test_export_is_byte_identical_and_the_sql_rebuilds_the_schema(
        project: Path, sample: str, fmt: str) -> None:
    settings = settings_for(project, sample)
    first = schema_verbs.export(settings, format=fmt).text  # type: ignore[arg-type]
    second = schema_verbs.export(settings, format=fmt).text  # type: ignore[arg-type]
    assert first == second and first.endswith("\n")
    if fmt != "sql":
        return
    original = schema_verbs.export(settings, format="json").text
    with scratch_database(sample) as empty:
        run_sql(str(empty.raw), first)
        rebuilt = schema_verbs.export(settings, format="json", database_url=empty.raw).text
    assert json.loads(rebuilt)["tables"] == json.loads(original)["tables"]


def test_export_check_from_the_cli(project: Path, sample: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    settings_for(project, sample)
    out = project / "schema.sql"
    assert main(["db", "export", "-o", str(out)]) == 0
    assert out.read_text().startswith("-- pitstop db export")
    assert main(["db", "export", "--check", str(out)]) == 0
    run_sql(sample, "ALTER TABLE posts ADD COLUMN body TEXT;\n")
    capsys.readouterr()
    assert main(["db", "export", "--check", str(out), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["matches"] is False and any("body" in line for line in data["difference"])
    assert "text" not in data
    assert main(["db", "export", "--check", str(project / "missing.sql")]) == 3


def test_inspect_cli_shows_tables_and_json(project: Path, sample: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    settings_for(project, sample)
    assert main(["db", "inspect"]) == 0
    shown = capsys.readouterr().out
    assert "table users" in shown and "foreign key" in shown and "view user_emails" in shown
    assert main(["db", "inspect", "users", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data["schema"]["tables"]) == ["users"] and data["table_count"] == 1


def test_a_missing_sqlite_file_is_not_created(project: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.db"
    settings_for(project, f"sqlite:///{missing}")
    assert main(["db", "inspect"]) == 4
    assert main(["db", "export", "-o", str(project / "s.sql")]) == 4
    assert not missing.exists() and not (project / "s.sql").exists()
    assert "does not exist" in capsys.readouterr().err


def test_a_password_never_reaches_the_output_or_the_history(
        project: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = pg_url.replace("postgres@", "postgres:s3cret-pw@")  # trust auth ignores it
    create(url, sample_metadata("postgresql"))
    settings_for(project, url)
    assert main(["db", "diff", url, url, "--json"]) == 0
    assert main(["db", "inspect", "--json"]) == 0
    assert main(["db", "export", "--check", str(project / "x.json")]) == 3
    assert main(["history", "--json"]) == 0
    said = capsys.readouterr()
    assert "s3cret-pw" not in said.out + said.err
    assert '"identical": true' in said.out


def test_a_view_named_like_a_secret_keeps_its_definition(
        project: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_sql(sqlite_url, "CREATE TABLE tokens (id INTEGER PRIMARY KEY, password TEXT);\n"
                        "CREATE VIEW api_token AS SELECT id FROM tokens;\n")
    settings_for(project, sqlite_url)
    assert main(["db", "inspect", "--json"]) == 0
    view = json.loads(capsys.readouterr().out)["schema"]["views"][0]
    assert view == {"name": "api_token", "definition": "SELECT id FROM tokens"}
