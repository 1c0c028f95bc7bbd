"""pitstop start-up time, side by side with make and a bare Python interpreter.

Target: `pitstop --version` and `pitstop --help` under 150 ms median on the dev machine.
"""

from __future__ import annotations

import shutil
import sys

from _util import PITSTOP, compile_pitstop, row, time_command


def main() -> int:
    compile_pitstop()
    python = time_command([sys.executable, "-c", "pass"])
    results = {
        "python -c pass": python,
        "pitstop --version": time_command([PITSTOP, "--version"]),
        "pitstop --help": time_command([PITSTOP, "--help"]),
    }
    if shutil.which("make"):
        results["make --version"] = time_command(["make", "--version"])
    if shutil.which("invoke"):
        results["invoke --help"] = time_command(["invoke", "--help"])
    print("start-up, median of 15 runs (ratio to a bare `python -c pass`):")
    for name, seconds in results.items():
        print(row(name, seconds, python))
    worst = max(results["pitstop --version"], results["pitstop --help"])
    print(f"target < 150 ms: {'met' if worst < 0.150 else 'MISSED'} ({worst * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
