"""Benchmark: `pitstop release` against its peers on one generated repository.

Builds a repository with many Conventional Commits and release tags (git fast-import),
then times, side by side (median wall-clock of several runs, each a fresh process):

- next version: `pitstop release next`, `cz bump --get-next` (commitizen),
  `git-cliff --bumped-version`, and plain `git describe` as the floor;
- changelog of the unreleased commits: `pitstop release changelog`,
  `git-cliff --unreleased`, `cz changelog --dry-run --incremental`.

Peers are found on PATH or next to this interpreter (or in $BENCH_PEERS_BIN); a
missing peer is reported and skipped.  Usage (peers in a virtualenv of their own):

    python -m venv /tmp/peers && /tmp/peers/bin/pip install commitizen git-cliff
    BENCH_PEERS_BIN=/tmp/peers/bin .venv/bin/python benchmarks/release_bench.py \\
        [--commits 3000] [--tags 60] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TYPES = ["feat", "fix", "perf", "docs", "chore", "refactor", "test"]


def build_repo(root: Path, commits: int, tags: int) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=env)
    every = max(1, commits // (tags + 1))
    stream: list[str] = []
    mark_of_tag: list[tuple[str, int]] = []
    minor = 0
    for i in range(1, commits + 1):
        kind = TYPES[i % len(TYPES)]
        scope = f"(mod{i % 13})" if i % 3 else ""
        message = f"{kind}{scope}: change number {i}\n\nBody of change {i}.\n"
        if i % 997 == 0:
            message += "\nBREAKING CHANGE: something moved\n"
        data = message.encode()
        content = f"line {i}\n".encode()
        stream.append(f"blob\nmark :{2 * i}\ndata {len(content)}\n{content.decode()}\n")
        stream.append(
            f"commit refs/heads/main\nmark :{2 * i + 1}\n"
            f"author Bench <bench@example.com> {1_700_000_000 + i} +0000\n"
            f"committer Bench <bench@example.com> {1_700_000_000 + i} +0000\n"
            f"data {len(data)}\n{message}\n"
            + (f"from :{2 * i - 1}\n" if i > 1 else "")
            + f"M 100644 :{2 * i} file{i % 50}.txt\n\n"
        )
        if i % every == 0 and len(mark_of_tag) < tags and i < commits - 5:
            minor += 1
            mark_of_tag.append((f"v1.{minor}.0", 2 * i + 1))
    for name, mark in mark_of_tag:
        stream.append(f"reset refs/tags/{name}\nfrom :{mark}\n\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input="".join(stream).encode(),
                   check=True, env=env)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True, env=env)
    (root / "pyproject.toml").write_text(
        '[tool.commitizen]\nname = "cz_conventional_commits"\nversion_provider = "scm"\n'
        'tag_format = "v$version"\n\n[tool.pitstop]\n', encoding="utf-8")
    (root / "cliff.toml").write_text(
        '[changelog]\nbody = """{% for c in commits %}- {{ c.message }}\\n{% endfor %}"""\n'
        '[git]\nconventional_commits = true\nfilter_unconventional = false\n'
        'tag_pattern = "v[0-9].*"\n', encoding="utf-8")
    subprocess.run(["git", "add", "."], cwd=root, check=True, env=env)
    subprocess.run(["git", "-c", "user.name=B", "-c", "user.email=b@example.com", "commit",
                    "-q", "-m", "chore: config"], cwd=root, check=True, env=env)


def find(tool: str) -> str | None:
    for directory in (os.environ.get("BENCH_PEERS_BIN"), str(Path(sys.executable).parent)):
        if directory and (Path(directory) / tool).is_file():
            return str(Path(directory) / tool)
    return shutil.which(tool)


def timed(argv: list[str], cwd: Path, runs: int) -> tuple[float, str] | None:
    samples = []
    out = ""
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
        samples.append(time.perf_counter() - start)
        if result.returncode != 0:
            return None
        out = result.stdout.strip().splitlines()[0] if result.stdout.strip() else ""
    return statistics.median(samples), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--tags", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    pitstop = find("pitstop") or "pitstop"
    cz, cliff = find("cz"), find("git-cliff")
    with tempfile.TemporaryDirectory(prefix="pitstop-release-bench-") as tmp:
        repo = Path(tmp) / "repo"
        start = time.perf_counter()
        build_repo(repo, args.commits, args.tags)
        print(f"repository: {args.commits} commits, {args.tags} tags "
              f"(built in {time.perf_counter() - start:.1f}s); median of {args.runs} runs\n")
        groups = {
            "next version": [
                ("pitstop release next", [pitstop, "release", "next"]),
                ("cz bump --get-next", [cz, "bump", "--get-next"] if cz else None),
                ("git-cliff --bumped-version", [cliff, "--bumped-version"] if cliff else None),
                ("git describe (floor)", ["git", "describe", "--tags", "--abbrev=0"]),
            ],
            "unreleased changelog": [
                ("pitstop release changelog", [pitstop, "release", "changelog"]),
                ("git-cliff --unreleased", [cliff, "--unreleased"] if cliff else None),
                ("cz changelog --dry-run", [cz, "changelog", "--dry-run", "--incremental"]
                 if cz else None),
            ],
        }
        for title, entries in groups.items():
            print(f"{title}:")
            base: float | None = None
            for label, argv in entries:
                if argv is None:
                    print(f"  {label:30s} (not installed, skipped)")
                    continue
                measured = timed(argv, repo, args.runs)
                if measured is None:
                    print(f"  {label:30s} failed")
                    continue
                seconds, first = measured
                base = base if base is not None else seconds
                print(f"  {label:30s} {seconds * 1000:8.1f} ms   x{seconds / base:5.2f} "
                      f"of pitstop   -> {first[:40]}")
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
