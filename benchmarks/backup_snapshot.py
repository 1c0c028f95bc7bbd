"""Benchmark: snapshot of a tree of ~50,000 files / ~800 MB, pitstop vs restic vs cp.

    .venv/bin/python benchmarks/backup_snapshot.py [--files 50000] [--mb 800]
        [--repeat 3] [--workdir DIR]

Builds a git repository of generated source-like files (each file unique, compressible
about 2-3x), then times: pitstop's first snapshot (--repeat times, each into a fresh
store) and its unchanged second snapshot (--repeat times, one after another), restic's
first and second backup of the same files (restic skipped when not installed), and
`cp -a` of the tree; and compares the storage used (apparent bytes and disk blocks) and
the bytes an unchanged snapshot adds to the store.  Times are medians with the range
(the build machine is shared and noisy).  With --workdir the generated repository is
kept and reused by the next run (compare code versions on the same files).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pitstop.backup import create_snapshot
from pitstop.registry import load_settings

GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@example.com"}


def build_tree(root: Path, files: int, total_mb: int) -> None:
    rng = random.Random(7)
    idents = ["".join(rng.choices(string.ascii_lowercase + "_", k=rng.randint(3, 14)))
              for _ in range(4000)]
    templates = [
        "def {a}({b}, {c}):\n", "    return {a}.{b}({c})\n", "    {a} = {b}[{n}]\n",
        "class {A}({B}):\n", "    # {a} {b} {c} {d}\n", "import {a}.{b}\n",
        "    if {a} > {n}:\n        raise {A}Error('{b} {c}')\n", "{a}_{n} = '{b}{c}{d}'\n",
    ]
    lines = []
    for _ in range(60000):
        a, b, c, d = rng.sample(idents, 4)
        lines.append(rng.choice(templates).format(
            a=a, b=b, c=c, d=d, A=a.title(), B=b.title(), n=rng.randint(0, 99999)).encode())
    mean = total_mb * 1_000_000 // files
    for i in range(files):
        directory = root / f"pkg{i % 97:02d}" / f"mod{i % 13}"
        directory.mkdir(parents=True, exist_ok=True)
        size = max(200, int(rng.expovariate(1 / mean)))
        parts = [f"# generated file {i}\n".encode()]
        length = 0
        while length < size:
            line = lines[rng.randrange(len(lines))]
            parts.append(line)
            length += len(line)
        (directory / f"file{i}.py").write_bytes(b"".join(parts))


def git(repo: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | GIT_ENV
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, stdout=subprocess.DEVNULL)


def du(path: Path) -> tuple[int, int]:
    apparent = int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True,
                                  check=True).stdout.split()[0])
    blocks = int(subprocess.run(["du", "-s", "--block-size=1", str(path)], capture_output=True,
                                text=True, check=True).stdout.split()[0])
    return apparent, blocks


def timed(label: str, func: object, repeat: int = 1, before: object = None) -> float:
    """Median wall time of ``func`` over ``repeat`` runs (``before`` runs untimed
    ahead of each)."""
    samples = []
    for _ in range(repeat):
        if before is not None:
            before()  # type: ignore[operator]
        start = time.perf_counter()
        func()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    took = statistics.median(samples)
    spread = f"  ({min(samples):.2f}-{max(samples):.2f})" if repeat > 1 else ""
    print(f"  {label:<40} {took:7.2f} s{spread}")
    return took


def store_bytes(path: Path) -> int:
    """Apparent bytes of every file under ``path`` but the lock."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and p.name != "lock")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=50000)
    parser.add_argument("--mb", type=int, default=800)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pitstop-snapbench-"))
    repo = workdir / "repo"
    store = workdir / "pitstop-store"
    try:
        if (repo / ".git").is_dir():
            print(f"reusing the repository in {repo}")
        else:
            print(f"building {args.files} files / {args.mb} MB …")
            repo.mkdir(parents=True)
            build_tree(repo, args.files, args.mb)
            git(repo, "init", "-q", "-b", "main")
            (repo / ".gitignore").write_text("pitstop.toml\n")
            git(repo, "add", ".")
            git(repo, "commit", "-q", "-m", "tree")
        apparent, _ = du(repo)
        print(f"  tree: {apparent / 1e6:.0f} MB including .git")
        (repo / "pitstop.toml").write_text(f'[snapshot]\ndir = "{store}"\n')
        settings = load_settings(repo)
        snaps: list[object] = []
        print("pitstop snapshot create")
        p1 = timed("first snapshot (fresh store)",
                   lambda: snaps.append(create_snapshot(settings, force=True)), args.repeat,
                   lambda: shutil.rmtree(store, ignore_errors=True))
        p_first = store_bytes(store)
        p2 = timed("second snapshot (unchanged)",
                   lambda: snaps.append(create_snapshot(settings, force=True)), args.repeat)
        added = (store_bytes(store) - p_first) / args.repeat
        first = snaps[0]
        print(f"  {first.files} files, {first.size / 1e6:.0f} MB content")  # type: ignore[attr-defined]
        print(f"  an unchanged snapshot adds {added / 1e3:.1f} kB to the store "
              f"({added / p_first * 100:.3f} % of the first snapshot's "
              f"{p_first / 1e6:.0f} MB)")
        p_store = du(store)
        print("cp -a of the tracked files (the pkg* directories, without .git)")
        copy = workdir / "copy"
        copy.mkdir()
        sources = [str(p) for p in sorted(repo.glob("pkg*"))]
        cp = timed("cp -a", lambda: subprocess.run(["cp", "-a", *sources, str(copy)],
                                                   check=True))
        shutil.rmtree(copy)
        restic = shutil.which("restic")
        if restic is None:
            print("restic not installed: skipping the restic comparison")
            return 0
        env = dict(os.environ, RESTIC_PASSWORD="bench", RESTIC_REPOSITORY=str(workdir / "restic"))
        subprocess.run([restic, "init", "--repository-version", "2"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        cmd = [restic, "backup", "--quiet", "--exclude", ".git", "--exclude", "pitstop.toml",
               str(repo)]
        print("restic backup")
        r1 = timed("first backup", lambda: subprocess.run(cmd, env=env, check=True))
        r2 = timed("second backup (unchanged)", lambda: subprocess.run(cmd, env=env, check=True))
        r_store = du(workdir / "restic")
        print("\nratios (pitstop / peer; < 1 means pitstop is faster or smaller)")
        print(f"  first snapshot vs restic:   {p1 / r1:.2f}x  (target <= 1)")
        print(f"  first snapshot vs cp -a:    {p1 / cp:.2f}x")
        print(f"  second snapshot: {p2:.2f} s (target < 2 s); restic {r2:.2f} s")
        print(f"  storage apparent: pitstop {p_store[0] / 1e6:.0f} MB, restic "
              f"{r_store[0] / 1e6:.0f} MB -> {p_store[0] / r_store[0]:.2f}x (target <= 1.2)")
        print(f"  storage on disk:  pitstop {p_store[1] / 1e6:.0f} MB, restic "
              f"{r_store[1] / 1e6:.0f} MB -> {p_store[1] / r_store[1]:.2f}x")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            for leftover in (store, workdir / "restic", workdir / "copy"):
                shutil.rmtree(leftover, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
