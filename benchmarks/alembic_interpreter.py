"""What running Alembic in the project's interpreter costs ``pitstop migrate status``.

    .venv/bin/python benchmarks/alembic_interpreter.py [--revisions 30] [--runs 15]
        [--compare-src DIR]

On an Alembic project of N revisions (SQLite, all applied) it times, as separate
processes, median of ``--runs``:

* ``pitstop migrate status``: Alembic runs in a helper process in the project's
  interpreter (here pitstop's own, as when pitstop is installed in the project's venv);
* the peer, ``alembic current`` and ``alembic heads`` (what a user runs instead);
* with ``--compare-src DIR`` (a pitstop source tree, e.g. ``git archive main src``
  unpacked), that tree's ``pitstop migrate status`` — before the seam, Alembic ran inside
  pitstop's own process;

and the seam's fixed cost alone: one round trip of the smallest helper (start the
interpreter, send the request, read the answer).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import BIN, PITSTOP, compile_pitstop, row, time_command

ENV_PY = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
engine = engine_from_config(config.get_section(config.config_ini_section, {}),
                            prefix="sqlalchemy.", poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""

REVISION = '''"""revision {i}"""
import sqlalchemy as sa
from alembic import op

revision = "r{i:04d}"
down_revision = {down}


def upgrade():
    op.create_table("t{i}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("t{i}")
'''


def make_project(root: Path, count: int) -> None:
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n"
                                      f"sqlalchemy.url = sqlite:///{root / 'app.db'}\n")
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    for i in range(1, count + 1):
        down = f'"r{i - 1:04d}"' if i > 1 else "None"
        (versions / f"r{i:04d}.py").write_text(REVISION.format(i=i, down=down))
    (root / "pitstop.toml").write_text(f'database_url = "sqlite:///{root / "app.db"}"\n'
                                       '[migrate]\ndir = "migrations"\n')


def time_alternating(a: list[str], b: list[str], runs: int, cwd: Path
                     ) -> tuple[float, float]:
    """Median wall times of ``a`` and ``b``, run one after the other ``runs`` times."""
    samples: tuple[list[float], list[float]] = ([], [])
    for i in range(runs + 2):
        for argv, into in ((a, samples[0]), (b, samples[1])):
            start = time.perf_counter()
            subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
            if i >= 2:
                into.append(time.perf_counter() - start)
    return statistics.median(samples[0]), statistics.median(samples[1])


def round_trip(runs: int, cwd: Path) -> float:
    from pitstop.project_python import find_interpreter, run_helper

    python = find_interpreter(cwd)
    samples = []
    for _ in range(runs + 2):
        start = time.perf_counter()
        run_helper(python, "interpreter_info", {}, cwd=cwd)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples[2:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revisions", type=int, default=30)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--compare-src", type=Path, default=None)
    args = parser.parse_args()
    compile_pitstop()
    with tempfile.TemporaryDirectory(prefix="pitstop-alembic-bench-") as tmp:
        root = Path(tmp)
        make_project(root, args.revisions)
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "DATABASE_URL")}
        up = subprocess.run([PITSTOP, "migrate", "up"], cwd=root, env=env, capture_output=True,
                            text=True, check=False)
        if up.returncode != 0:
            print(up.stderr)
            return 1
        print(f"Alembic project, {args.revisions} revisions applied, SQLite; median of "
              f"{args.runs} runs")
        peer = time_command([str(BIN / "alembic"), "current"], runs=args.runs, cwd=root)
        heads = time_command([str(BIN / "alembic"), "heads"], runs=args.runs, cwd=root)
        print(row("alembic current (peer)", peer))
        print(row("alembic heads (peer)", heads, peer))
        status = [PITSTOP, "migrate", "status"]
        if args.compare_src is None:
            seam = time_command(status, runs=args.runs, cwd=root)
            print(row("pitstop migrate status (project interpreter)", seam, peer))
        else:  # alternate the two, so that a busy machine weighs on both alike
            src = args.compare_src.resolve()
            other = ["/usr/bin/env", f"PYTHONPATH={src}", sys.executable, "-m", "pitstop",
                     "migrate", "status"]
            seam, before = time_alternating(status, other, args.runs, root)
            print(row("pitstop migrate status (project interpreter)", seam, peer))
            print(row(f"pitstop migrate status ({src.parent.name}, in-process)", before, peer))
            print(f"  the seam adds {(seam - before) * 1000:+.1f} ms "
                  f"({(seam / before - 1) * 100:+.0f} %) to migrate status")
        trip = round_trip(args.runs, root)
        print(row("one helper round trip (interpreter_info)", trip, peer))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
