"""The env check, PostgreSQL extensions (verify, deploy, permission refused) and the
requirement parser."""

from __future__ import annotations

import platform
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy
from hypothesis import given
from hypothesis import strategies as st

from pitstop.checks import check
from pitstop.config import Settings
from pitstop.db.extensions import apply_extensions as deploy
from pitstop.db.extensions import extension_states as verify
from pitstop.db.extensions import parse_requirement, version_key
from pitstop.errors import ConfigError, DependencyError, PermissionDeniedError

pytest_plugins = ["checks_support"]

Build = Callable[..., Settings]


def test_env_passes_and_reports_python(make_settings: Build) -> None:
    settings = make_settings(f'[checks.env]\npython = ">={platform.python_version()}"\n')
    [r] = check(replace(settings, environ={"PATH": "/usr/bin:/bin"}), names=["env"]).results
    assert r.status == "pass", r.message
    assert r.observed["python"].value == platform.python_version()


def test_env_lists_every_problem_without_values(make_settings: Build, tmp_path: Path) -> None:
    settings = make_settings("""
[checks.env]
python = "<3.0"
required_env = ["SECRET_KEY", "PRESENT"]
executables = ["sh", "definitely-not-installed-tool"]
min_free_disk = "1000TB"
""")
    environ = {"PRESENT": "value-never-shown", "PATH": "/usr/bin:/bin"}
    [r] = check(replace(settings, environ=environ), names=["env"]).results
    assert r.status == "fail" and r.exit_code == 1
    for part in ("outside <3.0", "SECRET_KEY", "definitely-not-installed-tool", "free on"):
        assert part in r.message
    assert "PRESENT" not in r.message and "value-never-shown" not in r.message
    assert r.observed["disk_free"].unit == "bytes"


def test_env_missing_executable_alone_is_exit_2(make_settings: Build) -> None:
    settings = make_settings('[checks.env]\nexecutables = ["definitely-not-installed-tool"]\n')
    [r] = check(replace(settings, environ={"PATH": "/usr/bin"}), names=["env"]).results
    assert (r.status, r.exit_code) == ("fail", 2)


def test_env_virtualenv_from_environ(make_settings: Build, tmp_path: Path) -> None:
    import subprocess
    import sys

    settings = make_settings("[checks.env]\nrequire_virtualenv = true\n")
    venv = tmp_path / "active"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    [r] = check(replace(settings, environ={"VIRTUAL_ENV": str(venv)}), names=["env"]).results
    assert r.status == "pass", r.message
    assert r.observed["interpreter"].value == str(venv / "bin" / "python")
    # a VIRTUAL_ENV that is gone and no project venv: pitstop's own virtualenv is not the
    # project's
    [r] = check(replace(settings, environ={"VIRTUAL_ENV": "/somewhere"}), names=["env"]).results
    assert r.status == "fail" and "no project virtualenv found" in r.message


@pytest.mark.parametrize("text, name, op, version", [
    ("pg_trgm", "pg_trgm", None, None),
    ("pg_trgm>=1.6", "pg_trgm", ">=", "1.6"),
    (" uuid-ossp == 1.1 ", "uuid-ossp", "==", "1.1"),
])
def test_parse_requirement(text: str, name: str, op: str | None, version: str | None) -> None:
    req = parse_requirement(text)
    assert (req.name, req.op, req.version) == (name, op, version)


@pytest.mark.parametrize("text", ["", ">=1", "pg trgm", "pg_trgm>=", "pg_trgm~1"])
def test_parse_requirement_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not an extension requirement"):
        parse_requirement(text)


@given(st.lists(st.integers(0, 99), min_size=1, max_size=4),
       st.lists(st.integers(0, 99), min_size=1, max_size=4))
def test_version_comparison_matches_tuples(a: list[int], b: list[int]) -> None:
    have, want = ".".join(map(str, a)), ".".join(map(str, b))
    assert parse_requirement(f"x>={want}").matches(have) == (tuple(a) >= tuple(b))
    assert version_key(have) == tuple(a)


def test_verify_and_deploy_on_postgres(pg_url: str) -> None:
    required = ["pg_trgm>=1.0", "plpgsql"]
    states = {s.name: s.state for s in verify(pg_url, required)}
    assert states == {"pg_trgm": "missing", "plpgsql": "ok"}
    deployed = {s.name: (s.state, s.action) for s in deploy(pg_url, required)}
    assert deployed == {"pg_trgm": ("ok", "created"), "plpgsql": ("ok", None)}
    again = {s.name: s.action for s in deploy(pg_url, required)}
    assert again == {"pg_trgm": None, "plpgsql": None}
    assert [s.state for s in verify(pg_url, ["pg_trgm>=99"])] == ["outdated"]


def test_deploy_refuses_unavailable_before_changing_anything(pg_url: str) -> None:
    with pytest.raises(DependencyError, match="does not ship no_such_ext"):
        deploy(pg_url, ["pg_trgm", "no_such_ext"])
    assert {s.name: s.state for s in verify(pg_url, ["pg_trgm"])} == {"pg_trgm": "missing"}


@pytest.fixture
def plain_role_url(pg_url: str) -> Iterator[str]:
    """``pg_url`` as a freshly created role that is not a superuser."""
    role = f"pitstop_r_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"),
                                     isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f"CREATE ROLE {role} LOGIN"))
    try:
        yield pg_url.replace("postgresql://postgres@", f"postgresql://{role}@")
    finally:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()


def test_deploy_without_privilege_is_exit_5_and_changes_nothing(plain_role_url: str,
                                                                 pg_url: str) -> None:
    with pytest.raises(PermissionDeniedError) as info:
        deploy(plain_role_url, ["pg_trgm", "pg_buffercache"])
    assert info.value.exit_code == 5
    assert info.value.hint and "superuser" in info.value.hint
    states = {s.name: s.state for s in verify(pg_url, ["pg_trgm", "pg_buffercache"])}
    assert states == {"pg_trgm": "missing", "pg_buffercache": "missing"}


def test_extensions_check(make_settings: Build, pg_url: str) -> None:
    settings = make_settings('[db.extensions]\nrequired = ["pg_trgm>=1.0", "plpgsql"]\n',
                             database_url=pg_url)
    [r] = check(settings, names=["extensions"]).results
    assert r.status == "fail" and "pg_trgm is not installed" in r.message
    assert r.hint and "extensions deploy" in r.hint
    deploy(pg_url, ["pg_trgm"])
    [r] = check(settings, names=["extensions"]).results
    assert r.status == "pass", r.message


def test_extensions_on_non_postgres_is_config_error(make_settings: Build,
                                                     tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PostgreSQL feature"):
        verify(f"sqlite:///{tmp_path / 'x.db'}", ["pg_trgm"])
    settings = make_settings('[db.extensions]\nrequired = ["pg_trgm"]\n',
                             database_url=f"sqlite:///{tmp_path / 'x.db'}")
    [r] = check(settings, names=["extensions"]).results
    assert (r.status, r.exit_code) == ("fail", 3)


def test_deploy_cli_without_privilege_exits_5(plain_role_url: str, project: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    code = main(["db", "extensions", "deploy", "--database", plain_role_url, "pg_buffercache"])
    assert code == 5
    err = capsys.readouterr().err
    assert "may not create these extensions" in err and "hint:" in err and "superuser" in err
