"""Fixtures for the migration tests: a database URL per dialect, settings for a
project directory, and writers that lay out the same migrations in every layout."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import sqlalchemy

from pitstop.config import Settings
from settings_builder import build_settings

LAYOUTS = ("flyway", "dbmate", "golang-migrate", "diesel", "plain")
DIALECTS = ("sqlite", "postgresql", "mysql")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """CLI runs configure the ``pitstop`` logger; leave it as it was for other tests."""
    import logging

    logger = logging.getLogger("pitstop")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    yield
    logger.handlers[:] = saved[0]
    logger.propagate, logger.level = saved[1], saved[2]


@pytest.fixture(params=DIALECTS)
def db_url(request: pytest.FixtureRequest) -> str:
    """The same test on SQLite, PostgreSQL and MariaDB."""
    name = {"sqlite": "sqlite_url", "postgresql": "pg_url", "mysql": "mysql_url"}[request.param]
    url: str = request.getfixturevalue(name)
    return url


def make_settings(project: Path, url: str, config: str = "") -> Settings:
    """Settings for ``project`` (optionally with a pitstop.toml body, read only then)
    and ``url``: :func:`settings_builder.build_settings`."""
    return build_settings(project, toml=config or None, database_url=url,
                          discover=bool(config))


def tables(url: str) -> set[str]:
    from pitstop.db.url import create_engine

    engine = create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        return set(sqlalchemy.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def query(url: str, sql: str) -> list[tuple[object, ...]]:
    from pitstop.db.url import create_engine

    engine = create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.begin() as conn:
            result = conn.exec_driver_sql(sql)
            return [tuple(r) for r in result.fetchall()] if result.returns_rows else []
    finally:
        engine.dispose()


Migration = tuple[str, str | None]  # (up sql, down sql)


def write_layout(layout: str, folder: Path, migrations: Sequence[Migration],
                 start: int = 1) -> list[str]:
    """Write ``migrations`` in ``layout``; return the file names in order."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for offset, (up, down) in enumerate(migrations):
        i = start + offset
        if layout == "flyway":
            names.append(f"V{i}__step_{i}.sql")
            (folder / names[-1]).write_text(up)
            if down is not None:
                (folder / f"U{i}__step_{i}.sql").write_text(down)
        elif layout == "dbmate":
            names.append(f"{20240101000000 + i}_step_{i}.sql")
            body = f"-- migrate:up\n{up}\n"
            if down is not None:
                body += f"\n-- migrate:down\n{down}\n"
            (folder / names[-1]).write_text(body)
        elif layout == "golang-migrate":
            names.append(f"{i:06d}_step_{i}.up.sql")
            (folder / names[-1]).write_text(up)
            if down is not None:
                (folder / f"{i:06d}_step_{i}.down.sql").write_text(down)
        elif layout == "diesel":
            sub = folder / f"2024-01-01-{i:06d}_step_{i}"
            sub.mkdir()
            names.append(f"{sub.name}/up.sql")
            (sub / "up.sql").write_text(up)
            if down is not None:
                (sub / "down.sql").write_text(down)
        else:
            names.append(f"{i:03d}_step_{i}.sql")
            (folder / names[-1]).write_text(up)
    return names


def simple(i: int) -> Migration:
    """Migration ``i``: a table, an index and a row; down drops the table."""
    return (
        f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name VARCHAR(50));\n"
        f"CREATE INDEX t{i}_name ON t{i} (name);\n"
        f"INSERT INTO t{i} (id, name) VALUES (1, 'semi;colon -- not a comment');\n",
        f"DROP TABLE t{i};\n",
    )


@pytest.fixture
def write() -> Callable[..., list[str]]:
    return write_layout
