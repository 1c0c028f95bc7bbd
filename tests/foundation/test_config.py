from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pitstop.config import DEFAULT_DATABASE_URL, find_config
from pitstop.config_report import describe_settings
from pitstop.errors import ConfigError
from pitstop.registry import load_settings


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_config(tmp_path: Path) -> None:
    s = load_settings(tmp_path, env={})
    assert s.config_file is None
    assert s.database_url == f"sqlite:///{tmp_path.resolve()}/.pitstop/app.db"
    assert s.state.url == f"sqlite:///{tmp_path.resolve()}/.pitstop/state.db"
    assert s.log_level == "INFO" and s.environment == "development" and not s.dry_run
    assert DEFAULT_DATABASE_URL.endswith(".pitstop/app.db")


def test_found_by_walking_up(tmp_path: Path) -> None:
    write(tmp_path / "pitstop.toml", 'environment = "staging"\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    s = load_settings(deep, env={})
    assert s.config_file == tmp_path / "pitstop.toml"
    assert s.project_dir == tmp_path and s.environment == "staging"


def test_pyproject_tool_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname="x"\n[tool.pitstop]\nlog_level = "debug"\n')
    s = load_settings(tmp_path, env={})
    assert s.config_file == tmp_path / "pyproject.toml" and s.log_level == "DEBUG"


def test_pyproject_without_table_is_ignored(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname="x"\n')
    assert find_config(tmp_path) is None or find_config(tmp_path) != tmp_path / "pyproject.toml"


def test_precedence_flag_env_file_default(tmp_path: Path) -> None:
    write(tmp_path / "pitstop.toml", 'database_url = "sqlite:///file.db"\nredis_url = "redis://f"\n'
          'environment = "file"\n')
    env = {"DATABASE_URL": "postgresql://u:pw@h/db", "ENVIRONMENT": "env", "DRY_RUN": "yes",
           "PITSTOP_STATE_URL": "postgresql://s@h/state"}
    s = load_settings(tmp_path, env=env, overrides={"database_url": "mysql://root@h/flag"})
    assert s.database_url == "mysql://root@h/flag" and s.origins["database_url"] == "flag"
    assert s.environment == "env" and s.origins["environment"] == "env ENVIRONMENT"
    assert s.redis_url == "redis://f" and s.origins["redis_url"].startswith("file ")
    assert s.dry_run is True
    assert s.state.url == "postgresql://s@h/state"


def test_relative_sqlite_resolved_against_project(tmp_path: Path) -> None:
    write(tmp_path / "pitstop.toml", 'database_url = "sqlite:///data/app.db"\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    assert load_settings(sub, env={}).database_url == f"sqlite:///{tmp_path}/data/app.db"


def test_config_show_masks_passwords(tmp_path: Path) -> None:
    s = load_settings(tmp_path, env={"DATABASE_URL": "postgresql://app:s3cret@db/app"})
    rows = {r.key: r for r in describe_settings(s)}
    assert rows["database_url"].value == "postgresql://app:***@db/app"
    assert rows["database_url"].origin == "env DATABASE_URL"
    assert "s3cret" not in repr([r.value for r in rows.values()])


@pytest.mark.parametrize(("text", "needle"), [
    ("database_url = [", "invalid TOML"),
    ("nope = 1\n", "unknown key 'nope'"),
    ("databse_url = 'x'\n", "did you mean 'database_url'"),
    ("dry_run = 'maybe'\n", "true or false"),
    ("log_level = 'LOUD'\n", "[log_level] expected one of DEBUG"),
    ("[state]\nkeep_days = 'ten'\n", "[state.keep_days]"),
    ("[tasks.a]\nrun = 'x'\ntimeout = 'forever'\n", "[tasks.a.timeout]"),
    ("[tasks.a]\nrun = 'x'\nretries = -1\n", "[tasks.a.retries] expected a number of retries"),
    ("[tasks.a]\nrun = 'x'\ntimeout = 0\n", "[tasks.a.timeout] expected a duration above zero"),
    ("[tasks.a]\nrun = 'x'\nneeds = 'b'\n", "[tasks.a.needs] expected a list (each item a string)"),
    ("[state]\nkeep_runs = 0\n", "[state.keep_runs] expected a number of runs >= 1"),
    ("[state]\nkeep_days = -1\n", "[state.keep_days] expected a number of days >= 1"),
    ("[tasks.a]\nrun = []\n", "argv list"),
    ("[tasks.a]\nrun = 'x'\nlevel = 'root'\n", "'read', 'write', 'admin'"),
    ("[workflows]\nw = 'a'\n", "[workflows.w]"),
    ("[workflows]\nw = ['a', 3]\n", "step 2"),
    ("state = 1\n", "expected a table [state]"),
])
def test_broken_files_name_file_key_and_expectation(tmp_path: Path, text: str,
                                                    needle: str) -> None:
    path = write(tmp_path / "pitstop.toml", text)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, env={})
    assert str(path) in str(info.value) and needle in str(info.value)
    assert info.value.exit_code == 3


def test_bad_env_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PITSTOP_DRY_RUN"):
        load_settings(tmp_path, env={"PITSTOP_DRY_RUN": "perhaps"})
    with pytest.raises(ConfigError, match="PITSTOP_LOG_LEVEL"):
        load_settings(tmp_path, env={"PITSTOP_LOG_LEVEL": "chatty"})
    with pytest.raises(ConfigError, match="PITSTOP_LOG_FORMAT"):
        load_settings(tmp_path, env={"PITSTOP_LOG_FORMAT": "xml"})


def test_explicit_missing_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path, config_file=tmp_path / "nope.toml", env={})


_keys = st.sampled_from(["database_url", "redis_url", "environment", "log_level", "dry_run",
                         "state", "metrics", "tasks", "workflows", "bogus", "log_format"])
_values = st.recursive(
    st.one_of(st.booleans(), st.integers(-5, 5), st.text(string.ascii_letters + ":/._ ",
                                                          max_size=10)),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.sampled_from(["run", "keep_days", "x", "a"]),
                                               children, max_size=3)),
    max_leaves=8,
)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(_keys, _values, max_size=4))
def test_random_toml_loads_or_raises_config_error(tmp_path: Path, data: dict[str, object]
                                                  ) -> None:
    (tmp_path / "pitstop.toml").write_text(
        "\n".join(f"{k} = {_toml_value(v)}" for k, v in data.items()), encoding="utf-8")
    try:
        load_settings(tmp_path, env={})
    except ConfigError as exc:
        assert exc.exit_code == 3 and str(tmp_path / "pitstop.toml") in str(exc)


