"""Failures, drift, non-transactional files, baseline, placeholders, repeatables."""

from __future__ import annotations

from pathlib import Path

import pytest

import pitstop.migrate as m
from pitstop.errors import MigrationError, PermissionDeniedError, UsageError

from .conftest import make_settings, query, simple, tables, write_layout

FAILING = (
    "CREATE TABLE f1 (id INTEGER);\n"
    "INSERT INTO f1 (id) VALUES (1);\n"
    "INSERT INTO no_such_table (id) VALUES (1);\n"
)


def test_failure_halfway(project: Path, db_url: str) -> None:
    folder = project / "migrations"
    write_layout("flyway", folder, [simple(1), (FAILING, "DROP TABLE f1;")])
    settings = make_settings(project, db_url)
    with pytest.raises(m.MigrationFailedError) as info:
        m.up(settings)
    exc = info.value
    assert exc.file == "V2__step_2.sql"
    assert exc.line == 3
    assert "no_such_table" in exc.statement
    assert [a.file for a in exc.applied] == ["V1__step_1.sql"]
    assert "t1" in tables(db_url)  # earlier migrations stay applied
    states = {e.file: e.state for e in m.status(settings).migrations}
    assert states["V1__step_1.sql"] == "applied"
    if not db_url.startswith("mysql"):
        assert exc.transactional
        assert "f1" not in tables(db_url)  # nothing of it left behind
        assert states["V2__step_2.sql"] == "pending"
        return
    # MySQL: DDL committed; recorded as failed with its progress; refused until repair
    assert not exc.transactional
    assert (exc.statements_applied, exc.statements_total) == (2, 3)
    assert states["V2__step_2.sql"] == "failed"
    failed = m.history(settings).records[-1]
    assert (failed.success, failed.statements_applied, failed.statements_total) == (False, 2, 3)
    assert "no_such_table" in (failed.failed_statement or "")
    with pytest.raises(m.ValidationError, match=r"V2__step_2.sql") as refused:
        m.up(settings)
    assert "by hand" in (refused.value.hint or "")  # not "restore the files"
    plan = m.repair(settings, dry_run=True)
    assert [a.action for a in plan.actions] == ["delete-failed"]
    assert m.status(settings).migrations[1].state == "failed"  # dry run changed nothing
    query(db_url, "DROP TABLE f1")
    (folder / "V2__step_2.sql").write_text(FAILING.replace("no_such_table", "f1"))
    assert [a.action for a in m.repair(settings).actions] == ["delete-failed"]
    assert [a.file for a in m.up(settings).applied] == ["V2__step_2.sql"]


def test_mysql_first_statement_failing_leaves_nothing(project: Path, mysql_url: str) -> None:
    folder = project / "migrations"
    write_layout("flyway", folder, [("INSERT INTO no_such_table (id) VALUES (1);\n"
                                     "CREATE TABLE f2 (id INTEGER);\n", "")])
    settings = make_settings(project, mysql_url)
    with pytest.raises(m.MigrationFailedError) as info:
        m.up(settings)
    exc = info.value
    assert (exc.transactional, exc.statements_applied) == (False, 0)
    assert "nothing of it was applied" in str(exc)
    assert "rolled back" not in str(exc)  # MySQL has no rollback of it to offer
    assert not m.history(settings).records
    assert m.status(settings).migrations[0].state == "pending"


