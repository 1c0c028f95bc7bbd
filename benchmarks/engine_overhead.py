"""Engine overhead: 50 trivial tasks through `pitstop run` vs the same commands run
directly one after another; and two parallel `sleep 1` tasks.

Targets: < 15 ms per task over running the commands directly; the parallel pair < 1.3 s.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path

from _util import PITSTOP

TASKS = 50


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        lines = [f'[tasks.t{i}]\nrun = "true"\n' for i in range(TASKS)]
        steps = ", ".join(f'"t{i}"' for i in range(TASKS))
        lines.append('[tasks.s1]\nrun = "sleep 1"\n[tasks.s2]\nrun = "sleep 1"\n')
        lines.append(f"[workflows]\nfifty = [{steps}]\npair = [[\"s1\", \"s2\"]]\n")
        (project / "pitstop.toml").write_text("\n".join(lines))

        start = time.perf_counter()
        for _ in range(TASKS):
            subprocess.run("true", shell=True, check=True)
        direct = time.perf_counter() - start

        start = time.perf_counter()
        for _ in range(TASKS):
            subprocess.run(["sh", "-c", "true"], check=True)
        direct_sh = time.perf_counter() - start

        subprocess.run([PITSTOP, "--version"], check=True, stdout=subprocess.DEVNULL)
        start = time.perf_counter()
        subprocess.run([PITSTOP, "run", "fifty", "--json"], cwd=project, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        engine = time.perf_counter() - start

        start = time.perf_counter()
        out = subprocess.run([PITSTOP, "run", "pair", "--json"], cwd=project, check=True,
                             capture_output=True, text=True).stdout
        pair_wall = time.perf_counter() - start
        pair = json.loads(out)["duration_seconds"]

    per_task = (engine - direct) / TASKS
    print(f"{TASKS} x `true`, sequential workflow:")
    print(f"  direct (subprocess, shell)        {direct * 1000:8.1f} ms")
    print(f"  direct (sh -c)                    {direct_sh * 1000:8.1f} ms")
    print(f"  pitstop run (incl. start-up, state, logs) {engine * 1000:8.1f} ms  "
          f"({engine / direct:.1f}x)")
    print(f"  overhead per task                 {per_task * 1000:8.1f} ms "
          f"(target < 15 ms: {'met' if per_task < 0.015 else 'MISSED'})")
    print(f"two parallel `sleep 1`: run took {pair:.2f} s (target < 1.3 s: "
          f"{'met' if pair < 1.3 else 'MISSED'}); {pair_wall:.2f} s including interpreter "
          "start-up and imports")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
