"""`pitstop bench redis` next to `redis-benchmark` on the same settings.

Runs both tools alternately (so drift on a shared machine hits both), several rounds
per configuration, and prints the medians and pitstop/redis-benchmark ratios for
throughput and p50/p95/p99 latency.

    .venv/bin/python benchmarks/bench_redis.py [--url redis://127.0.0.1:6379/15] [--rounds 3]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

PITSTOP = str(Path(sys.executable).with_name("pitstop"))
CONFIGS = [  # (requests, clients, pipeline)
    (200_000, 50, 1),
    (1_000_000, 50, 16),
]
FIELDS = ("ops", "p50", "p95", "p99")


def run_pitstop(url: str, n: int, c: int, p: int) -> dict[str, dict[str, float]]:
    out = subprocess.run([PITSTOP, "bench", "redis", "--url", url, "-n", str(n), "-c", str(c),
                          "-P", str(p), "--json"], check=True, capture_output=True,
                         text=True).stdout
    return {r["op"]: {"ops": r["ops_per_second"], "p50": r["p50_ms"], "p95": r["p95_ms"],
                      "p99": r["p99_ms"]} for r in json.loads(out)["results"]}


def run_peer(url: str, n: int, c: int, p: int) -> dict[str, dict[str, float]]:
    parts = urlsplit(url)
    args = ["redis-benchmark", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 6379),
            "--dbnum", parts.path.strip("/") or "0", "-t", "set,get", "-n", str(n), "-c", str(c),
            "-P", str(p), "-d", "3", "--csv"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    rows = csv.DictReader(io.StringIO(out))
    return {r["test"]: {"ops": float(r["rps"]), "p50": float(r["p50_latency_ms"]),
                        "p95": float(r["p95_latency_ms"]), "p99": float(r["p99_latency_ms"])}
            for r in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("redis-benchmark") is None:
        print("redis-benchmark is not installed", file=sys.stderr)
        return 2
    print(f"{'config':<24}{'op':<5}{'metric':<8}{'pitstop':>12}{'redis-bench':>13}{'ratio':>8}")
    for n, c, p in CONFIGS:
        ours: list[dict[str, dict[str, float]]] = []
        theirs: list[dict[str, dict[str, float]]] = []
        for _ in range(args.rounds):
            ours.append(run_pitstop(args.url, n, c, p))
            theirs.append(run_peer(args.url, n, c, p))
        label = f"n={n} c={c} P={p}"
        for op in ("SET", "GET"):
            for field in FIELDS:
                a = statistics.median(r[op][field] for r in ours)
                b = statistics.median(r[op][field] for r in theirs)
                unit = "ops/s" if field == "ops" else "ms"
                print(f"{label:<24}{op:<5}{field:<8}{a:>12,.3f}{b:>13,.3f}{a / b:>8.2f}"
                      f"  ({unit})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
