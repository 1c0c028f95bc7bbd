"""Reading each layout: names, markers, detection, files that fit no pattern."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pitstop.errors import ConfigError, MigrationError
from pitstop.migrate.layouts import detect_layout, read_scripts
from pitstop.migrate.versions import normalize_version, version_key

from .conftest import LAYOUTS, simple, write_layout


@pytest.mark.parametrize("layout", LAYOUTS)
def test_detects_each_layout(tmp_path: Path, layout: str) -> None:
    write_layout(layout, tmp_path, [simple(1), simple(2), simple(10)])
    assert detect_layout(tmp_path) == layout
    found, scripts = read_scripts(tmp_path, "auto")
    assert found == layout
    assert [s.up_sql.strip() for s in scripts] == [simple(i)[0].strip() for i in (1, 2, 10)]
    assert all(s.has_down for s in scripts) == (layout != "plain")


def test_flyway_names(tmp_path: Path) -> None:
    for name in ("V1__init.sql", "V1_1__add_users.sql", "V2.0.10__more.sql", "V2.0.9__less.sql",
                 "U1__init.sql", "R__views.sql", "R__a_function.sql"):
        (tmp_path / name).write_text("SELECT 1;")
    (tmp_path / "V2.0.10__more.sql.conf").write_text("executeInTransaction=false\n")
    (tmp_path / "README.md").write_text("not a migration")
    layout, scripts = read_scripts(tmp_path, "auto")
    assert layout == "flyway"
    assert [(s.version, s.description) for s in scripts] == [
        ("1", "init"), ("1.1", "add users"), ("2.0.9", "less"), ("2.0.10", "more"),
        (None, "a function"), (None, "views")]
    assert scripts[0].down_path == tmp_path / "U1__init.sql"
    assert scripts[3].transactional is False


def test_file_fitting_no_pattern_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "V1__init.sql").write_text("SELECT 1;")
    (tmp_path / "fix_prod.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"fix_prod.sql: does not fit the flyway layout"):
        read_scripts(tmp_path, "auto")


def test_duplicate_versions_name_both_files(tmp_path: Path) -> None:
    (tmp_path / "V1__a.sql").write_text("SELECT 1;")
    (tmp_path / "V001__b.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"V00?1__.\.sql: version 1 is also used by"):
        read_scripts(tmp_path, "flyway")


def test_dbmate_markers(tmp_path: Path) -> None:
    (tmp_path / "20240101000000_a.sql").write_text(
        "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (x);\n"
        "-- migrate:down\nDROP INDEX i;\n")
    (tmp_path / "20240102000000_b.sql").write_text("SELECT 1;\n")
    with pytest.raises(MigrationError, match=r"20240102000000_b.sql: no '-- migrate:up' line"):
        read_scripts(tmp_path, "dbmate")
    (tmp_path / "20240102000000_b.sql").unlink()
    _, (script,) = read_scripts(tmp_path, "auto")
    assert script.transactional is False
    assert script.up_line == 2 and script.down_line == 4
    assert script.read_down() == ("DROP INDEX i;\n", 4)


def test_golang_down_without_up(tmp_path: Path) -> None:
    (tmp_path / "1_a.up.sql").write_text("SELECT 1;")
    (tmp_path / "2_b.down.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"2_b.down.sql: down migration for version 2"):
        read_scripts(tmp_path, "golang-migrate")


def test_diesel_metadata(tmp_path: Path) -> None:
    sub = tmp_path / "2024-01-01-000000_create"
    sub.mkdir()
    (sub / "up.sql").write_text("VACUUM;")
    (sub / "metadata.toml").write_text("run_in_transaction = false\n")
    _, (script,) = read_scripts(tmp_path, "auto")
    assert (script.version, script.transactional, script.has_down) == (
        "2024-01-01-000000", False, False)
    (tmp_path / "stray.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"stray.sql: does not fit the diesel layout"):
        read_scripts(tmp_path, "diesel")


def test_plain_natural_order(tmp_path: Path) -> None:
    for name in ("10_later.sql", "2_second.sql", "1_first.sql", "001a_setup.sql"):
        (tmp_path / name).write_text("SELECT 1;")
    _, scripts = read_scripts(tmp_path, "plain")
    assert [s.name for s in scripts] == ["1_first.sql", "001a_setup.sql", "2_second.sql",
                                         "10_later.sql"]


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        read_scripts(tmp_path / "nope", "auto")


def test_non_utf8_file(tmp_path: Path) -> None:
    (tmp_path / "V1__x.sql").write_bytes(b"SELECT '\xff';")
    with pytest.raises(MigrationError, match=r"V1__x.sql: is not UTF-8"):
        read_scripts(tmp_path, "auto")


_versions = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=4)
_desc = st.from_regex(r"[a-z][a-z0-9]{0,8}(_[a-z0-9]{1,6}){0,2}", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(parts=_versions, desc=_desc, layout=st.sampled_from(["flyway", "dbmate",
                                                             "golang-migrate", "diesel"]))
def test_names_parse_back(tmp_path_factory: pytest.TempPathFactory, parts: list[int], desc: str,
                          layout: str) -> None:
    folder = tmp_path_factory.mktemp("names")
    version = ".".join(map(str, parts)) if layout == "flyway" else str(parts[0])
    name = {"flyway": f"V{version}__{desc}.sql", "dbmate": f"{version}_{desc}.sql",
            "golang-migrate": f"{version}_{desc}.up.sql",
            "diesel": f"{version}_{desc}/up.sql"}[layout]
    (folder / name).parent.mkdir(exist_ok=True)
    (folder / name).write_text("-- migrate:up\nSELECT 1;\n")
    found, (script,) = read_scripts(folder, "auto")
    assert found == layout
    assert script.version == normalize_version(version)
    assert script.description == desc.replace("_", " ")


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=2, max_size=2),
       st.sampled_from([".", "_"]))
def test_numeric_versions_compare_as_numbers(pair: list[int], sep: str) -> None:
    a, b = pair
    assert (version_key(normalize_version(f"1{sep}{a}")) < version_key(
        normalize_version(f"1{sep}{b}"))) == (a < b)
    assert normalize_version(f"{a:08d}") == str(a)
