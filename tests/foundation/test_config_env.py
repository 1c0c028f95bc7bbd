"""Environment variables (prefixed and shared) and the project's ``.env`` file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pitstop.cli.main import main
from pitstop.errors import ConfigError
from pitstop.registry import load_settings


def cli(*args: str) -> int:
    return main(list(args))


# -- PITSTOP_* first, the shared unprefixed names as a lenient fallback -----------------

def test_prefixed_names_win_over_the_shared_ones(tmp_path: Path) -> None:
    env = {"LOG_LEVEL": "error", "PITSTOP_LOG_LEVEL": "debug", "ENVIRONMENT": "app-env",
           "PITSTOP_ENVIRONMENT": "staging", "DRY_RUN": "0", "PITSTOP_DRY_RUN": "yes"}
    s = load_settings(tmp_path, env=env)
    assert (s.log_level, s.environment, s.dry_run) == ("DEBUG", "staging", True)
    assert s.origins["log_level"] == "env PITSTOP_LOG_LEVEL"
    assert s.origins["environment"] == "env PITSTOP_ENVIRONMENT"
    assert s.warnings == ()


def test_shared_names_still_work(tmp_path: Path) -> None:
    s = load_settings(tmp_path, env={"LOG_LEVEL": "warn", "DRY_RUN": "1", "ENVIRONMENT": "ci"})
    assert (s.log_level, s.dry_run, s.environment) == ("WARNING", True, "ci")
    assert s.origins["log_level"] == "env LOG_LEVEL"


@pytest.mark.parametrize(("var", "value", "field", "expected"), [
    ("LOG_LEVEL", "trace", "log_level", "INFO"),
    ("DRY_RUN", "sometimes", "dry_run", False),
])
def test_an_unusable_shared_value_is_a_warning(tmp_path: Path, var: str, value: str,
                                               field: str, expected: object) -> None:
    s = load_settings(tmp_path, env={var: value})
    assert getattr(s, field) == expected and field not in s.origins
    assert len(s.warnings) == 1
    assert var in s.warnings[0] and repr(value) in s.warnings[0]
    assert f"PITSTOP_{var}" in s.warnings[0]  # says how to give pitstop its own value


def test_an_unusable_shared_value_falls_back_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").write_text('log_level = "debug"\n')
    s = load_settings(tmp_path, env={"LOG_LEVEL": "trace"})
    assert s.log_level == "DEBUG" and s.origins["log_level"].startswith("file ")


@pytest.mark.parametrize(("var", "value"), [
    ("PITSTOP_LOG_LEVEL", "trace"), ("PITSTOP_DRY_RUN", "sometimes"),
])
def test_an_invalid_prefixed_value_is_exit_3(tmp_path: Path, var: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, env={var: value})
    assert var in str(info.value) and info.value.exit_code == 3


def test_app_log_level_does_not_break_pitstop(project: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "pitstop.toml").write_text("")
    monkeypatch.setenv("LOG_LEVEL", "trace")
    assert cli("config", "show", "--json") == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["settings"]["log_level"]["value"] == "INFO"
    assert captured.err.count("LOG_LEVEL='trace'") == 1 and "warning" in captured.err
    monkeypatch.setenv("PITSTOP_LOG_LEVEL", "trace")
    assert cli("config", "show") == 3
    assert "PITSTOP_LOG_LEVEL" in capsys.readouterr().err


# -- .env ----------------------------------------------------------------------------

DOTENV = """\
# the app's settings
export DATABASE_URL="postgresql://app:dotenv-pw@db.internal:5432/app"
REDIS_URL='redis://cache:6379/0'   # a comment after a quoted value
SECRET_KEY=not-for-pitstop
ENVIRONMENT=staging
PITSTOP_STATE_URL=sqlite:///${STATE_DIR:-var}/state.db
"""


def test_dotenv_values_are_read_like_python_dotenv(tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").write_text('environment = "from-file"\n')
    (tmp_path / ".env").write_text(DOTENV)
    s = load_settings(tmp_path, env={})
    origin = f".env file {tmp_path / '.env'}"
    assert s.database_url == "postgresql://app:dotenv-pw@db.internal:5432/app"
    assert s.redis_url == "redis://cache:6379/0"
    assert s.environment == "staging"  # .env beats the file
    assert s.state.url == f"sqlite:///{tmp_path}/var/state.db"
    assert s.origins["database_url"] == f"{origin} (DATABASE_URL)"
    assert s.origins["state.url"] == f"{origin} (PITSTOP_STATE_URL)"
    assert s.env_file == tmp_path / ".env"


def test_the_real_environment_wins_over_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(DOTENV)
    s = load_settings(tmp_path, env={"DATABASE_URL": "mysql://root@h/real",
                                     "STATE_DIR": "fromenv"})
    assert s.database_url == "mysql://root@h/real"
    assert s.origins["database_url"] == "env DATABASE_URL"
    assert s.state.url == f"sqlite:///{tmp_path}/fromenv/state.db"  # ${STATE_DIR} from env


def test_dotenv_is_found_in_the_project_dir_not_the_cwd(tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").write_text("")
    (tmp_path / ".env").write_text("ENVIRONMENT=root\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / ".env").write_text("ENVIRONMENT=sub\n")
    assert load_settings(sub, env={}).environment == "root"


def test_env_file_key_path_and_off(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ENVIRONMENT=default-file\n")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "app.env").write_text("ENVIRONMENT=configured\n")
    (tmp_path / "pitstop.toml").write_text('env_file = "conf/app.env"\n')
    assert load_settings(tmp_path, env={}).environment == "configured"
    (tmp_path / "pitstop.toml").write_text("env_file = false\n")
    s = load_settings(tmp_path, env={})
    assert s.environment == "development" and s.env_file is None
    # the flag (env_file=...) beats the file
    s = load_settings(tmp_path, env={}, env_file=tmp_path / "conf" / "app.env")
    assert s.environment == "configured"
    assert load_settings(tmp_path, env={}, env_file=False).environment == "development"


def test_missing_or_bad_env_file(tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").write_text('env_file = "nope.env"\n')
    with pytest.raises(ConfigError, match=r"\[env_file\].*not found"):
        load_settings(tmp_path, env={})
    (tmp_path / "pitstop.toml").write_text("env_file = 3\n")
    with pytest.raises(ConfigError, match=r"\[env_file\]"):
        load_settings(tmp_path, env={})
    (tmp_path / "pitstop.toml").write_text("")
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path, env={}, env_file=tmp_path / "given.env")
    (tmp_path / "dir.env").mkdir()
    with pytest.raises(ConfigError, match="directory"):
        load_settings(tmp_path, env={}, env_file=tmp_path / "dir.env")


def test_a_malformed_dotenv_line_is_a_warning_naming_the_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ENVIRONMENT=ok\nthis is not a binding\n")
    s = load_settings(tmp_path, env={})
    assert s.environment == "ok"
    assert any(f"{tmp_path / '.env'}:2" in w for w in s.warnings)


def test_dotenv_values_obey_the_same_rules(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=trace\n")
    s = load_settings(tmp_path, env={})
    assert s.log_level == "INFO" and "LOG_LEVEL" in s.warnings[0]
    (tmp_path / ".env").write_text("PITSTOP_LOG_LEVEL=trace\n")
    with pytest.raises(ConfigError, match=r"\.env.*PITSTOP_LOG_LEVEL"):
        load_settings(tmp_path, env={})


def test_config_show_names_dotenv_and_masks_its_secrets(project: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    (project / "pitstop.toml").write_text("")
    (project / ".env").write_text(DOTENV)
    assert cli("config", "show", "--json") == 0
    out = capsys.readouterr().out
    data = json.loads(out)["settings"]
    assert data["database_url"]["origin"] == f".env file {project / '.env'} (DATABASE_URL)"
    assert data["database_url"]["value"] == "postgresql://app:***@db.internal:5432/app"
    assert data["env_file"] == {"value": str(project / ".env"), "origin": "default"}
    assert "dotenv-pw" not in out and "not-for-pitstop" not in out
    assert cli("config", "show") == 0
    assert "dotenv-pw" not in capsys.readouterr().out


def test_env_file_flag(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text("")
    (project / "other.env").write_text("PITSTOP_ENVIRONMENT=from-flag\n")
    assert cli("--env-file", "other.env", "config", "show", "--json") == 0
    data = json.loads(capsys.readouterr().out)["settings"]
    assert data["environment"]["value"] == "from-flag"
    assert data["env_file"]["origin"] == "flag"
    assert cli("--env-file", "missing.env", "config", "show") == 3
    assert "missing.env" in capsys.readouterr().err
