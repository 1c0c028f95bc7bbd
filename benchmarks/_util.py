"""Small helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PITSTOP = str(BIN / "pitstop")


def compile_pitstop() -> None:
    """Write pitstop's bytecode before timing it.

    An installed pitstop has its ``.pyc`` files (pip compiles on install), but this
    editable checkout has them only once Python wrote them, which it never does under
    ``PYTHONDONTWRITEBYTECODE=1``; every timed start would then include compiling
    pitstop's sources, which no user pays."""
    import compileall

    compileall.compile_dir(str(ROOT / "src" / "pitstop"), quiet=1)


def time_command(argv: Sequence[str], *, runs: int = 15, cwd: Path | None = None,
                 warmup: int = 2) -> float:
    """Median wall time of ``argv`` in seconds."""
    samples = []
    for i in range(runs + warmup):
        start = time.perf_counter()
        subprocess.run(list(argv), cwd=cwd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        if i >= warmup:
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def row(name: str, seconds: float, reference: float | None = None) -> str:
    ratio = f"{seconds / reference:6.2f}x" if reference else ""
    return f"  {name:<42} {seconds * 1000:9.1f} ms  {ratio}"
