"""Which database a command works on: one precedence for every command (an option or
``--database`` › the command's own table's ``url`` › ``database_url`` from the
environment, ``.env``, the file, the default) and one error naming where an unusable
URL came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from pitstop.cli.main import main
from pitstop.db import resolve_url
from pitstop.errors import ConfigError
from pitstop.registry import load_settings


def _settings(project: Path, toml: str = "", env: dict[str, str] | None = None,
              flag: str | None = None) -> object:
    (project / "pitstop.toml").write_text(toml, encoding="utf-8")
    return load_settings(project, env=env or {}, overrides={"database_url": flag})


def test_database_url_from_default_file_env_and_flag(project: Path) -> None:
    s = _settings(project)
    assert resolve_url(s, "migrate").raw == f"sqlite:///{project / '.pitstop' / 'app.db'}"
    s = _settings(project, 'database_url = "sqlite:///file.db"\n')
    assert resolve_url(s, "migrate").sqlite_path == project / "file.db"
    s = _settings(project, 'database_url = "sqlite:///file.db"\n',
                  env={"DATABASE_URL": "postgresql://env@h/db"})
    assert resolve_url(s, "backup").raw == "postgresql://env@h/db"
    s = _settings(project, 'database_url = "sqlite:///file.db"\n',
                  env={"DATABASE_URL": "postgresql://env@h/db"}, flag="mysql://flag@h/db")
    assert resolve_url(s, "db").raw == "mysql://flag@h/db"
    # an option of the call wins over everything
    assert resolve_url(s, "db", "postgresql://option@h/db").raw == "postgresql://option@h/db"


def test_a_tables_own_url_wins_over_database_url_but_not_over_the_flag(project: Path) -> None:
    toml = ('database_url = "postgresql://app@h/app"\n'
            '[checks.database]\nurl = "sqlite:///monitor.db"\n')
    s = _settings(project, toml, env={"DATABASE_URL": "postgresql://env@h/app"})
    checked = resolve_url(s, "checks.database")
    assert checked.sqlite_path == project / "monitor.db"  # relative to the project
    assert resolve_url(s, "migrate").raw == "postgresql://env@h/app"  # migrate has no url
    s = _settings(project, toml, flag="mysql://flag@h/db")
    assert resolve_url(s, "checks.database").raw == "mysql://flag@h/db"


@pytest.mark.parametrize(("toml", "env", "flag", "named"), [
    ('database_url = "ftp://x"\n', {}, None, "pitstop.toml: [database_url] unsupported"),
    ("", {"DATABASE_URL": "ftp://x"}, None, "DATABASE_URL: unsupported"),
    ("", {}, "ftp://x", "database_url (flag): unsupported"),
    ('[checks.database]\nurl = "postgresql://u:pw@h:99999/x"\n', {}, None,
     "pitstop.toml: [checks.database.url] malformed"),
])
def test_an_unusable_url_names_where_it_came_from(project: Path, toml: str,
                                                  env: dict[str, str], flag: str | None,
                                                  named: str) -> None:
    s = _settings(project, toml, env=env, flag=flag)
    with pytest.raises(ConfigError) as caught:
        resolve_url(s, "checks.database")
    assert named in caught.value.message and ":pw@" not in caught.value.message
    assert caught.value.exit_code == 3


def test_an_unusable_url_from_dotenv_names_the_file(project: Path) -> None:
    (project / ".env").write_text("DATABASE_URL=ftp://x\n", encoding="utf-8")
    s = _settings(project)
    with pytest.raises(ConfigError, match=r"\.env: \[DATABASE_URL\] unsupported"):
        resolve_url(s, "migrate")


def test_an_unusable_option_is_named_as_itself(project: Path) -> None:
    with pytest.raises(ConfigError, match=r"^unsupported database URL 'ftp://x'"):
        resolve_url(_settings(project), "backup", "ftp://x")


def test_the_check_flag_wins_over_the_checks_own_url(project: Path, sqlite_url: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """``pitstop check --database URL`` checks URL even when ``[checks.database] url``
    names another database (the file's key used to win over the flag)."""
    (project / "pitstop.toml").write_text('[checks.database]\nurl = "sqlite:///elsewhere.db"\n',
                                          encoding="utf-8")
    import sqlite3

    sqlite3.connect(sqlite_url.removeprefix("sqlite:///")).close()
    assert main(["check", "database", "--no-record", "--database", sqlite_url]) == 0
    assert "elsewhere.db" not in capsys.readouterr().out
    assert main(["check", "database", "--no-record"]) == 4  # the file's own: not there
    assert main(["wait", "database", "--database", sqlite_url, "--timeout", "2"]) == 0
