"""import-history: adopt what another tool recorded, run nothing again."""

from __future__ import annotations

from pathlib import Path

import pytest

import pitstop.migrate as m
from pitstop.errors import MigrationError

from .conftest import make_settings, query, simple, write_layout

CASES = {
    "flyway": ("flyway", [
        "CREATE TABLE flyway_schema_history (installed_rank INTEGER, version VARCHAR(50), "
        "description VARCHAR(200), type VARCHAR(20), script VARCHAR(1000), success BOOLEAN)",
        "INSERT INTO flyway_schema_history VALUES (1, NULL, '<< Flyway Schema Creation >>', "
        "'SCHEMA', '<< Flyway Schema Creation >>', TRUE)",
        "INSERT INTO flyway_schema_history VALUES (2, '1', 'step 1', 'SQL', 'V1__step_1.sql', TRUE)",
        "INSERT INTO flyway_schema_history VALUES (3, '2', 'step 2', 'SQL', 'V2__step_2.sql', TRUE)",
    ]),
    "dbmate": ("dbmate", [
        "CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY)",
        "INSERT INTO schema_migrations VALUES ('20240101000001'), ('20240101000002')",
    ]),
    "golang-migrate": ("golang-migrate", [
        "CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, dirty BOOLEAN)",
        "INSERT INTO schema_migrations VALUES (2, FALSE)",
    ]),
    "diesel": ("diesel", [
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY, run_on "
        "TIMESTAMP)",
        "INSERT INTO __diesel_schema_migrations VALUES ('20240101000001', NULL), "
        "('20240101000002', NULL)",
    ]),
    "yoyo": ("plain", [
        "CREATE TABLE _yoyo_migration (migration_hash VARCHAR(64), migration_id VARCHAR(255), "
        "applied_at_utc TIMESTAMP)",
        "INSERT INTO _yoyo_migration VALUES ('h1', '001_step_1', NULL), ('h2', '002_step_2', NULL)",
    ]),
}


@pytest.mark.parametrize("source", sorted(CASES))
def test_import_from_tool_tables(project: Path, sqlite_url: str, source: str) -> None:
    layout, statements = CASES[source]
    names = write_layout(layout, project / "migrations", [simple(1), simple(2), simple(3)])
    for statement in statements:
        query(sqlite_url, statement)
    settings = make_settings(project, sqlite_url)
    result = m.import_history(settings, source=source)
    assert result.imported == tuple(names[:2])
    states = [e.state for e in m.status(settings).migrations]
    assert states == ["applied", "applied", "pending"]
    assert [a.file for a in m.up(settings).applied] == names[2:]  # 1 and 2 never ran again
    assert m.import_history(settings, source=source).imported == ()  # idempotent


def test_import_flyway_on_postgresql(project: Path, pg_url: str) -> None:
    _, statements = CASES["flyway"]
    write_layout("flyway", project / "migrations", [simple(1), simple(2)])
    for statement in statements:
        query(pg_url, statement)
    result = m.import_history(make_settings(project, pg_url), source="flyway")
    assert result.imported == ("V1__step_1.sql", "V2__step_2.sql")
    assert m.current_version(pg_url) == "2"


def test_import_plain_file(project: Path, sqlite_url: str) -> None:
    folder = project / "migrations"
    write_layout("plain", folder, [simple(1), simple(2), simple(3)])
    (folder / "migrations_applied.txt").write_text("001_step_1.sql\n# comment\n002_step_2.sql\n"
                                                   "000_gone.sql\n")
    settings = make_settings(project, sqlite_url)
    result = m.import_history(settings, source="plain-file")
    assert result.imported == ("001_step_1.sql", "002_step_2.sql")
    assert result.skipped == ("000_gone.sql",)
    assert [a.file for a in m.up(settings).applied] == ["003_step_3.sql"]


def test_import_refuses_a_dirty_golang_migrate(project: Path, sqlite_url: str) -> None:
    write_layout("golang-migrate", project / "migrations", [simple(1)])
    query(sqlite_url, "CREATE TABLE schema_migrations (version BIGINT, dirty BOOLEAN)")
    query(sqlite_url, "INSERT INTO schema_migrations VALUES (1, TRUE)")
    with pytest.raises(MigrationError, match="dirty"):
        m.import_history(make_settings(project, sqlite_url), source="golang-migrate")


def test_import_without_the_table(project: Path, sqlite_url: str) -> None:
    write_layout("flyway", project / "migrations", [simple(1)])
    with pytest.raises(MigrationError, match="cannot read the flyway history"):
        m.import_history(make_settings(project, sqlite_url), source="flyway")
