"""Benchmark ``pitstop scan secrets --staged`` on a repository with a one-file change
(the pre-commit case; target: under 300 ms), next to ``git diff --cached`` itself.

    .venv/bin/python benchmarks/scan_staged.py [--runs 15] [--files 2000]
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

PITSTOP = str(Path(sys.executable).with_name("pitstop"))


def median_time(argv: list[str], cwd: Path, runs: int, env: dict[str, str]) -> float:
    samples = []
    for i in range(runs + 2):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        if i >= 2:
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.com",
               GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.com")
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, env=env, check=True)
        for i in range(args.files):
            (repo / f"m{i:05}.py").write_text(f"def f{i}():\n    return {i}\n" * 20)
        subprocess.run(["git", "add", "."], cwd=repo, env=env, check=True)
        subprocess.run(["git", "commit", "-qm", "init"], cwd=repo, env=env, check=True)
        (repo / "m00001.py").write_text("API_TOKEN = get_token()\n")
        subprocess.run(["git", "add", "m00001.py"], cwd=repo, env=env, check=True)
        git = median_time(["git", "diff", "--cached", "--name-only"], repo, args.runs, env)
        python = median_time([sys.executable, "-c", "pass"], repo, args.runs, env)
        staged = median_time([PITSTOP, "scan", "secrets", "--staged"], repo, args.runs, env)
    print(f"repository: {args.files} tracked files, 1 staged change")
    print(f"git diff --cached --name-only   {git * 1000:7.1f} ms")
    print(f"python -c pass                  {python * 1000:7.1f} ms")
    print(f"pitstop scan secrets --staged   {staged * 1000:7.1f} ms  "
          f"({staged / git:.1f}x git, {staged / python:.1f}x bare python)")
    print(f"target < 300 ms: {'ok' if staged < 0.3 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
