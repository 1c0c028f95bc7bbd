"""Regressions found in the acceptance review: drivers that are installed but cannot
be imported (psycopg without libpq), TLS hints, and the other faults a user meets
first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["checks_support"]

PITSTOP = [sys.executable, "-m", "pitstop"]


def _broken_drivers(tmp_path: Path) -> dict[str, str]:
    """An environment in which psycopg, pymysql and redis are found but fail to import,
    like psycopg installed without libpq."""
    shadow = tmp_path / "broken"
    for module in ("psycopg", "pymysql", "redis"):
        (shadow / module).mkdir(parents=True)
        (shadow / module / "__init__.py").write_text(
            f"raise ImportError('no pq wrapper available for {module}')\n", encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(shadow), env.get("PYTHONPATH", "")])
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PITSTOP, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.mark.parametrize("url, extra", [
    ("postgresql://postgres@127.0.0.1:5432/postgres", "postgres"),
    ("mysql://root@127.0.0.1:3306/test", "mysql"),
])
def test_unloadable_driver_is_exit_2_naming_the_extra(project: Path, tmp_path: Path, url: str,
                                                      extra: str) -> None:
    env = _broken_drivers(tmp_path)
    done = _run(["check", "database", "--no-record", "--database", url], project, env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"pitstop[{extra}]" in done.stdout and "Traceback" not in done.stderr
    assert "bug in pitstop" not in done.stdout
    done = _run(["wait", url, "--timeout", "5"], project, env)
    assert done.returncode == 2, done.stderr
    assert f"cannot wait for {url}" in done.stderr and f"pitstop[{extra}]" in done.stderr


def test_unloadable_driver_in_db_extensions(project: Path, tmp_path: Path) -> None:
    env = _broken_drivers(tmp_path)
    done = _run(["db", "extensions", "list", "--database",
                 "postgresql://postgres@127.0.0.1:5432/postgres"], project, env)
    assert done.returncode == 2, done.stderr
    assert "cannot import psycopg" in done.stderr and "pitstop[postgres]" in done.stderr
    assert "crash" not in done.stderr


def test_rediss_against_a_plain_port_hints_at_tls(project: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    code = main(["check", "redis", "--no-record", "--timeout", "1",
                 "--redis", "rediss://127.0.0.1:6379/15"])
    out = capsys.readouterr().out
    assert code == 4
    assert "TLS" in out and "use redis://" in out


def test_redis_warning_hint_is_about_the_warning(project: Path, redis_url: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    (project / "pitstop.toml").write_text("[checks.redis]\ncache = true\n", encoding="utf-8")
    assert main(["check", "redis", "--no-record", "--redis", redis_url]) == 0
    out = capsys.readouterr().out
    assert "noeviction" in out
    assert "hint: set maxmemory-policy allkeys-lru" in out and "maxclients" not in out


@pytest.mark.parametrize("ops", ["", " , ", "set,foo"])
def test_bench_without_a_valid_operation_is_a_usage_error(project: Path, redis_url: str, ops: str,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    from pitstop.cli.main import main

    assert main(["bench", "redis", "--url", redis_url, "-n", "10", "-t", ops]) == 3
    err = capsys.readouterr().err
    assert "--ops" in err and "hint: choose from set, get" in err


def test_ipv6_addresses_are_shown_in_brackets(project: Path, closed_port: int,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    (project / "pitstop.toml").write_text(f'[checks.tcp.v6]\naddress = "[::1]:{closed_port}"\n',
                                          encoding="utf-8")
    assert main(["check", "tcp.v6", "--no-record"]) == 4
    assert f"[::1]:{closed_port}: connection refused" in capsys.readouterr().out


def test_models_module_that_exits_is_a_config_error_not_a_pass(
        project: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    (project / "exiting_models.py").write_text("import sys\nsys.exit(3)\n", encoding="utf-8")
    (project / "pitstop.toml").write_text(
        f'database_url = "{pg_url}"\n[checks.schema]\nmodels = "exiting_models:Base"\n',
        encoding="utf-8")
    assert main(["check", "schema", "--no-record"]) == 3
    captured = capsys.readouterr()
    assert "SystemExit" in captured.out and "1 checks: 0 passed" in captured.err


def test_models_attribute_missing_has_a_hint(project: Path, pg_url: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    (project / "plain_models.py").write_text("X = 1\n", encoding="utf-8")
    (project / "pitstop.toml").write_text(
        f'database_url = "{pg_url}"\n[checks.schema]\nmodels = "plain_models:Base"\n',
        encoding="utf-8")
    assert main(["check", "schema", "--no-record"]) == 3
    assert 'hint: name the declarative base or MetaData' in capsys.readouterr().out


def test_unknown_postgres_role_says_so(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    code = main(["check", "database", "--no-record", "--database",
                 "postgresql://no_such_role_acc:Pw12345678@127.0.0.1:5432/postgres"])
    out = capsys.readouterr().out
    assert code == 4
    assert "hint: the server has no such role" in out and "Pw12345678" not in out


@pytest.mark.parametrize("toml, code", [
    ('executables = ["no-such-exe-acc"]\n', 2),
    ('executables = ["no-such-exe-acc"]\nmin_free_disk = "900TB"\n', 1),  # not alone: 1
    ('disk_path = "/no/such/dir/acc"\nmin_free_disk = "1MB"\n', 3),
])
def test_env_exit_codes(project: Path, toml: str, code: int) -> None:
    from pitstop.cli.main import main

    (project / "pitstop.toml").write_text("[checks.env]\n" + toml, encoding="utf-8")
    assert main(["check", "env", "--no-record"]) == code


def test_wait_does_not_accept_a_file_that_is_not_a_database(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    (project / "bad.db").write_text("not a database " * 20, encoding="utf-8")
    assert main(["wait", "sqlite:///bad.db", "--timeout", "0.5", "--interval", "0.2"]) == 4
    assert "file is not a database" in capsys.readouterr().err
    (project / "dir.db").mkdir()
    assert main(["check", "database", "--no-record", "--database", "sqlite:///dir.db"]) == 3
    assert "is not a file" in capsys.readouterr().out


def test_an_unwritable_metrics_file_is_one_warning(project: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    (project / "pitstop.toml").write_text('[metrics]\ntextfile = "/proc/acc-m.prom"\n',
                                          encoding="utf-8")
    assert main(["check", "env"]) == 0
    err = capsys.readouterr().err
    assert err.count("cannot write metrics file /proc/acc-m.prom") <= 1


def test_wait_takes_a_redis_url_option(project: Path, redis_url: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    assert main(["wait", "redis", "--redis", redis_url, "--timeout", "5"]) == 0
    assert "redis answered after" in capsys.readouterr().err


@pytest.mark.parametrize("toml, message", [
    ('[checks.http.x]\nurl = "http://"\n', "[checks.http.x.url] no host"),
    ('[checks.http.x]\nurl = "http://[::1"\n', "Invalid IPv6 URL"),
    ('[checks.http.x]\nurl = "http://127.0.0.1:99999/"\n', "Port out of range"),
    ('[checks.http.x]\nurl = "http://127.0.0.1/"\nexpect_status = [200, 999]\n',
     "999 is not an HTTP status"),
    ('[checks.http.x]\nurl = "http://127.0.0.1/"\ntimeout = "0s"\n', "[checks.http.x.timeout] expected"),
    ('[checks.tcp.x]\naddress = "127.0.0.1:25"\ntimeout = 0\n', "[checks.tcp.x.timeout] expected"),
    ('[checks.database]\ntimeout = "0s"\n', "[checks.database.timeout] expected"),
])
def test_bad_http_urls_statuses_and_timeouts_are_config_errors(
        project: Path, toml: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    (project / "pitstop.toml").write_text(toml, encoding="utf-8")
    assert main(["check", "--no-record"]) == 3
    err = capsys.readouterr().err
    assert message in err and "pitstop.toml" in err


@pytest.mark.parametrize("target", ["http://", "http://[::1", "http://127.0.0.1:99999/",
                                    "redis://[::1", "postgresql://u:pw@127.0.0.1:99999/x",
                                    "mysql://[::1"])
def test_wait_for_a_malformed_url_is_exit_3_at_once(project: Path, target: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    assert main(["wait", target, "--timeout", "10"]) == 3
    err = capsys.readouterr().err
    assert "cannot wait for" in err and "Traceback" not in err and ":pw@" not in err
    assert "waiting for" not in err  # refused before the first attempt, never retried


@pytest.mark.parametrize("args", [
    ["check", "database", "--no-record", "--database", "mysql://[::1"],
    ["check", "database", "--no-record", "--database", "postgresql://u:pw@127.0.0.1:99999/x"],
    ["db", "extensions", "list", "--database", "postgresql://u:pw@[::1"],
])
def test_malformed_database_urls_are_config_errors(project: Path, args: list[str],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    assert main(args) == 3
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "malformed database URL" in text and "crash" not in text and ":pw@" not in text


@pytest.mark.parametrize("url, message", [
    ("redis://[::1", "malformed Redis URL"),
    ("redis://127.0.0.1:99999/0", "Port out of range"),
    ("redis://127.0.0.1:6379/abc", "'abc' is not a number"),
    ("redis://127.0.0.1:6379/99", "the database in the URL does not exist"),
])
def test_malformed_redis_urls_are_config_errors(project: Path, url: str, message: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    assert main(["check", "redis", "--no-record", "--redis", url]) == 3
    assert message in capsys.readouterr().out
    assert main(["bench", "redis", "--url", url, "-n", "10"]) == 3
    assert main(["wait", url, "--timeout", "10"]) == 3
    assert "crash" not in capsys.readouterr().err
