"""Benchmark ``pitstop migrate`` against a minimal hand-written loop, Alembic and yoyo.

    .venv/bin/python benchmarks/migrate_bench.py [--count 1000] [--no-postgres] [--no-peers]

For N small migrations (a table, an index and a row each) it times, on SQLite and on
PostgreSQL (when reachable at PITSTOP_TEST_PG_URL or postgresql://postgres@127.0.0.1/postgres):

* the baseline: a minimal loop that runs each file in its own transaction and inserts a
  history row (what a hand-written ``apply_migrations.py`` does);
* ``pitstop.migrate.up`` (library call) and ``pitstop migrate up`` (CLI process);
* Alembic (``command.upgrade`` over N revisions of ``op.execute``) and yoyo (SQLite only);
* ``migrate up`` with nothing pending and ``migrate status``, with N applied.

and prints each time with its ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import compile_pitstop  # noqa: E402

PG_ADMIN = os.environ.get("PITSTOP_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def sql_for(i: int) -> str:
    return (f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name VARCHAR(50));\n"
            f"CREATE INDEX t{i}_name ON t{i} (name);\n"
            f"INSERT INTO t{i} (id, name) VALUES (1, 'row {i}');\n")


def write_flyway(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(1, count + 1):
        path = folder / f"V{i}__table_{i}.sql"
        path.write_text(sql_for(i))
        files.append(path)
    return files


def timed(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


# --- baselines -------------------------------------------------------------------------

def loop_sqlite(path: Path, files: list[Path]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE history (version TEXT, file TEXT, applied_at TEXT)")
    for i, file in enumerate(files, 1):
        text = file.read_text()
        conn.execute("BEGIN")
        for statement in text.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("INSERT INTO history VALUES (?, ?, datetime('now'))", (str(i), file.name))
        conn.execute("COMMIT")
    conn.close()


def loop_postgres(url: str, files: list[Path]) -> None:
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    conn.execute("CREATE TABLE history (version TEXT, file TEXT, applied_at TIMESTAMPTZ)")
    for i, file in enumerate(files, 1):
        text = file.read_text()
        conn.execute("BEGIN")
        conn.execute(text.encode())  # bytes: psycopg sends it as is, several statements
        conn.execute("INSERT INTO history VALUES (%s, %s, now())", (str(i), file.name))
        conn.execute("COMMIT")
    conn.close()


# --- peers -----------------------------------------------------------------------------

def alembic_project(folder: Path, count: int, url: str) -> Callable[[], object]:
    from alembic import command
    from alembic.config import Config

    versions = folder / "versions"
    versions.mkdir(parents=True)
    (folder / "env.py").write_text(
        "from alembic import context\nfrom sqlalchemy import engine_from_config, pool\n"
        "config = context.config\n"
        "engine = engine_from_config(config.get_section(config.config_ini_section, {}), "
        "prefix='sqlalchemy.', poolclass=pool.NullPool)\n"
        "with engine.connect() as connection:\n"
        "    context.configure(connection=connection, transaction_per_migration=True)\n"
        "    with context.begin_transaction():\n"
        "        context.run_migrations()\n")
    previous = None
    for i in range(1, count + 1):
        statements = [s.strip() for s in sql_for(i).split(";") if s.strip()]
        body = "\n".join(f"    op.execute({s!r})" for s in statements)
        (versions / f"r{i:05d}.py").write_text(
            f"from alembic import op\nrevision = 'r{i:05d}'\ndown_revision = {previous!r}\n"
            f"branch_labels = None\ndepends_on = None\n\ndef upgrade():\n{body}\n\n"
            f"def downgrade():\n    pass\n")
        previous = f"r{i:05d}"
    cfg = Config()
    cfg.set_main_option("script_location", str(folder))
    cfg.set_main_option("sqlalchemy.url", url)
    return lambda: command.upgrade(cfg, "head")


def yoyo_run(folder: Path, files: list[Path], url: str) -> Callable[[], object]:
    folder.mkdir(parents=True)
    for file in files:
        (folder / file.name).write_text(file.read_text())

    def run() -> None:
        from yoyo import get_backend, read_migrations

        backend = get_backend(url)
        migrations = read_migrations(str(folder))
        with backend.lock():
            backend.apply_migrations(backend.to_apply(migrations))

    return run


# --- pitstop ---------------------------------------------------------------------------

def pitstop_settings(project: Path, url: str) -> object:
    from pitstop.registry import load_settings

    return load_settings(project, discover=False, overrides={"database_url": url})


def pitstop_cli(project: Path, url: str, *args: str, cpu: bool = False) -> float:
    """Wall time of one CLI process (or, with ``cpu``, its user+system CPU time)."""
    import resource

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "pitstop"), "--log-level", "WARNING",
                    "migrate", *args, "--database", url, "--dir", str(project / "migrations")],
                   check=True, env=env, cwd=project, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return used if cpu else wall


def report(title: str, rows: list[tuple[str, float]], base: float) -> None:
    print(f"\n{title}")
    for name, seconds in rows:
        print(f"  {name:<38} {seconds * 1000:9.0f} ms   {seconds / base:5.2f}x")


def best(runs: list[Callable[[], float]], repeat: int) -> list[float]:
    """Run the contenders interleaved ``repeat`` times; the fastest time of each."""
    times = [[] for _ in runs]  # type: list[list[float]]
    for _ in range(repeat):
        for i, run in enumerate(runs):
            times[i].append(run())
    return [min(t) for t in times]


def bench_sqlite(count: int, peers: bool, repeat: int, where: Path | None) -> None:
    import pitstop.migrate as m

    with tempfile.TemporaryDirectory(dir=where) as tmp:
        root = Path(tmp)
        project = root / "project"
        files = write_flyway(project / "migrations", count)
        fresh = iter(range(10**6))

        def db() -> Path:
            return root / f"db{next(fresh)}.db"

        def lib() -> float:
            settings = pitstop_settings(project, f"sqlite:///{db()}")
            return timed(lambda: m.up(settings))  # type: ignore[arg-type]

        base, library, cli = best([lambda: timed(lambda: loop_sqlite(db(), files)), lib,
                                   lambda: pitstop_cli(project, f"sqlite:///{db()}", "up")],
                                  repeat)
        rows = [("minimal loop (baseline)", base), ("pitstop.migrate.up (library)", library),
                ("pitstop migrate up (CLI process)", cli)]
        if peers:
            rows.append(("alembic upgrade head", timed(alembic_project(
                root / "alembic", count, f"sqlite:///{db()}"))))
            try:
                rows.append(("yoyo apply", timed(yoyo_run(root / "yoyo", files,
                                                          f"sqlite:///{db()}"))))
            except ImportError:
                print("  (yoyo-migrations not installed; skipped)")
        where_text = f"files under {where}" if where else "files in the temp directory"
        report(f"SQLite ({where_text}), {count} migrations, best of {repeat}", rows, base)
        url = f"sqlite:///{db()}"
        settings = pitstop_settings(project, url)
        m.up(settings)  # type: ignore[arg-type]
        noop = best([lambda: timed(lambda: m.up(settings)),  # type: ignore[arg-type]
                     lambda: timed(lambda: m.status(settings)),  # type: ignore[arg-type]
                     lambda: pitstop_cli(project, url, "up"),
                     lambda: pitstop_cli(project, url, "status", "--json"),
                     lambda: pitstop_cli(project, url, "up", cpu=True),
                     lambda: pitstop_cli(project, url, "status", "--json", cpu=True)], repeat)
        names = ["up, nothing pending (library)", "status (library)",
                 "up, nothing pending (CLI, wall)", "status (CLI, wall)",
                 "up, nothing pending (CLI, CPU time)", "status (CLI, CPU time)"]
        print(f"\nSQLite, {count} applied (target: under 200 ms)")
        for name, seconds in zip(names, noop, strict=True):
            print(f"  {name:<38} {seconds * 1000:9.0f} ms")


def bench_postgres(count: int, peers: bool, repeat: int) -> None:
    import psycopg

    import pitstop.migrate as m

    admin = psycopg.connect(PG_ADMIN, autocommit=True)
    base_url = PG_ADMIN.rsplit("/", 1)[0]
    created: list[str] = []

    def fresh() -> str:
        name = f"pitstop_bench_{uuid.uuid4().hex[:10]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return f"{base_url}/{name}"

    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            project = root / "project"
            files = write_flyway(project / "migrations", count)

            def loop() -> float:
                url = fresh()
                return timed(lambda: loop_postgres(url, files))

            def lib() -> float:
                settings = pitstop_settings(project, fresh())
                return timed(lambda: m.up(settings))  # type: ignore[arg-type]

            base, library = best([loop, lib], repeat)
            rows = [("minimal loop (baseline)", base), ("pitstop.migrate.up (library)", library)]
            if peers:
                url = fresh().replace("postgresql://", "postgresql+psycopg://")
                rows.append(("alembic upgrade head", timed(alembic_project(root / "alembic",
                                                                           count, url))))
            report(f"PostgreSQL, {count} migrations, best of {repeat}", rows, base)
            url = fresh()
            settings = pitstop_settings(project, url)
            m.up(settings)  # type: ignore[arg-type]
            noop = best([lambda: timed(lambda: m.up(settings)),  # type: ignore[arg-type]
                         lambda: timed(lambda: m.status(settings)),  # type: ignore[arg-type]
                         lambda: pitstop_cli(project, url, "up"),
                         lambda: pitstop_cli(project, url, "status", "--json"),
                         lambda: pitstop_cli(project, url, "up", cpu=True),
                         lambda: pitstop_cli(project, url, "status", "--json", cpu=True)],
                        repeat)
            names = ["up, nothing pending (library)", "status (library)",
                     "up, nothing pending (CLI, wall)", "status (CLI, wall)",
                     "up, nothing pending (CLI, CPU time)", "status (CLI, CPU time)"]
            print(f"\nPostgreSQL, {count} applied (target: under 200 ms)")
            for name, seconds in zip(names, noop, strict=True):
                print(f"  {name:<38} {seconds * 1000:9.0f} ms")
    finally:
        for name in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tmpfs", action="store_true",
                        help="also run the SQLite comparison on /dev/shm (no fsync cost)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    compile_pitstop()
    bench_sqlite(args.count, not args.no_peers, args.repeat, None)
    if args.tmpfs and Path("/dev/shm").is_dir():
        bench_sqlite(args.count, False, args.repeat, Path("/dev/shm"))
    if not args.no_postgres:
        bench_postgres(args.count, not args.no_peers, args.repeat)


if __name__ == "__main__":
    main()
