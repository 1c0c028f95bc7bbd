"""Benchmark the schema commands on PostgreSQL.

    .venv/bin/python benchmarks/db_schema.py [--tables 500] [--migrations 100] [--models 50]

* ``db inspect`` of an N-table schema (each table: a primary key, three columns, a
  foreign key, an index, a unique constraint): pitstop's multi-table read
  (``read_schema``, and the ``pitstop db inspect --json`` process) against reflecting
  table by table with SQLAlchemy's inspector (what a hand-written script does).
* ``migrate new --autogenerate`` with M migrations and K models (the migrations create
  the K tables and their indexes; the models add a column to each): the whole command as
  a process — scratch database, applying the migrations, importing the models in the
  project's interpreter, comparing, writing the file.

Targets (issue 20): inspect of 500 tables < 2 s and ≥ 5× faster than table by table;
autogenerate on 100 migrations + 50 models < 5 s.  Needs PostgreSQL at
PITSTOP_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import PITSTOP, compile_pitstop

PG_ADMIN = os.environ.get("PITSTOP_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _engine(url: str):  # type: ignore[no-untyped-def]
    import sqlalchemy

    return sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://"),
                                    poolclass=sqlalchemy.pool.NullPool)


def _median(func, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far: what a
    process cost, whatever else the machine was doing."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def build_schema(url: str, tables: int) -> None:
    statements = []
    for i in range(tables):
        ref = f", parent_id INTEGER REFERENCES t{i - 1} (id) ON DELETE CASCADE" if i else ""
        statements.append(
            f"CREATE TABLE t{i} (id SERIAL PRIMARY KEY, name VARCHAR(50) NOT NULL, "
            f"code VARCHAR(20) UNIQUE, created TIMESTAMPTZ DEFAULT now(){ref})")
        statements.append(f"CREATE INDEX t{i}_name ON t{i} (name)")
    engine = _engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


def table_by_table(url: str) -> int:
    """What a script without the multi-table calls does: one inspector call per table
    and kind of object."""
    import sqlalchemy

    engine = _engine(url)
    with engine.connect() as conn:
        inspector = sqlalchemy.inspect(conn)
        names = inspector.get_table_names()
        for name in names:
            inspector.get_columns(name)
            inspector.get_pk_constraint(name)
            inspector.get_foreign_keys(name)
            inspector.get_indexes(name)
            inspector.get_unique_constraints(name)
            inspector.get_check_constraints(name)
            inspector.get_table_comment(name)
    engine.dispose()
    return len(names)


def multi(url: str) -> int:
    from pitstop.db.connect import session
    from pitstop.db.inspect_schema import read_schema

    with session(url) as conn:
        return len(read_schema(conn)["tables"])


def bench_inspect(url: str, tables: int) -> None:
    build_schema(url, tables)
    assert multi(url) == tables and table_by_table(url) == tables
    slow = _median(lambda: table_by_table(url))
    fast = _median(lambda: multi(url))
    env = dict(os.environ, DATABASE_URL=url)
    cpu = _children_cpu()
    with tempfile.TemporaryDirectory() as cwd:
        cli = _median(lambda: subprocess.run([PITSTOP, "db", "inspect", "--json"], cwd=cwd,
                                             env=env, stdout=subprocess.DEVNULL, check=True))
    cpu = (_children_cpu() - cpu) / 3
    print(f"db inspect, {tables} tables (PostgreSQL; {_load()}):")
    print(f"  table by table (inspector.get_*)      {slow * 1000:9.1f} ms")
    print(f"  pitstop read_schema (get_multi_*)     {fast * 1000:9.1f} ms   "
          f"{slow / fast:5.1f}x faster")
    print(f"  pitstop db inspect --json (process)   {cli * 1000:9.1f} ms   "
          f"{slow / cli:5.1f}x faster; {cpu * 1000:.0f} ms CPU")


def bench_autogenerate(url: str, migrations: int, models: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        folder = project / "migrations"
        folder.mkdir()
        per_table = max(1, migrations // models)
        version = 0
        for k in range(models):
            for step in range(per_table):
                version += 1
                if step == 0:
                    sql = (f"CREATE TABLE m{k} (id SERIAL PRIMARY KEY, "
                           f"name VARCHAR(50) NOT NULL, value INTEGER);\n")
                else:
                    sql = f"CREATE INDEX m{k}_i{step} ON m{k} (value);\n"
                (folder / f"V{version}__step_{version}.sql").write_text(sql)
        lines = ["import sqlalchemy as sa",
                 "from sqlalchemy.orm import DeclarativeBase", "",
                 "class Base(DeclarativeBase):", "    pass", ""]
        for k in range(models):
            lines += [f"class M{k}(Base):", f"    __tablename__ = 'm{k}'",
                      "    id = sa.Column(sa.Integer, primary_key=True)",
                      "    name = sa.Column(sa.String(50), nullable=False)",
                      "    value = sa.Column(sa.Integer)",
                      "    extra = sa.Column(sa.Text)"]
            lines += [f"    __table_args__ = (sa.Index('m{k}_i{s}', 'value'),)"
                      for s in range(1, per_table)][:1]
            lines.append("")
        (project / "models.py").write_text("\n".join(lines))
        (project / "pitstop.toml").write_text(
            f'database_url = "{url}"\n[project]\npython = "{sys.executable}"\n'
            '[migrate]\nlayout = "flyway"\n[models]\nbase = "models:Base"\n')
        samples = []
        cpu = _children_cpu()
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([PITSTOP, "migrate", "new", "extra", "--autogenerate"], cwd=project,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            samples.append(time.perf_counter() - start)
            made = sorted(folder.glob("*extra*"))
            assert len(made) == 1 and made[0].read_text().count("ADD COLUMN extra") == models
            made[0].unlink()
        cpu = (_children_cpu() - cpu) / 3
    print(f"migrate new --autogenerate, {version} migrations + {models} models (PostgreSQL; "
          f"{_load()}):")
    print(f"  pitstop (process, median of 3)        {statistics.median(samples) * 1000:9.1f} ms"
          f"   {cpu * 1000:.0f} ms CPU in pitstop and the project's interpreter")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=500)
    parser.add_argument("--migrations", type=int, default=100)
    parser.add_argument("--models", type=int, default=50)
    args = parser.parse_args()
    compile_pitstop()
    import sqlalchemy

    name = f"pitstop_bench_{uuid.uuid4().hex[:8]}"
    admin = _engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sqlalchemy.exc.OperationalError as exc:
        print(f"skipped: PostgreSQL is not reachable at {PG_ADMIN}: {exc.orig}")
        return 0
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        bench_inspect(url, args.tables)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        bench_autogenerate(url, args.migrations, args.models)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
