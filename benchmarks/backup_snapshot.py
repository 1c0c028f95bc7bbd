"""Benchmark: snapshot of a tree of ~50,000 files / ~800 MB, pitstop vs restic vs cp.

    .venv/bin/python benchmarks/backup_snapshot.py [--files 50000] [--mb 800] [--workdir DIR]

Builds a git repository of generated source-like files (each file unique, compressible
about 2-3x), then times: pitstop's first and second (unchanged) snapshot, restic's
first and second backup of the same files (restic skipped when not installed), and
`cp -a` of the tree; and compares the storage used (apparent bytes and disk blocks).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pitstop.backup import create_snapshot
from pitstop.config import load_settings

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


def timed(label: str, func: object) -> float:
    start = time.perf_counter()
    func()  # type: ignore[operator]
    took = time.perf_counter() - start
    print(f"  {label:<40} {took:7.2f} s")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=50000)
    parser.add_argument("--mb", type=int, default=800)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pitstop-snapbench-"))
    repo = workdir / "repo"
    store = workdir / "pitstop-store"
    try:
        print(f"building {args.files} files / {args.mb} MB …")
        repo.mkdir(parents=True)
        build_tree(repo, args.files, args.mb)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", "tree")
        apparent, _ = du(repo)
        print(f"  tree: {apparent / 1e6:.0f} MB including .git")
        (repo / "pitstop.toml").write_text(f'[snapshot]\ndir = "{store}"\n')
        settings = load_settings(repo)
        snaps: list[object] = []
        print("pitstop snapshot create")
        p1 = timed("first snapshot", lambda: snaps.append(create_snapshot(settings, force=True)))
        p2 = timed("second snapshot (unchanged)",
                   lambda: snaps.append(create_snapshot(settings, force=True)))
        first = snaps[0]
        print(f"  {first.files} files, {first.size / 1e6:.0f} MB content")  # type: ignore[attr-defined]
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
