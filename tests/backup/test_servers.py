"""Backups of real PostgreSQL and MariaDB databases: round trips, verify into a
scratch database, restore safety, killed and timed-out dumps, missing tools."""

from __future__ import annotations

import importlib
import shutil
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

import pitstop.backup as api
from pitstop.config import Settings
from pitstop.errors import EXIT_DEPENDENCY, BackupError, DependencyError

from .conftest import describe, run_sql, sa_url, script, start_slow_backup

MakeSettings = Callable[..., Settings]

PG_SCHEMA = [
    "CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL UNIQUE)",
    "CREATE TABLE books (id bigserial PRIMARY KEY, author_id int REFERENCES authors(id), "
    "title text, cover bytea, meta jsonb, published date)",
    "CREATE INDEX books_title ON books (title)",
    "CREATE VIEW book_titles AS SELECT b.title, a.name FROM books b JOIN authors a "
    "ON a.id = b.author_id",
    "CREATE SCHEMA archive",
    "CREATE TABLE archive.old_books (id int PRIMARY KEY, title text)",
    "CREATE FUNCTION shout(t text) RETURNS text LANGUAGE sql AS $$ SELECT upper(t) $$",
    "INSERT INTO authors (name) SELECT 'author ' || g FROM generate_series(1, 50) g",
    "INSERT INTO books (author_id, title, cover, meta, published) SELECT 1 + mod(g, 50), "
    "'Titel ☃ ' || g, decode(md5(g::text), 'hex'), jsonb_build_object('n', g), "
    "date '2020-01-01' + g FROM generate_series(1, 1000) g",
    "INSERT INTO archive.old_books SELECT g, 'old ' || g FROM generate_series(1, 7) g",
]

MYSQL_SCHEMA = [
    "CREATE TABLE authors (id int AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL)",
    "CREATE TABLE books (id int AUTO_INCREMENT PRIMARY KEY, author_id int, title text, "
    "cover blob, FOREIGN KEY (author_id) REFERENCES authors(id)) CHARACTER SET utf8mb4",
    "CREATE TABLE audit (n int)",
    "CREATE TRIGGER books_ai AFTER INSERT ON books FOR EACH ROW INSERT INTO audit VALUES (1)",
    "CREATE VIEW book_titles AS SELECT title FROM books",
    "CREATE PROCEDURE count_books() SELECT count(*) FROM books",
    "INSERT INTO authors (name) VALUES ('a'), ('b'), ('c')",
    "INSERT INTO books (author_id, title, cover) VALUES (1, 'Titel ☃', x'00ff10'), "
    "(2, 'two', NULL), (3, 'three', x'deadbeef')",
]


def other_database(url: str, suffix: str) -> str:
    return url + suffix


@pytest.fixture
def pg_target(pg_url: str) -> Any:
    target = other_database(pg_url, "_r")
    yield target
    admin = sqlalchemy.create_engine(sa_url(pg_url).rsplit("/", 1)[0] + "/postgres",
                                     isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.rsplit("/", 1)[1]}" '
                             "WITH (FORCE)")
    admin.dispose()


