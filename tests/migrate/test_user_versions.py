"""Versions people type (``baseline --version``, ``up --to``, ``down --to``) are read
with the layout's own rules; one the layout cannot have is exit 3."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pitstop.migrate as m
from pitstop.cli.main import main
from pitstop.errors import UsageError

from .conftest import make_settings, query, tables, write_layout


def _cli(*args: str) -> tuple[int, str, str]:
    import io
    import sys
    from contextlib import redirect_stderr, redirect_stdout

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    logging.getLogger("pitstop").handlers.clear()
    sys.stdout.flush()
    return code, out.getvalue(), err.getvalue()


def _flyway(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        table = name.split("__")[1].removesuffix(".sql")
        (folder / name).write_text(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY);\n")


def test_a_v_prefixed_baseline_hides_nothing(project: Path, db_url: str) -> None:
    """The report: `baseline --version v2`, then a new V3: it must be pending, then
    applied, and table c must exist."""
    folder = project / "migrations"
    _flyway(folder, "V1__a.sql", "V2__b.sql")
    code, _, err = _cli("migrate", "baseline", "--version", "v2", "--database", db_url)
    assert code == 0 and "baseline 2: 2 migration files count as applied" in err
    _flyway(folder, "V3__c.sql")
    code, out, _ = _cli("migrate", "status", "--json", "--exit-code", "--database", db_url)
    assert code == 1  # V3 waits
    states = {e["file"]: (e["state"], e["note"]) for e in json.loads(out)["migrations"]}
    assert states == {"V1__a.sql": ("applied", "below the baseline"),
                      "V2__b.sql": ("applied", "baseline"), "V3__c.sql": ("pending", "")}
    code, out, _ = _cli("migrate", "up", "--json", "--database", db_url)
    assert code == 0
    assert [a["file"] for a in json.loads(out)["applied"]] == ["V3__c.sql"]
    assert "c" in tables(db_url) and not {"a", "b"} & tables(db_url)
    assert _cli("migrate", "validate", "--database", db_url)[0] == 0
    assert _cli("migrate", "status", "--exit-code", "--database", db_url)[0] == 0


@pytest.mark.parametrize("layout, value, expected", [
    ("flyway", "V2", "2"), ("flyway", "v2_1", "2.1"), ("flyway", "2.01", "2.1"),
    ("flyway", " 3 ", "3"),
    ("dbmate", "20240101120000", "20240101120000"),
    ("golang-migrate", "000003", "3"),
    ("diesel", "2024-01-01-120000", "2024-01-01-120000"),
    ("plain", "001_init.sql", "001_init"), ("plain", "001_init", "001_init"),
])
def test_versions_each_layout_accepts(layout: str, value: str, expected: str) -> None:
    from pitstop.migrate.versions import parse_version

    assert parse_version(layout, value) == expected


@pytest.mark.parametrize("layout, value, form", [
    ("flyway", "v2a", "2, 2.1, V2"), ("flyway", "abc", "2, 2.1, V2"), ("flyway", "2-1", "V2"),
    ("flyway", "", "V2"),
    ("dbmate", "v20240101", "digits"), ("dbmate", "2024-01-01", "digits"),
    ("golang-migrate", "V3", "digits"), ("golang-migrate", "3.1", "digits"),
    ("diesel", "V1", "2024-01-01-120000"), ("diesel", "-2024", "2024-01-01-120000"),
    ("plain", "", "file name"), ("plain", "sub/001_init.sql", "file name"),
])
def test_a_version_the_layout_cannot_have_is_a_usage_error(layout: str, value: str,
                                                          form: str) -> None:
    from pitstop.migrate.versions import parse_version

    with pytest.raises(UsageError) as caught:
        parse_version(layout, value, option="--to")
    assert caught.value.exit_code == 3
    assert f"--to {value!r}: not a {layout} version" in caught.value.message
    assert form in (caught.value.hint or "")


def test_diesel_and_plain_find_their_file(tmp_path: Path) -> None:
    from pitstop.migrate.versions import parse_version

    known = ["2024-01-01-120000", "2024-02-01-000000"]
    assert parse_version("diesel", "20240101120000", known) == "2024-01-01-120000"
    assert parse_version("plain", "3", ["001_a", "003_c", "010_j"]) == "003_c"
    assert parse_version("plain", "10", ["001_a", "003_c", "010_j"]) == "010_j"


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=4))
def test_flyway_versions_typed_any_way_order_like_the_files(parts: list[int]) -> None:
    from pitstop.migrate.versions import parse_version, version_key

    text = ".".join(map(str, parts))
    for typed in (text, f"V{text}", f"v{text.replace('.', '_')}"):
        parsed = parse_version("flyway", typed)
        assert version_key(parsed) == version_key(".".join(str(p) for p in parts))
        assert version_key(parsed) < version_key(f"{parts[0] + 1}")


def test_cli_refuses_unparseable_versions_with_exit_3(project: Path, sqlite_url: str) -> None:
    write_layout("dbmate", project / "migrations", [("SELECT 1;", "SELECT 1;")] * 2)
    code, _, err = _cli("migrate", "baseline", "--version", "v2", "--database", sqlite_url)
    assert code == 3
    assert "--version 'v2': not a dbmate version" in err and "20240101120000" in err
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()  # nothing written
    for verb in ("up", "down"):
        code, _, err = _cli("migrate", verb, "--to", "V1", "--database", sqlite_url)
        assert code == 3 and "--to 'V1': not a dbmate version" in err


def test_up_and_down_to_a_flyway_version_typed_with_its_v(project: Path, db_url: str) -> None:
    write_layout("flyway", project / "migrations",
                 [(f"CREATE TABLE t{i} (id INTEGER);", f"DROP TABLE t{i};") for i in (1, 2, 3)])
    settings = make_settings(project, db_url)
    assert [a.file for a in m.up(settings, to="V2").applied] == ["V1__step_1.sql",
                                                                 "V2__step_2.sql"]
    m.up(settings)
    assert [a.file for a in m.down(settings, to="v1").applied] == ["V3__step_3.sql",
                                                                   "V2__step_2.sql"]
    with pytest.raises(UsageError, match=r"^to 'V1\.x': not a flyway version") as caught:
        m.down(settings, to="V1.x")  # the library names its option, never a CLI flag
    assert "--" not in caught.value.message + (caught.value.hint or "")


def _record_baseline(url: str, version: str) -> None:
    """What an older pitstop wrote for `baseline --version VERSION`, unchecked."""
    from pitstop.migrate import records as hist
    from pitstop.migrate.dialects import dialect_for

    dialect = dialect_for(url)
    conn = dialect.connect(url, purpose="migrate")
    try:
        hist.ensure_table(conn, dialect, "pitstop_migrations")
        cur = conn.cursor()
        cur.execute(hist.insert_sql(dialect, "pitstop_migrations"), hist.insert_values(
            version=version, description="baseline", type="baseline", file=None,
            checksum=None, applied_by="old pitstop", execution_ms=0, success=True))
        cur.close()
    finally:
        dialect.close(conn)


def test_a_baseline_recorded_unchecked_is_read_with_the_layouts_rules(
        project: Path, sqlite_url: str) -> None:
    _flyway(project / "migrations", "V1__a.sql", "V2__b.sql", "V3__c.sql")
    _record_baseline(sqlite_url, "V2")
    settings = make_settings(project, sqlite_url)
    states = [(e.file, e.state) for e in m.status(settings).migrations]
    assert states == [("V1__a.sql", "applied"), ("V2__b.sql", "applied"),
                      ("V3__c.sql", "pending")]
    assert [a.file for a in m.up(settings).applied] == ["V3__c.sql"]


def test_a_baseline_recorded_unchecked_that_fits_no_version_blocks_until_repaired(
        project: Path, sqlite_url: str) -> None:
    _flyway(project / "migrations", "V1__a.sql", "V2__b.sql")
    _record_baseline(sqlite_url, "two")
    settings = make_settings(project, sqlite_url)
    result = m.validate(settings)
    assert not result.ok and "'two', which is not a flyway version" in \
        result.problems[0].message
    with pytest.raises(m.ValidationError, match="1 migration needs attention"):
        m.up(settings)
    actions = m.repair(settings).actions
    assert [a.action for a in actions] == ["delete-failed"]
    m.baseline(settings, version="V2")
    assert m.validate(settings).ok
    assert query(sqlite_url, "SELECT version FROM pitstop_migrations") == [("2",)]
