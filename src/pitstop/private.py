"""Directories only their owner can read: pitstop's state, logs and backups.

The state folder holds the run history and task logs, and by default the database
backups; other users of the machine have no business reading them (``pitstop audit``
flags such a folder).  :func:`make_private_dir` creates what is missing of a path with
mode 0700 — ancestors included, since ``.pitstop/`` itself is usually the first thing
created — and leaves existing directories as their owner set them.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_MODE = 0o700


def make_private_dir(path: Path) -> None:
    """Create ``path`` and its missing ancestors with mode 0700 (no error when it
    exists).  Raises :class:`OSError` as :meth:`Path.mkdir` does."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_MODE)
        except FileExistsError:
            continue  # made by another process meanwhile
        os.chmod(directory, PRIVATE_MODE)  # mkdir's mode is masked by the umask