def test_pyproject_mentioning_tool_pitstop_in_a_comment_is_not_the_config(tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").write_text('environment = "outer"\n')
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('# settings could go in [tool.pitstop]\n'
                                          '[project]\nname = "x"\n')
    settings = load_settings(inner, env={})
    assert settings.config_file == tmp_path / "pitstop.toml"
    assert settings.environment == "outer"
    (inner / "pyproject.toml").write_text('[tool]\npitstop = { environment = "inline" }\n')
    assert load_settings(inner, env={}).environment == "inline"
    (inner / "pyproject.toml").write_text("[tool.pitstop]\nenvironment = \n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(inner, env={})


def test_config_show_says_whether_the_file_was_given_or_found(tmp_path: Path) -> None:
    path = write(tmp_path / "pitstop.toml", 'environment = "x"\n')
    found = {r.key: r for r in describe_settings(load_settings(tmp_path, env={}))}
    given = {r.key: r for r in describe_settings(load_settings(tmp_path, env={},
                                                               config_file=path))}
    assert found["config_file"].origin == "discovered"
    assert given["config_file"].origin == "given (--config / PITSTOP_CONFIG)"
    none = {r.key: r for r in describe_settings(load_settings(tmp_path / "..", env={},
                                                              discover=False))}
    assert none["config_file"].origin == "none found"
