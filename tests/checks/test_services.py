"""The database and redis checks against the real servers, and their failure modes:
closed ports, wrong passwords, NOAUTH, missing SQLite files, corruption."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pitstop.checks import check
from pitstop.config import Settings

pytest_plugins = ["checks_support"]

Build = Callable[..., Settings]


def _one(settings: Settings, name: str) -> tuple[str, str, int, str, str | None, dict[str, object]]:
    [r] = check(settings, names=[name]).results
    return r.name, r.status, r.exit_code, r.message, r.hint, {k: v.value for k, v in
                                                               r.observed.items()}


def test_postgres_passes_with_figures(make_settings: Build, pg_url: str) -> None:
    _, status, _code, message, _, observed = _one(make_settings("", database_url=pg_url), "database")
    assert status == "pass", message
    assert message.startswith("PostgreSQL ") and "(primary)" in message
    assert observed["in_recovery"] is False
    assert isinstance(observed["connections"], int) and isinstance(observed["max_connections"], int)
    assert isinstance(observed["database_size"], int) and observed["database_size"] > 0
    assert "oldest_transaction" in observed and "round_trip" in observed


def test_mariadb_passes_with_figures(make_settings: Build, mysql_url: str) -> None:
    _, status, _, message, _, observed = _one(make_settings("", database_url=mysql_url),
                                              "database")
    assert status == "pass", message
    assert message.startswith(("MariaDB ", "MySQL "))
    assert observed["read_only"] is False
    assert isinstance(observed["max_connections"], int)


def test_postgres_connection_warning_threshold(make_settings: Build, pg_url: str) -> None:
    settings = make_settings("[checks.database]\nconnections_warn = 0.0001\n",
                             database_url=pg_url)
    _, status, code, message, hint, _ = _one(settings, "database")
    assert status == "warn" and code == 0
    assert "connections in use" in message and hint


def test_closed_port_and_wrong_password(make_settings: Build, closed_port: int,
                                        pg_url: str) -> None:
    url = f"postgresql://app:hunter22@127.0.0.1:{closed_port}/app"
    _, status, code, message, hint, _ = _one(make_settings("", database_url=url), "database")
    assert (status, code) == ("fail", 4)
    assert "hunter22" not in message and f"127.0.0.1:{closed_port}" in message
    assert hint
    bad = pg_url.replace("postgresql://postgres@", "postgresql://nosuchuser:hunter22@")
    _, status, code, message, _hint, _ = _one(make_settings("", database_url=bad), "database")
    assert (status, code) == ("fail", 4)
    assert "hunter22" not in message


def test_mysql_closed_port(make_settings: Build, closed_port: int) -> None:
    url = f"mysql://root:pw12345@127.0.0.1:{closed_port}/x"
    _, status, code, message, _, _ = _one(make_settings("", database_url=url), "database")
    assert (status, code) == ("fail", 4)
    assert "pw12345" not in message


def test_sqlite_missing_file_is_not_created(make_settings: Build, tmp_path: Path) -> None:
    db = tmp_path / "missing.db"
    _, status, code, message, hint, _ = _one(make_settings("", database_url=f"sqlite:///{db}"),
                                             "database")
    assert (status, code) == ("fail", 4)
    assert "does not exist" in message and hint
    assert not db.exists()


def test_sqlite_ok_and_corrupt(make_settings: Build, tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
    _, status, _, message, _, observed = _one(make_settings("", database_url=f"sqlite:///{db}"),
                                              "database")
    assert status == "pass", message
    assert observed["journal_mode"] == "wal"
    assert observed["quick_check"] == "ok"
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    _, status, code, _message, _, _ = _one(make_settings("", database_url=f"sqlite:///{junk}"),
                                          "database")
    assert status == "fail" and code == 1


def test_redis_passes(make_settings: Build, redis_url: str) -> None:
    _, status, _, message, _, observed = _one(make_settings("", redis_url=redis_url), "redis")
    assert status == "pass", message
    assert message.startswith(("Redis ", "Dragonfly "))
    assert observed["role"] == "master"
    assert isinstance(observed["used_memory"], int)


def test_redis_cache_with_noeviction_warns(make_settings: Build, redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    policy = client.config_get("maxmemory-policy")["maxmemory-policy"]
    client.close()
    _, status, _, message, hint, _ = _one(
        make_settings("[checks.redis]\ncache = true\n", redis_url=redis_url), "redis")
    if policy == "noeviction":
        assert status == "warn" and "noeviction" in message and hint
    else:
        assert status == "pass"


def test_redis_closed_and_hanging(make_settings: Build, closed_port: int,
                                  hanging_port: int) -> None:
    settings = make_settings("[checks]\ntimeout = 1\n",
                             redis_url=f"redis://:topsecret@127.0.0.1:{closed_port}/0")
    _, status, code, message, hint, _ = _one(settings, "redis")
    assert (status, code) == ("fail", 4) and "topsecret" not in message and hint
    settings = make_settings("[checks]\ntimeout = 1\n",
                             redis_url=f"redis://127.0.0.1:{hanging_port}/0")
    _, status, code, message, _, _ = _one(settings, "redis")
    assert (status, code) == ("fail", 4)
    assert "1 s" in message


def test_redis_noauth_and_wrong_password(make_settings: Build,
                                         auth_redis: tuple[int, str]) -> None:
    port, password = auth_redis
    _, status, code, message, hint, _ = _one(
        make_settings("", redis_url=f"redis://127.0.0.1:{port}/0"), "redis")
    assert (status, code) == ("fail", 4)
    assert "NOAUTH" in message and hint and "password" in hint
    _, status, code, message, _, _ = _one(
        make_settings("", redis_url=f"redis://:wrong-password-1@127.0.0.1:{port}/0"), "redis")
    assert (status, code) == ("fail", 4) and "wrong-password-1" not in message
    _, status, _, message, _, _ = _one(
        make_settings("", redis_url=f"redis://:{password}@127.0.0.1:{port}/0"), "redis")
    assert status == "pass", message


def test_missing_driver_is_exit_2_naming_the_extra(project: Path) -> None:
    code = ("import sys; sys.modules['redis'] = None; sys.modules['psycopg'] = None\n"
            "from pitstop.cli.main import main\n"
            "raise SystemExit(main(sys.argv[1:]))")
    for args, extra in ((["check", "redis", "--redis", "redis://127.0.0.1:6379/0"], "redis"),
                        (["check", "database", "--database", "postgresql://u@127.0.0.1/x"],
                         "postgres")):
        proc = subprocess.run([sys.executable, "-c", code, *args, "--no-record"], cwd=project,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert f"pitstop[{extra}]" in proc.stdout + proc.stderr


def test_redis_tls_required(make_settings: Build, tls_redis: tuple[int, Path]) -> None:
    port, ca = tls_redis
    settings = make_settings("[checks]\ntimeout = 2\n", redis_url=f"redis://127.0.0.1:{port}/0")
    _, status, code, message, hint, _ = _one(settings, "redis")
    assert (status, code) == ("fail", 4), message
    assert hint and "rediss://" in hint
    settings = make_settings("", redis_url=f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={ca}")
    _, status, _, message, _, _ = _one(settings, "redis")
    assert status == "pass", message


def test_postgres_tls_mismatch_has_a_hint(make_settings: Build, pg_url: str) -> None:
    settings = make_settings("", database_url=f"{pg_url}?sslmode=require")
    _, status, code, message, hint, _ = _one(settings, "database")
    if status == "pass":
        assert message.startswith("PostgreSQL")  # this server offers TLS: nothing to refuse
        return
    assert (status, code) == ("fail", 4)
    assert hint and "TLS" in hint


def test_redis_replica_with_lost_primary_fails(
        make_settings: Build, start_redis: Callable[[list[str]], int], closed_port: int) -> None:
    port = start_redis(["--replicaof", "127.0.0.1", str(closed_port)])
    _, status, code, message, _, observed = _one(
        make_settings("", redis_url=f"redis://127.0.0.1:{port}/0"), "redis")
    assert (status, code) == ("fail", 1)
    assert "(slave)" in message or "(replica)" in message
    assert "lost its primary" in message
    assert observed["master_link_status"] == "down"


def test_server_name_recognises_dragonfly() -> None:
    from pitstop.checks.redis import server_name

    assert server_name({"redis_version": "7.2.0", "dragonfly_version": "df-v1.21.2"}) == (
        "Dragonfly", "1.21.2")
    assert server_name({"redis_version": "7.0.15"}) == ("Redis", "7.0.15")


def test_mysql_wrong_password(make_settings: Build, mysql_url: str) -> None:
    bad = mysql_url.replace("mysql://root@", "mysql://nosuchuser:hunter33@")
    _, status, code, message, _, _ = _one(make_settings("", database_url=bad), "database")
    assert (status, code) == ("fail", 4)
    assert "hunter33" not in message
