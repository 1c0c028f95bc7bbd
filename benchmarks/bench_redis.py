"""`pitstop bench redis` next to `redis-benchmark` on the same settings.

Runs both tools alternately (so drift on a shared machine hits both), several rounds
per configuration, and prints the medians and pitstop/redis-benchmark ratios for
throughput and p50/p95/p99 latency.  It also prints where the CPU went in each run: the
client's own CPU time (user + system, from the kernel's accounting of the child process)
and the server's (``used_cpu_user + used_cpu_sys`` from ``INFO cpu``), each as a share of
the run's wall time.  A client near 100 % is the bottleneck and reports less than the
server can do; a server near 100 % is saturated and both tools should agree.

    .venv/bin/python benchmarks/bench_redis.py [--url redis://127.0.0.1:6379/15] [--rounds 3]
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

PITSTOP = str(Path(sys.executable).with_name("pitstop"))
CONFIGS = [  # (requests, clients, pipeline)
    (200_000, 50, 1),
    (1_000_000, 50, 16),
]
FIELDS = ("ops", "p50", "p95", "p99")


Result = dict[str, dict[str, float]]


def server_cpu(url: str) -> float:
    """CPU seconds the Redis server has used so far (``INFO cpu``)."""
    parts = urlsplit(url)
    out = subprocess.run(["redis-cli", "-h", parts.hostname or "127.0.0.1", "-p",
                          str(parts.port or 6379), "info", "cpu"], check=True,
                         capture_output=True, text=True).stdout
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    return float(fields["used_cpu_user"]) + float(fields["used_cpu_sys"])


def measured(url: str, run: Callable[[], Result]) -> tuple[Result, dict[str, float]]:
    """``run()`` with the client's and the server's CPU share of its wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = server_cpu(url)
    started = time.perf_counter()
    result = run()
    wall = time.perf_counter() - started
    server = server_cpu(url) - server_before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result, {"client_cpu": 100 * client / wall, "server_cpu": 100 * server / wall}


def run_pitstop(url: str, n: int, c: int, p: int) -> Result:
    out = subprocess.run([PITSTOP, "bench", "redis", "--url", url, "-n", str(n), "-c", str(c),
                          "-P", str(p), "--json"], check=True, capture_output=True,
                         text=True).stdout
    return {r["op"]: {"ops": r["ops_per_second"], "p50": r["p50_ms"], "p95": r["p95_ms"],
                      "p99": r["p99_ms"]} for r in json.loads(out)["results"]}


def run_peer(url: str, n: int, c: int, p: int) -> Result:
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
    for tool in ("redis-benchmark", "redis-cli"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (Debian package redis-tools)", file=sys.stderr)
            return 2
    print(f"{'config':<22}{'op':<5}{'metric':<8}{'pitstop':>15}{'redis-bench':>15}{'ratio':>8}")
    for n, c, p in CONFIGS:
        ours: list[Result] = []
        theirs: list[Result] = []
        cpu_ours: list[dict[str, float]] = []
        cpu_theirs: list[dict[str, float]] = []
        for _ in range(args.rounds):
            result, cpu = measured(args.url, functools.partial(run_pitstop, args.url, n, c, p))
            ours.append(result)
            cpu_ours.append(cpu)
            result, cpu = measured(args.url, functools.partial(run_peer, args.url, n, c, p))
            theirs.append(result)
            cpu_theirs.append(cpu)
        label = f"n={n} c={c} P={p}"
        for op in ("SET", "GET"):
            for field in FIELDS:
                a = statistics.median(r[op][field] for r in ours)
                b = statistics.median(r[op][field] for r in theirs)
                unit = "ops/s" if field == "ops" else "ms"
                print(f"{label:<22}{op:<5}{field:<8}{a:>15,.3f}{b:>15,.3f}{a / b:>8.2f}"
                      f"  ({unit})")
        for field, name in (("client_cpu", "client CPU"), ("server_cpu", "server CPU")):
            a = statistics.median(r[field] for r in cpu_ours)
            b = statistics.median(r[field] for r in cpu_theirs)
            print(f"{label:<22}{'both':<5}{name:<8}{a:>14.0f}%{b:>14.0f}%"
                  f"          (of wall time, SET and GET together)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