def test_edited_and_deleted_files_block_up_until_repair(project: Path, db_url: str) -> None:
    folder = project / "migrations"
    write_layout("golang-migrate", folder, [simple(1), simple(2)])
    settings = make_settings(project, db_url)
    m.up(settings)
    (folder / "000001_step_1.up.sql").write_text(simple(1)[0] + "-- edited\n")
    (folder / "000002_step_2.up.sql").unlink()
    (folder / "000002_step_2.down.sql").unlink()
    write_layout("golang-migrate", folder, [simple(3)], start=3)
    result = m.validate(settings)
    assert not result.ok
    assert {(p.file, p.state) for p in result.problems} == {
        ("000001_step_1.up.sql", "changed"), ("000002_step_2.up.sql", "missing")}
    with pytest.raises(m.ValidationError) as info:
        m.up(settings)
    assert "000001_step_1.up.sql" in str(info.value) and "000002_step_2.up.sql" in str(info.value)
    assert "t3" not in tables(db_url)
    actions = m.repair(settings).actions
    assert sorted(a.action for a in actions) == ["delete-missing", "update-checksum"]
    assert m.validate(settings).ok
    assert [a.file for a in m.up(settings).applied] == ["000003_step_3.up.sql"]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_file_with_its_own_transaction(project: Path, dialect: str,
                                       request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url"}[dialect])
    write_layout("flyway", project / "migrations", [
        ("BEGIN;\nCREATE TABLE own (id INTEGER);\nINSERT INTO own VALUES (1);\nCOMMIT;\n", None),
        ("-- pitstop:no-transaction\nCREATE TABLE marked (id INTEGER);\n", None),
        ("VACUUM;\n", None),
    ])
    settings = make_settings(project, url)
    plan = m.up(settings, dry_run=True).plan
    assert [p.transactional for p in plan] == [False, False, False]
    status = m.status(settings)
    assert [e.transactional for e in status.migrations] == [False, False, False]
    result = m.up(settings)
    assert [a.transactional for a in result.applied] == [False, False, False]
    assert query(url, "SELECT id FROM own") == [(1,)]
    record = m.history(settings).records[0]
    assert (record.success, record.statements_applied, record.statements_total) == (True, 4, 4)


def test_create_index_concurrently_under_the_lock(project: Path, pg_url: str) -> None:
    write_layout("dbmate", project / "migrations", [
        ("CREATE TABLE big (id INTEGER, name TEXT);\nINSERT INTO big SELECT g, 'n' || g "
         "FROM generate_series(1, 1000) g;", None),
        ("CREATE INDEX CONCURRENTLY big_name ON big (name);\n"
         "CREATE UNIQUE INDEX CONCURRENTLY big_id ON big (id);", "DROP INDEX big_name;"),
    ])
    settings = make_settings(project, pg_url, "[migrate]\nlock_timeout = '5s'\n")
    result = m.up(settings, lock_timeout=5)
    assert [a.transactional for a in result.applied] == [True, False]
    names = {r[0] for r in query(pg_url, "SELECT indexname FROM pg_indexes WHERE "
                                         "tablename = 'big'")}
    assert names == {"big_name", "big_id"}


def test_baseline_adopts_an_existing_schema(project: Path, db_url: str) -> None:
    write_layout("flyway", project / "migrations", [simple(1), simple(2), simple(3)])
    settings = make_settings(project, db_url)
    for i in (1, 2):  # the schema is already there, made by hand
        for statement in simple(i)[0].split(";\n")[:2]:
            query(db_url, statement)
    result = m.baseline(settings, version="2")
    assert result.covered == 2
    states = [(e.version, e.state) for e in m.status(settings).migrations]
    assert states == [("1", "applied"), ("2", "applied"), ("3", "pending")]
    assert [a.file for a in m.up(settings).applied] == ["V3__step_3.sql"]
    assert m.current_version(db_url) == "3"
    with pytest.raises(MigrationError, match="already records migrations"):
        m.baseline(settings, version="3")


def test_placeholders(project: Path, sqlite_url: str) -> None:
    write_layout("flyway", project / "migrations", [
        ("CREATE TABLE ${prefix}_items (id INTEGER, note TEXT DEFAULT '${note}');", None)])
    config = '[migrate.placeholders]\nprefix = "shop"\nnote = "it is ${fine}"\n'
    settings = make_settings(project, sqlite_url, config)
    m.up(settings)
    assert "shop_items" in tables(sqlite_url)
    write_layout("flyway", project / "migrations", [("SELECT '${unknown}';", None)], start=2)
    with pytest.raises(MigrationError, match=r"V2__step_2.sql: unknown placeholder \$\{unknown\}"):
        m.up(settings)


def test_placeholders_off_by_default(project: Path, sqlite_url: str) -> None:
    write_layout("flyway", project / "migrations", [
        ("CREATE TABLE p (note TEXT DEFAULT '${kept}');\nINSERT INTO p DEFAULT VALUES;", None)])
    settings = make_settings(project, sqlite_url)
    m.up(settings)
    assert query(sqlite_url, "SELECT note FROM p") == [("${kept}",)]


def test_repeatable_runs_again_when_changed(project: Path, db_url: str) -> None:
    folder = project / "migrations"
    write_layout("flyway", folder, [simple(1)])
    (folder / "R__view.sql").write_text("CREATE VIEW v1 AS SELECT id FROM t1;")
    settings = make_settings(project, db_url)
    assert [a.file for a in m.up(settings).applied] == ["V1__step_1.sql", "R__view.sql"]
    assert m.up(settings).applied == ()
    (folder / "R__view.sql").write_text("DROP VIEW v1;\nCREATE VIEW v1 AS SELECT id, name FROM t1;")
    assert m.status(settings).migrations[1].state == "pending"
    assert [a.file for a in m.up(settings).applied] == ["R__view.sql"]
    assert query(db_url, "SELECT id, name FROM v1") == [(1, "semi;colon -- not a comment")]


def test_up_to_version(project: Path, sqlite_url: str) -> None:
    write_layout("dbmate", project / "migrations", [simple(1), simple(2), simple(3)])
    settings = make_settings(project, sqlite_url)
    result = m.up(settings, to="20240101000002")
    assert [a.version for a in result.applied] == ["20240101000001", "20240101000002"]
    with pytest.raises(UsageError, match="no migration has that version"):
        m.up(settings, to="99")


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_unterminated_comment_never_half_commits(project: Path, dialect: str,
                                                 request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url"}[dialect])
    write_layout("flyway", project / "migrations", [
        ("CREATE TABLE c1 (x VARCHAR(10));\nINSERT INTO c1 VALUES ('100%');\n/* open", None)])
    settings = make_settings(project, url)
    with pytest.raises(m.MigrationFailedError):
        m.up(settings)
    assert "c1" not in tables(url)
    assert m.status(settings).migrations[0].state == "pending"


def test_backup_before_up(project: Path, sqlite_url: str) -> None:
    backup = pytest.importorskip("pitstop.backup")
    if not hasattr(backup, "create_backup"):
        pytest.skip("pitstop.backup.create_backup is not there yet")
    write_layout("flyway", project / "migrations", [simple(1)])
    from pitstop.backup.premigrate import before_apply_for

    settings = make_settings(project, sqlite_url, "[migrate]\nbackup_before = true\n")
    query(sqlite_url, "CREATE TABLE existing (x INTEGER)")
    result = m.up(settings, before_apply=before_apply_for(settings))
    assert result.backup_id
    assert result.to_dict()["backup_id"] == result.backup_id
    # nothing pending: no backup
    assert m.up(settings, before_apply=before_apply_for(settings)).backup_id is None
    listed = [b.id for b in backup.list_backups(settings).backups]
    assert result.backup_id in listed


def test_mysql_procedures_with_and_without_delimiter(project: Path, mysql_url: str) -> None:
    write_layout("flyway", project / "migrations", [
        ("CREATE TABLE calls (n INT);\n"
         "CREATE PROCEDURE bump(IN k INT)\nBEGIN\n  DECLARE i INT DEFAULT 0;\n"
         "  WHILE i < k DO INSERT INTO calls VALUES (i); SET i = i + 1; END WHILE;\nEND;\n"
         "CALL bump(3);\n", None),
        ("DELIMITER //\nCREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC\nBEGIN\n"
         "  RETURN x * 2;\nEND //\nDELIMITER ;\nINSERT INTO calls VALUES (twice(21));\n", None),
    ])
    m.up(make_settings(project, mysql_url))
    assert sorted(r[0] for r in query(mysql_url, "SELECT n FROM calls")) == [0, 1, 2, 42]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_execution_ms_is_measured_by_the_server(project: Path, dialect: str,
                                                request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url"}[dialect])
    slow = {"sqlite": "CREATE TABLE s AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
                      "FROM c WHERE x < 400000) SELECT x FROM c;",
            "postgresql": "SELECT pg_sleep(0.3);"}[dialect]
    write_layout("flyway", project / "migrations", [(slow, None)])
    settings = make_settings(project, url)
    applied = m.up(settings).applied[0]
    record = m.history(settings).records[0]
    assert record.execution_ms is not None and record.execution_ms >= 20
    assert abs(record.execution_ms - applied.execution_ms) < max(200, applied.execution_ms)


def test_error_line_inside_a_multiline_statement(project: Path, db_url: str) -> None:
    write_layout("dbmate", project / "migrations", [
        ("CREATE TABLE ok1 (id INTEGER);\nINSERT INTO ok1 (id)\nVALUES (1),\n  (2) oops;\n",
         None)])
    with pytest.raises(m.MigrationFailedError) as info:
        m.up(make_settings(project, db_url))
    # the up part starts on line 2 of the file (after '-- migrate:up')
    expected = 3 if db_url.startswith("sqlite") else 5  # SQLite gives no position
    assert info.value.line == expected
    assert info.value.statement.startswith("INSERT INTO ok1")


def test_out_of_order_file_is_flagged_and_applied(project: Path, sqlite_url: str) -> None:
    folder = project / "migrations"
    write_layout("dbmate", folder, [simple(1)])
    write_layout("dbmate", folder, [simple(5)], start=5)
    settings = make_settings(project, sqlite_url)
    m.up(settings)
    write_layout("dbmate", folder, [simple(2)], start=2)  # merged from a branch
    entry = next(e for e in m.status(settings).migrations if e.state == "pending")
    assert "out of order" in entry.note and "20240101000005" in entry.note
    assert [a.file for a in m.up(settings).applied] == ["20240101000002_step_2.sql"]


def test_user_without_create_permission_gets_exit_5(project: Path, pg_url: str) -> None:
    import uuid

    from pitstop.cli.main import main

    role = f"pitstop_ro_{uuid.uuid4().hex[:8]}"
    query(pg_url, f"CREATE ROLE {role} LOGIN")
    try:
        query(pg_url, f"REVOKE CREATE ON SCHEMA public FROM {role}, PUBLIC")
        write_layout("flyway", project / "migrations", [simple(1)])
        limited = pg_url.replace("postgresql://postgres@", f"postgresql://{role}@")
        with pytest.raises(PermissionDeniedError, match="pitstop_migrations"):
            m.up(make_settings(project, limited))
        assert main(["migrate", "up", "--database", limited]) == 5
    finally:
        query(pg_url, f"DROP OWNED BY {role}")
        query(pg_url, f"DROP ROLE {role}")
