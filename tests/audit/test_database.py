"""The database section against the real servers: roles and accounts created by the
tests (and dropped after them), global variables restored as they were."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pitstop.audit.database import is_loopback
from pitstop.audit.database_pg import _remote_address

from .conftest import audit, ids

MYSQL_ROOT = "mysql://root@127.0.0.1:3306/"


def _pg_admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(url.replace("postgresql://", "postgresql://", 1), autocommit=True)


@pytest.fixture
def pg_role(pg_url: str) -> Iterator[Callable[[str], str]]:
    """``make(attributes)``: a login role with those attributes, owning a table in the
    test database; returns the database URL to connect as it.  Dropped after."""
    made: list[str] = []
    base = pg_url.rsplit("/", 1)[0]
    database = pg_url.rsplit("/", 1)[1]

    def make(attributes: str) -> str:
        role = f"pitstop_audit_{uuid.uuid4().hex[:8]}"
        with _pg_admin(pg_url) as conn:
            conn.execute(f'CREATE ROLE "{role}" LOGIN {attributes}')
            made.append(role)
            conn.execute(f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"')
            conn.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
            conn.execute(f'CREATE TABLE "{role}_orders" (id int primary key)')
            conn.execute(f'ALTER TABLE "{role}_orders" OWNER TO "{role}"')
        return f"{base.replace('postgres@', f'{role}@')}/{database}"

    yield make
    with _pg_admin(pg_url) as conn:
        for role in made:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


def test_postgres_superuser_role_is_flagged(make_project: Callable[..., Path],
                                            pg_role: Callable[[str], str]) -> None:
    url = pg_role("SUPERUSER")
    role = url.split("://", 1)[1].split("@", 1)[0]
    report = audit(make_project(f'database_url = "{url}"\n'), only=["database"])
    section = report.sections[0]
    assert section.status == "ok", section.reason
    superuser = [f for f in section.findings if f.id == "PS-DB-001"]
    assert [f.object for f in superuser] == [f"role {role}"]
    assert superuser[0].severity == "critical"
    assert report.exit_code == 1
    # a superuser reads pg_hba.conf: the test server's trust rules are loopback only
    trust = [f for f in section.findings if f.id == "PS-DB-008"]
    assert trust and all(f.severity == "medium" for f in trust)


def test_postgres_least_privilege_role_passes(make_project: Callable[..., Path],
                                              pg_role: Callable[[str], str]) -> None:
    url = pg_role("NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
    report = audit(make_project(f'database_url = "{url}"\n'), only=["database"])
    section = report.sections[0]
    assert section.status == "ok", section.reason
    assert section.findings == ()
    assert any("pg_hba.conf rules not checked" in note for note in section.notes)
    assert report.exit_code == 0


@pytest.mark.parametrize(("attributes", "expected"), [
    ("CREATEROLE", "PS-DB-002"), ("BYPASSRLS", "PS-DB-003"), ("CREATEDB", "PS-DB-013"),
])
def test_postgres_role_attributes(make_project: Callable[..., Path],
                                  pg_role: Callable[[str], str], attributes: str,
                                  expected: str) -> None:
    report = audit(make_project(f'database_url = "{pg_role(attributes)}"\n'), only=["database"])
    assert ids(report) == [expected]


def test_postgres_membership_in_a_superuser_role_and_file_roles(
        make_project: Callable[..., Path], pg_url: str, pg_role: Callable[[str], str]) -> None:
    url = pg_role("")
    role = url.split("://", 1)[1].split("@", 1)[0]
    with _pg_admin(pg_url) as conn:
        conn.execute(f'GRANT pg_read_server_files TO "{role}"')
    report = audit(make_project(f'database_url = "{url}"\n'), only=["database"])
    assert ids(report) == ["PS-DB-006"]
    assert "pg_read_server_files" in report.reported[0].problem
    with _pg_admin(pg_url) as conn:
        conn.execute(f'GRANT postgres TO "{role}"')
    report = audit(make_project(f'database_url = "{url}"\n'), only=["database"])
    assert "PS-DB-001" in ids(report)
    with _pg_admin(pg_url) as conn:
        conn.execute(f'REVOKE postgres FROM "{role}"')


def test_postgres_database_and_public_schema_owned_by_the_app(
        make_project: Callable[..., Path], pg_url: str, pg_role: Callable[[str], str]) -> None:
    url = pg_role("")
    role = url.split("://", 1)[1].split("@", 1)[0]
    database = pg_url.rsplit("/", 1)[1]
    with _pg_admin(pg_url) as conn:
        conn.execute(f'ALTER DATABASE "{database}" OWNER TO "{role}"')
        conn.execute(f'ALTER SCHEMA public OWNER TO "{role}"')
        conn.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
    try:
        report = audit(make_project(f'database_url = "{url}"\n'), only=["database"])
        assert ids(report) == ["PS-DB-004", "PS-DB-005", "PS-DB-007"]
    finally:
        with _pg_admin(pg_url) as conn:
            conn.execute(f'ALTER DATABASE "{database}" OWNER TO postgres')
            conn.execute("ALTER SCHEMA public OWNER TO pg_database_owner")


def test_postgres_audit_changes_nothing(make_project: Callable[..., Path], pg_url: str,
                                        pg_role: Callable[[str], str]) -> None:
    url = pg_role("SUPERUSER")
    query = "SELECT name, setting FROM pg_settings ORDER BY name"
    with _pg_admin(pg_url) as conn:
        before = conn.execute(query).fetchall()
    audit(make_project(f'database_url = "{url}"\n'), only=["database"])
    with _pg_admin(pg_url) as conn:
        assert conn.execute(query).fetchall() == before


def test_unreachable_database_is_a_connection_error(make_project: Callable[..., Path]) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    report = audit(make_project(f'database_url = "postgresql://app@127.0.0.1:{port}/app"\n'),
                   only=["database"])
    section = report.sections[0]
    assert (section.status, section.exit_code, report.exit_code) == ("error", 4, 4)


def test_sqlite_is_skipped_unless_asked_for(make_project: Callable[..., Path]) -> None:
    project = make_project('[audit]\nsections = ["database"]\n')
    database = audit(project).sections[0]
    assert database.status == "skipped" and "sqlite" in (database.reason or "")
    asked = audit(project, only=["database"]).sections[0]
    assert (asked.status, asked.exit_code) == ("error", 3)
    assert asked.hint == "set database_url, or leave database out"


# -- MariaDB ---------------------------------------------------------------------------------
def _mysql_admin() -> Any:
    import pymysql

    return pymysql.connect(host="127.0.0.1", port=3306, user="root", password="",
                           autocommit=True)


@pytest.fixture
def local_infile() -> Iterator[Callable[[str], None]]:
    """``set(value)``: SET GLOBAL local_infile; the old value is restored after."""
    with _mysql_admin() as conn, conn.cursor() as cur:
        cur.execute("SELECT @@GLOBAL.local_infile")
        (before,) = cur.fetchone()

    def change(value: str) -> None:
        with _mysql_admin() as conn, conn.cursor() as cur:
            cur.execute(f"SET GLOBAL local_infile = {value}")

    yield change
    with _mysql_admin() as conn, conn.cursor() as cur:
        cur.execute(f"SET GLOBAL local_infile = {int(before)}")


@pytest.fixture
def mysql_account(mysql_url: str) -> Iterator[Callable[..., str]]:
    """``make(password=None, *grants)``: an account on '127.0.0.1' with those grants,
    dropped after; returns its name."""
    made: list[str] = []

    def make(password: str | None = None, *grants: str) -> str:
        user = f"pitstop_a_{uuid.uuid4().hex[:8]}"
        with _mysql_admin() as conn, conn.cursor() as cur:
            auth = f" IDENTIFIED BY '{password}'" if password else ""
            cur.execute(f"CREATE USER '{user}'@'127.0.0.1'{auth}")
            made.append(user)
            for grant in grants:
                cur.execute(f"GRANT {grant} TO '{user}'@'127.0.0.1'")
        return user

    yield make
    with _mysql_admin() as conn, conn.cursor() as cur:
        for user in made:
            cur.execute(f"DROP USER IF EXISTS '{user}'@'127.0.0.1'")


def test_mariadb_account_without_password_and_local_infile_are_flagged(
        make_project: Callable[..., Path], mysql_url: str, mysql_account: Callable[..., str],
        local_infile: Callable[[str], None]) -> None:
    user = mysql_account()
    local_infile("ON")
    report = audit(make_project(f'database_url = "{mysql_url}"\n'), only=["database"])
    section = report.sections[0]
    assert section.status == "ok", section.reason
    nopass = {f.object for f in section.findings if f.id == "PS-DB-102"}
    assert f"account '{user}'@'127.0.0.1'" in nopass
    assert [f.object for f in section.findings if f.id == "PS-DB-104"] == ["server 127.0.0.1:3306"]
    # the test server's root has no password and every privilege: both said
    assert "PS-DB-106" in ids(report)
    assert any(f.object == "account 'root'@'127.0.0.1'" and f.severity == "critical"
               for f in section.findings if f.id == "PS-DB-102")


def test_mariadb_least_privilege_account_passes(
        make_project: Callable[..., Path], mysql_url: str, mysql_account: Callable[..., str],
        local_infile: Callable[[str], None]) -> None:
    database = mysql_url.rsplit("/", 1)[1]
    user = mysql_account("Lq8-audit-test-pw", f"SELECT, INSERT ON `{database}`.*")
    local_infile("OFF")
    url = f"mysql://{user}:Lq8-audit-test-pw@127.0.0.1:3306/{database}"
    report = audit(make_project(f'database_url = "{url}"\n'), only=["database"])
    section = report.sections[0]
    assert section.status == "ok", section.reason
    assert section.findings == ()
    assert any("accounts not checked" in note for note in section.notes)
    assert "Lq8-audit-test-pw" not in repr(report.to_dict())


def test_mariadb_super_and_file_grants(make_project: Callable[..., Path], mysql_url: str,
                                       mysql_account: Callable[..., str],
                                       local_infile: Callable[[str], None]) -> None:
    database = mysql_url.rsplit("/", 1)[1]
    user = mysql_account("Lq8-audit-test-pw", "SUPER, FILE ON *.*", f"SELECT ON `{database}`.*")
    local_infile("OFF")
    url = f"mysql://{user}:Lq8-audit-test-pw@127.0.0.1:3306/{database}"
    report = audit(make_project(f'database_url = "{url}"\n'), only=["database"])
    assert ids(report) == ["PS-DB-106", "PS-DB-107"]
    assert next(f for f in report.reported if f.id == "PS-DB-106").severity == "high"


def test_loopback_and_pg_hba_addresses() -> None:
    assert is_loopback(None) and is_loopback("/var/run/postgresql") and is_loopback("::1")
    assert is_loopback("127.0.0.5") and is_loopback("localhost")
    assert not is_loopback("db") and not is_loopback("10.0.0.5")
    assert not _remote_address(None, None, "local")
    assert not _remote_address("127.0.0.1", "255.255.255.255", "host")
    assert not _remote_address("::1/128", None, "host")
    assert _remote_address("0.0.0.0", "0.0.0.0", "host")
    assert _remote_address("all", None, "host") and _remote_address("samenet", None, "host")
    assert _remote_address("10.0.0.0/8", None, "hostssl")
    assert not _remote_address("samehost", None, "host")


@pytest.mark.parametrize("default_role", [False, True])
def test_mariadb_privileges_held_through_roles(
        make_project: Callable[..., Path], mysql_url: str, mysql_account: Callable[..., str],
        local_infile: Callable[[str], None], default_role: bool) -> None:
    database = mysql_url.rsplit("/", 1)[1]
    tag = uuid.uuid4().hex[:8]
    outer, inner = f"pitstop_ops_{tag}", f"pitstop_su_{tag}"
    user = mysql_account("Lq8-audit-test-pw", f"SELECT ON `{database}`.*")
    try:
        with _mysql_admin() as conn, conn.cursor() as cur:
            cur.execute(f"CREATE ROLE {inner}")
            cur.execute(f"GRANT SUPER ON *.* TO {inner}")
            cur.execute(f"CREATE ROLE {outer}")
            cur.execute(f"GRANT {inner} TO {outer}")
            cur.execute(f"GRANT {outer} TO '{user}'@'127.0.0.1'")
            if default_role:
                cur.execute(f"SET DEFAULT ROLE {outer} FOR '{user}'@'127.0.0.1'")
        local_infile("OFF")
        url = f"mysql://{user}:Lq8-audit-test-pw@127.0.0.1:3306/{database}"
        report = audit(make_project(f'database_url = "{url}"\n'), only=["database"])
        assert ids(report) == ["PS-DB-106"]
        finding = report.reported[0]
        assert finding.severity == "high" and "SUPER" in finding.problem
        assert f"through role {inner}" in finding.problem
    finally:
        with _mysql_admin() as conn, conn.cursor() as cur:
            cur.execute(f"DROP ROLE IF EXISTS {outer}")
            cur.execute(f"DROP ROLE IF EXISTS {inner}")
