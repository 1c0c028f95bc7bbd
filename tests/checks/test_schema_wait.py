"""Schema drift against the models on a real database, and ``wait``."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy

from pitstop.checks import check
from pitstop.checks.wait import wait
from pitstop.config import Settings
from pitstop.errors import ConfigError, UsageError

pytest_plugins = ["checks_support"]

Build = Callable[..., Settings]

MODELS = '''
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=True)


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
'''


def _project_with_models(make_settings: Build, url: str) -> tuple[Settings, str]:
    module = f"models_{uuid.uuid4().hex[:8]}"
    settings = make_settings(f'[checks.schema]\nmodels = "{module}:Base"\n', database_url=url)
    (settings.project_dir / f"{module}.py").write_text(MODELS, encoding="utf-8")
    return settings, module


def _create(url: str, *statements: str) -> None:
    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        for sql in statements:
            conn.execute(sqlalchemy.text(sql))
    engine.dispose()


def test_schema_matches(make_settings: Build, pg_url: str) -> None:
    settings, _module = _project_with_models(make_settings, pg_url)
    _create(pg_url,
            "CREATE TABLE users (id serial PRIMARY KEY, email varchar(200) NOT NULL, "
            "name varchar(100))",
            "CREATE TABLE orders (id serial PRIMARY KEY)",
            "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
    [r] = check(settings, names=["schema"]).results
    assert r.status == "pass", r.message
    assert r.observed["tables"].value == 2


def test_schema_drift_is_reported_in_words(make_settings: Build, pg_url: str) -> None:
    settings, _module = _project_with_models(make_settings, pg_url)
    _create(pg_url,
            "CREATE TABLE users (id serial PRIMARY KEY, email text, legacy int)",
            "CREATE TABLE audit (id serial PRIMARY KEY)")
    [r] = check(settings, names=["schema"]).results
    assert r.status == "fail" and r.exit_code == 1
    found = [v.value for k, v in r.observed.items() if k.startswith("difference.")]
    joined = "\n".join(found)
    assert "table orders is in the models but not in the database" in joined
    assert "table audit is in the database but not in the models" in joined
    assert "column users.name is in the models but not in the database" in joined
    assert "column users.legacy is in the database but not in the models" in joined
    assert "users.email" in joined  # TEXT NULL vs VARCHAR(200) NOT NULL
    assert r.observed["differences"].value == len(found)
    assert r.hint


def test_schema_bad_models_is_config_error(make_settings: Build, pg_url: str) -> None:
    settings = make_settings('[checks.schema]\nmodels = "no_such_module_xyz:Base"\n',
                             database_url=pg_url)
    [r] = check(settings, names=["schema"]).results
    assert (r.status, r.exit_code) == ("fail", 3)
    assert "no_such_module_xyz" in r.message
    with pytest.raises(ConfigError, match=r"package\.module:Base"):
        make_settings('[checks.schema]\nmodels = "just_a_module"\n')


def test_wait_database_and_redis_answer(make_settings: Build, pg_url: str,
                                        redis_url: str) -> None:
    settings = make_settings("", database_url=pg_url, redis_url=redis_url)
    report = wait(settings, targets=["database", "redis"], timeout=5, interval=0.2)
    results = report.results
    assert [r.ready for r in results] == [True, True] and report.exit_code == 0
    assert results[0].detail.startswith("postgresql ")
    assert results[1].detail.startswith(("Redis ", "Dragonfly "))


def test_wait_gives_up_with_last_error(make_settings: Build, closed_port: int) -> None:
    settings = make_settings("")
    retries: list[tuple[str, int, str]] = []
    report = wait(settings, targets=[f"postgresql://u:pw77@127.0.0.1:{closed_port}/x"],
                  timeout=1.2, interval=0.3, on_retry=lambda *told: retries.append(told))
    [r] = report.results
    assert not r.ready and r.exit_code == 4 and report.exit_code == 4
    assert r.attempts >= 3 and len(retries) == r.attempts  # kept trying until the timeout
    assert r.seconds >= 1.2  # it waited the whole timeout (the upper bound: benchmarks/)
    assert "pw77" not in r.detail and "pw77" not in r.label
    assert all("pw77" not in message for _label, _n, message in retries)


def test_wait_hanging_server_respects_timeout(make_settings: Build, hanging_port: int) -> None:
    [r] = wait(make_settings(""), targets=[f"redis://127.0.0.1:{hanging_port}/0"], timeout=1.0,
               interval=0.2).results
    # a server that accepts and never speaks: each attempt is cut at its own budget, so
    # the wait ends as a connection failure rather than hanging (pytest-timeout guards)
    assert not r.ready and r.exit_code == 4


def test_wait_until_a_port_opens(make_settings: Build, closed_port: int) -> None:
    server = socket.socket()
    refused = threading.Event()

    def open_after_a_refusal() -> None:
        refused.wait(10)  # the port opens only once an attempt has been refused
        server.bind(("127.0.0.1", closed_port))
        server.listen(1)

    opener = threading.Thread(target=open_after_a_refusal)
    opener.start()
    try:
        [r] = wait(make_settings(""), targets=[f"127.0.0.1:{closed_port}"], timeout=10,
                   interval=0.2, on_retry=lambda *told: refused.set()).results
    finally:
        refused.set()
        opener.join()
        server.close()
    assert r.ready and r.attempts >= 2


def test_wait_bad_targets(make_settings: Build, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        wait(make_settings(""), targets=["not a target"], timeout=1)
    with pytest.raises(ConfigError, match="Redis URL"):
        wait(make_settings(""), targets=["redis"], timeout=1)
    with pytest.raises(ConfigError):
        wait(make_settings(""), targets=["oracle://x/y"], timeout=1)


def test_schema_on_sqlite_and_missing_file(make_settings: Build, tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "app.db"
    settings, _module = _project_with_models(make_settings, f"sqlite:///{db}")
    [r] = check(settings, names=["schema"]).results
    assert (r.status, r.exit_code) == ("fail", 4) and not db.exists()
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL, "
                     "name VARCHAR(100))")
    [r] = check(settings, names=["schema"]).results
    assert r.status == "fail"
    assert "table orders is in the models but not in the database" in r.message


def test_schema_uses_the_discovered_models_without_checks_schema_models(
        make_settings: Build, tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "app.db"
    settings = make_settings('[models]\npaths = ["app"]\n', database_url=f"sqlite:///{db}")
    app = settings.project_dir / "app"
    app.mkdir()
    (app / "__init__.py").write_text("", encoding="utf-8")
    (app / "models.py").write_text(MODELS, encoding="utf-8")
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL, "
                     "name VARCHAR(100))")
    names = [r.name for r in check(settings).results]
    assert "schema" in names  # [models] is enough to turn the check on
    [r] = check(settings, names=["schema"]).results
    assert r.status == "fail", r.message
    assert "orders" in r.message
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
    [r] = check(settings, names=["schema"]).results
    assert r.status == "pass", r.message
    no_models = make_settings("", database_url=f"sqlite:///{db}")
    assert "schema" not in [r.name for r in check(no_models).results]
