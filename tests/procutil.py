"""Asking whether a process is still alive, for tests that stop process groups
(importable from any test folder as ``from procutil import alive, gone``)."""

from __future__ import annotations

import threading
from pathlib import Path


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def gone(pid: int, seconds: float = 5.0) -> bool:
    """Whether ``pid`` is dead within ``seconds`` (a killed process needs a moment to be
    torn down)."""
    pause = threading.Event()
    for _ in range(max(1, int(seconds / 0.05))):
        if not alive(pid):
            return True
        pause.wait(0.05)
    return not alive(pid)
