"""What pitstop's nginx gateway adds to a trivial endpoint, and how fast `backend start`
is ready.

    .venv/bin/python benchmarks/backend_gateway.py [--requests 3000] [--processes 3]

In a temporary project (a raw ASGI app answering ``/`` and ``/health``, run by this
interpreter's uvicorn), it times:

* ``pitstop backend start`` of ``--processes`` processes until it returns (all healthy,
  gateway up), next to the app's own import time (``python -c 'import app'``);
* the median and 99th-percentile latency of ``--requests`` sequential keep-alive GETs
  straight to one process, and through the gateway, side by side (issue 17's goal: the
  gateway adds at most 1 ms to the median).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import PITSTOP, compile_pitstop

APP = '''
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})
'''


def _free(count: int) -> int:
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = sock.getsockname()[1]
        if base + count > 65000:
            continue
        try:
            for port in range(base, base + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free ports")


def _latencies(url: str, count: int) -> list[float]:
    import httpx

    samples = []
    with httpx.Client(trust_env=False) as client:
        for _ in range(200):
            client.get(url)
        for _ in range(count):
            start = time.perf_counter()
            client.get(url)
            samples.append(time.perf_counter() - start)
    return samples


def _line(name: str, samples: list[float]) -> str:
    median = statistics.median(samples) * 1000
    p99 = statistics.quantiles(samples, n=100)[98] * 1000
    return f"  {name:<34} median {median:7.3f} ms   p99 {p99:7.3f} ms"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--processes", type=int, default=3)
    args = parser.parse_args()
    compile_pitstop()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "bench_app.py").write_text(APP)
        base, gateway = _free(args.processes), _free(1)
        (root / "pitstop.toml").write_text(
            f'[project]\npython = "{sys.executable}"\n[backend]\ngateway_port = {gateway}\n'
            f'[backend.apps.bench]\napp = "bench_app:app"\nprocesses = {args.processes}\n'
            f'base_port = {base}\nhealth = "/"\nargs = ["--log-level", "warning"]\n')
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        started = time.perf_counter()
        done = subprocess.run([PITSTOP, "backend", "start"], cwd=root, env=env,
                              capture_output=True, text=True, check=False)
        ready = time.perf_counter() - started
        if done.returncode != 0:
            print(done.stderr)
            return 1
        try:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import uvicorn, bench_app"], cwd=root,
                           check=True)
            imports = time.perf_counter() - started
            print(f"  backend start, {args.processes} processes, ready: {ready:6.2f} s "
                  f"(the app's and uvicorn's import: {imports:5.2f} s)")
            direct = _latencies(f"http://127.0.0.1:{base}/", args.requests)
            through = _latencies(f"http://127.0.0.1:{gateway}/", args.requests)
            print(_line("straight to one process", direct))
            print(_line("through the nginx gateway", through))
            added = (statistics.median(through) - statistics.median(direct)) * 1000
            print(f"  the gateway adds {added:.3f} ms to the median (goal: at most 1 ms)")
        finally:
            subprocess.run([PITSTOP, "backend", "stop"], cwd=root, env=env,
                           capture_output=True, check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