@pytest.fixture
def mysql_target(mysql_url: str) -> Any:
    target = other_database(mysql_url, "_r")
    yield target
    admin = sqlalchemy.create_engine(sa_url(mysql_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{target.rsplit('/', 1)[1]}`")
    admin.dispose()


@pytest.mark.postgres
def test_postgres_round_trip(make_settings: MakeSettings, pg_url: str, pg_target: str) -> None:
    run_sql(pg_url, PG_SCHEMA)
    settings = make_settings(pg_url)
    backup = api.create_backup(settings, label="pg")
    assert backup.database == "postgresql" and backup.tool == "pg_dump"
    assert backup.server_version and backup.server_version.startswith("1")
    assert backup.file.endswith(".pgdump.zst")
    result = api.restore_backup(settings, backup_id=backup.id, to=pg_target)
    assert (result.tables, result.rows) == (3, 1057)
    assert describe(pg_target) == describe(pg_url)
    run_sql(pg_target, ["SELECT shout('x')"])  # the function came along


def _pg_dump_compression(path: Path, compression: str) -> str:
    """The ``Compression:`` line pg_restore reads from a stored custom-format dump."""
    import subprocess

    import zstandard

    raw = path.read_bytes()
    if compression == "zstd":
        raw = zstandard.ZstdDecompressor().stream_reader(raw).read()
    listing = subprocess.run(["pg_restore", "--list"], input=raw, capture_output=True,
                             check=True).stdout.decode()
    return next(line.split(":", 1)[1].strip() for line in listing.splitlines()
                if "Compression:" in line)


@pytest.mark.postgres
def test_pg_dump_compresses_only_when_pitstop_does_not(make_settings: MakeSettings,
                                                       pg_url: str, project: Path) -> None:
    """pg_dump's own compression follows the compression actually used, also when
    --compress overrides [backup] compress: never stored raw, never compressed twice."""
    run_sql(pg_url, PG_SCHEMA)
    root = project / ".pitstop" / "backups"
    plain = api.create_backup(make_settings(pg_url), compress="none")
    assert _pg_dump_compression(root / plain.file, "none") != "0"
    settings = make_settings(pg_url, toml='[backup]\ncompress = "none"\n')
    zstd = api.create_backup(settings, compress="zstd")
    assert _pg_dump_compression(root / zstd.file, "zstd") == "0"
    assert zstd.size_raw > plain.size


@pytest.mark.postgres
def test_postgres_verify_and_restore_over_a_changed_database(
    make_settings: MakeSettings, pg_url: str
) -> None:
    run_sql(pg_url, PG_SCHEMA)
    settings = make_settings(pg_url)
    backup = api.create_backup(settings)
    verified = api.verify_backup(settings, backup_id=backup.id)
    assert verified.ok and (verified.tables, verified.rows) == (3, 1057)
    before = describe(pg_url)
    run_sql(pg_url, ["DELETE FROM books WHERE id > 10", "CREATE TABLE extra (x int)"])
    with pytest.raises(api.RestoreRefusedError):
        api.restore_backup(settings, backup_id=backup.id)
    result = api.restore_backup(settings, backup_id=backup.id, yes=True)
    assert result.safety_backup is not None
    assert describe(pg_url) == before  # "extra", not in the backup, is gone
    # no scratch database was left behind
    engine = sqlalchemy.create_engine(sa_url(pg_url), poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as conn:
        names = conn.exec_driver_sql("SELECT datname FROM pg_database").scalars().all()
    engine.dispose()
    assert not [n for n in names if n.startswith("pitstop_verify_")]


@pytest.mark.mysql
def test_mariadb_round_trip(make_settings: MakeSettings, mysql_url: str,
                            mysql_target: str) -> None:
    run_sql(mysql_url, MYSQL_SCHEMA)
    settings = make_settings(mysql_url)
    backup = api.create_backup(settings)
    assert backup.database == "mysql" and backup.file.endswith(".sql.zst")
    assert api.verify_backup(settings, backup_id=backup.id).ok
    result = api.restore_backup(settings, backup_id=backup.id, to=mysql_target)
    assert (result.tables, result.rows) == (3, 9)
    assert describe(mysql_target) == describe(mysql_url)
    run_sql(mysql_target, ["INSERT INTO books (author_id, title) VALUES (1, 't')",
                           "CALL count_books()"])  # trigger and routine came along
    assert describe(mysql_target)["audit"][1] == 4


def _no_backup_left(settings: Settings) -> None:
    root = settings.project_dir / ".pitstop" / "backups"
    leftovers = [p.name for p in root.iterdir() if p.name != ".last-failure.json"]
    assert leftovers == []
    assert api.list_backups(settings).backups == ()


@pytest.mark.postgres
def test_killed_pg_dump_leaves_no_backup(make_settings: MakeSettings, pg_url: str,
                                         tmp_path: Path) -> None:
    run_sql(pg_url, PG_SCHEMA)
    real = shutil.which("pg_dump")
    wrapper = script(tmp_path, "pg_dump", f'{real} "$@" | head -c 3000\nkill -9 $$\n')
    settings = make_settings(pg_url, toml=f'[backup]\npg-dump = "{wrapper}"\n')
    with pytest.raises(BackupError, match="killed by signal 9"):
        api.create_backup(settings)
    _no_backup_left(settings)


@pytest.mark.mysql
def test_timed_out_dump_is_stopped_and_leaves_no_backup(
    make_settings: MakeSettings, mysql_url: str, tmp_path: Path
) -> None:
    wrapper = script(tmp_path, "slow-dump",
                      '[ "$1" = "--version" ] && exec echo "slow-dump 1.0"\n'
                      "printf 'CREATE TABLE'\nsleep 30\n")
    settings = make_settings(mysql_url,
                             toml=f'[backup]\nmysql-dump = "{wrapper}"\ntimeout = "0.5s"\n')
    with pytest.raises(BackupError, match=r"did not finish within 0\.5s"):
        api.create_backup(settings)
    _no_backup_left(settings)


@pytest.mark.postgres
def test_missing_pg_dump_names_the_package(make_settings: MakeSettings, pg_url: str) -> None:
    settings = make_settings(pg_url, toml='[backup]\npg-dump = "pg_dump_not_installed"\n')
    with pytest.raises(DependencyError) as info:
        api.create_backup(settings)
    assert info.value.exit_code == EXIT_DEPENDENCY
    assert "pg_dump_not_installed" in info.value.message
    assert "postgresql-client" in (info.value.hint or "")


@pytest.mark.mysql
def test_missing_mysql_client_names_the_package(make_settings: MakeSettings,
                                                mysql_url: str) -> None:
    settings = make_settings(mysql_url, toml='[backup]\nmysql-dump = "no-such-dump"\n')
    with pytest.raises(DependencyError, match="no-such-dump") as info:
        api.create_backup(settings)
    assert "mariadb-client" in (info.value.hint or "")


@pytest.mark.postgres
def test_server_newer_than_pg_dump_is_a_dependency_error(
    make_settings: MakeSettings, pg_url: str, tmp_path: Path
) -> None:
    fake = script(tmp_path, "old_pg_dump",
                   'if [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 9.6.24"; '
                   "exit 0; fi\n"
                   "echo 'pg_dump: error: aborting because of server version mismatch' >&2\n"
                   "echo 'pg_dump: detail: server version: 15.2; pg_dump version: 9.6.24' >&2\n"
                   "exit 1\n")
    settings = make_settings(pg_url, toml=f'[backup]\npg-dump = "{fake}"\n')
    with pytest.raises(DependencyError, match="newer than the client") as info:
        api.create_backup(settings)
    major = info.value.message.split("PostgreSQL ")[1].split(".")[0]
    assert f"postgresql-client-{major}" in (info.value.hint or "")
    _no_backup_left(settings)


@pytest.mark.mysql
def test_mysqldump_of_another_family_is_a_dependency_error(
    make_settings: MakeSettings, mysql_url: str, tmp_path: Path
) -> None:
    fake = script(tmp_path, "mysqldump8",
                   'if [ "$1" = "--version" ]; then echo "mysqldump  Ver 8.0.36 for Linux"; '
                   "exit 0; fi\n"
                   "echo \"mysqldump: Couldn't execute 'SELECT COLUMN_NAME FROM "
                   "information_schema.COLUMN_STATISTICS': Unknown table 'COLUMN_STATISTICS' "
                   "in information_schema (1109)\" >&2\n"
                   "exit 2\n")
    settings = make_settings(mysql_url, toml=f'[backup]\nmysql-dump = "{fake}"\n')
    with pytest.raises(DependencyError, match="does not match the server") as info:
        api.create_backup(settings)
    assert "MariaDB 10" in info.value.message and "8.0.36" in info.value.message
    assert "mariadb-client" in (info.value.hint or "")
    _no_backup_left(settings)


@pytest.mark.postgres
def test_unreachable_server_is_a_connect_error(make_settings: MakeSettings) -> None:
    from pitstop.errors import ConnectError

    settings = make_settings("postgresql://postgres:s3cretpw@127.0.0.1:1/nothing")
    with pytest.raises(ConnectError) as info:
        api.create_backup(settings)
    assert "s3cretpw" not in str(info.value)


@pytest.mark.mysql
def test_interrupted_backup_exits_130_and_cleans_up(project: Path, mysql_url: str,
                                                    tmp_path: Path) -> None:
    import signal

    proc = start_slow_backup(project, mysql_url, tmp_path)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    backups = project / ".pitstop" / "backups"
    assert [p.name for p in backups.iterdir() if p.name != ".last-failure.json"] == []


@pytest.mark.postgres
def test_password_never_reaches_the_manifest(make_settings: MakeSettings, pg_url: str,
                                             project: Path) -> None:
    with_password = pg_url.replace("postgres@", "postgres:Sup3rSecretPw@")
    run_sql(pg_url, ["CREATE TABLE t (x int)"])
    backup = api.create_backup(make_settings(with_password))
    assert backup.source == with_password.replace("Sup3rSecretPw", "***")
    stored = "".join(p.read_text(errors="replace")
                     for p in (project / ".pitstop" / "backups").glob("*.json"))
    assert "Sup3rSecretPw" not in stored


def test_public_api_is_what_init_exports() -> None:
    # Importing a submodule (the workflow tasks, the CLI, a dumper) makes it an
    # attribute of the package: not API.  Import some here so that the result does not
    # depend on which tests ran before.
    for submodule in ("tasks", "dumpers.sqlite", "restore", "storage"):
        importlib.import_module(f"pitstop.backup.{submodule}")
    exported = {name for name in dir(api) if not name.startswith("_")
                and not isinstance(getattr(api, name), types.ModuleType)}
    assert sorted(api.__all__) == sorted(exported)
    assert len(set(api.__all__)) == len(api.__all__)
    for name in ("create_backup", "list_backups", "verify_backup", "restore_backup",
                 "delete_backup", "prune_backups", "create_snapshot", "list_snapshots",
                 "restore_snapshot", "diff_snapshots", "prune_snapshots"):
        assert callable(getattr(api, name)), name


@pytest.mark.mysql
def test_mariadb_restore_over_itself_with_routines_and_triggers(
    make_settings: MakeSettings, mysql_url: str
) -> None:
    run_sql(mysql_url, MYSQL_SCHEMA)
    settings = make_settings(mysql_url)
    backup = api.create_backup(settings)
    before = describe(mysql_url)
    run_sql(mysql_url, ["DELETE FROM audit", "DROP VIEW book_titles"])
    result = api.restore_backup(settings, backup_id=backup.id, yes=True)
    assert result.safety_backup is not None
    assert describe(mysql_url) == before


@pytest.mark.postgres
def test_postgres_restore_removes_what_came_after_the_backup(
    make_settings: MakeSettings, pg_url: str
) -> None:
    """A restore leaves what the backup holds and nothing else: tables, views, types,
    routines, schemas and extensions created after it are gone; plpgsql stays."""
    run_sql(pg_url, PG_SCHEMA)
    settings = make_settings(pg_url)
    backup = api.create_backup(settings)
    before = describe(pg_url)
    run_sql(pg_url, [
        "CREATE TYPE mood AS ENUM ('ok', 'sad')",
        "CREATE DOMAIN positive AS int CHECK (VALUE > 0)",
        "CREATE TABLE later (id int REFERENCES authors(id), m mood, p positive)",
        "CREATE TABLE parted (d date) PARTITION BY RANGE (d)",
        "CREATE TABLE parted_2020 PARTITION OF parted FOR VALUES FROM ('2020-01-01') "
        "TO ('2021-01-01')",
        "CREATE MATERIALIZED VIEW later_mv AS SELECT count(*) FROM later",
        "CREATE SEQUENCE later_seq",
        "CREATE FUNCTION later_fn(a int, b text) RETURNS int LANGUAGE sql AS $$ SELECT a $$",
        "CREATE AGGREGATE later_sum (int) (sfunc = int4pl, stype = int)",
        "CREATE TYPE later_range AS RANGE (subtype = float8)",
        "CREATE TYPE later_pair AS (a int, b text)",
        "CREATE SCHEMA newer",
        "CREATE TABLE newer.t (x int)",
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    ])
    api.restore_backup(settings, backup_id=backup.id, yes=True, safety_backup=False)
    assert describe(pg_url) == before
    engine = sqlalchemy.create_engine(sa_url(pg_url), poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as conn:
        left = conn.exec_driver_sql(
            "SELECT (SELECT array_agg(extname ORDER BY extname) FROM pg_extension), "
            "(SELECT array_agg(nspname ORDER BY nspname) FROM pg_namespace "
            " WHERE left(nspname, 3) <> 'pg_' AND nspname <> 'information_schema'), "
            "(SELECT array_agg(proname ORDER BY proname) FROM pg_proc "
            " WHERE pronamespace = 'public'::regnamespace), "
            "to_regtype('mood'), to_regtype('positive'), to_regclass('later_seq'), "
            "to_regtype('later_range'), to_regtype('later_pair')").one()
        assert conn.exec_driver_sql("SELECT shout('x')").scalar() == "X"
    engine.dispose()
    assert list(left) == [["plpgsql"], ["archive", "public"], ["shout"], *[None] * 5]


@pytest.mark.mysql
def test_mariadb_restore_removes_what_a_failed_migration_left(
    make_settings: MakeSettings, mysql_url: str
) -> None:
    """MySQL DDL is not transactional: a migration that fails half-way leaves new
    tables, views and routines behind; restoring the backup taken first removes them."""
    run_sql(mysql_url, MYSQL_SCHEMA)
    settings = make_settings(mysql_url)
    backup = api.create_backup(settings)
    before = describe(mysql_url)
    run_sql(mysql_url, [
        "CREATE TABLE half_done (id int PRIMARY KEY, book_id int, "
        "FOREIGN KEY (book_id) REFERENCES books(id))",
        "INSERT INTO half_done VALUES (1, 1)",
        "CREATE VIEW half_view AS SELECT id FROM half_done",
        "CREATE FUNCTION half_fn() RETURNS int DETERMINISTIC RETURN 1",
    ])
    api.restore_backup(settings, backup_id=backup.id, yes=True)
    assert describe(mysql_url) == before
    engine = sqlalchemy.create_engine(sa_url(mysql_url), poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as conn:
        routines = {r[0] for r in conn.exec_driver_sql(
            "SELECT routine_name FROM information_schema.routines "
            "WHERE routine_schema = DATABASE()")}
    engine.dispose()
    assert routines == {"count_books"}


@pytest.fixture
def mysql_user_url(mysql_url: str) -> Any:
    """The test database through a user whose password needs quoting."""
    import uuid

    user = f"bk_{uuid.uuid4().hex[:8]}"
    password = 'p:a"ss\\w#rd x'
    admin = sqlalchemy.create_engine(sa_url(mysql_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (password,))
        conn.exec_driver_sql(f"GRANT ALL PRIVILEGES ON *.* TO '{user}'@'%%'")
    from urllib.parse import quote

    head, tail = mysql_url.split("://", 1)
    yield f"{head}://{user}:{quote(password, safe='')}@{tail.split('@', 1)[1]}", password
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP USER '{user}'@'%%'")
    admin.dispose()


@pytest.mark.mysql
def test_mariadb_with_a_password_user(make_settings: MakeSettings,
                                      mysql_user_url: tuple[str, str], project: Path) -> None:
    url, password = mysql_user_url
    run_sql(url, MYSQL_SCHEMA[:3] + MYSQL_SCHEMA[6:])
    settings = make_settings(url)
    backup = api.create_backup(settings)
    assert api.verify_backup(settings, backup_id=backup.id).ok
    result = api.restore_backup(settings, backup_id=backup.id, yes=True)
    assert result.rows == 6
    stored = "".join(p.read_text(errors="replace")
                     for p in (project / ".pitstop" / "backups").glob("*.json"))
    assert password not in stored and "p%3Aa" not in stored


@pytest.mark.postgres
def test_a_failed_statement_is_not_called_a_connection_error(pg_url: str) -> None:
    from pitstop.backup.dumpers import server
    from pitstop.db.url import parse_url
    from pitstop.errors import BackupError, ConnectError

    db = parse_url(pg_url)
    engine = sqlalchemy.create_engine(sa_url(pg_url), poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as conn, pytest.raises(sqlalchemy.exc.SQLAlchemyError) as info:
        conn.exec_driver_sql("DROP TABLE no_such_table")
    engine.dispose()
    error = server.statement_error(info.value, db, "cannot empty")
    assert isinstance(error, BackupError) and not isinstance(error, ConnectError)
    assert "no_such_table" in error.message and error.message.startswith("cannot empty ")
    down = parse_url("postgresql://postgres@127.0.0.1:1/x")
    refused = sqlalchemy.create_engine("postgresql+psycopg://postgres@127.0.0.1:1/x")
    with pytest.raises(sqlalchemy.exc.SQLAlchemyError) as lost:
        refused.connect()
    assert isinstance(server.statement_error(lost.value, down, "cannot empty"), ConnectError)
