"""No ``.pitstop/`` left behind by a command that failed before it did anything.

Outside a project (no ``pitstop.toml`` / ``[tool.pitstop]`` found) the state folder is
created where the command runs.  When a command fails there and ``.pitstop/`` did not
exist before it, what it holds is only the bookkeeping of that failure, and it is
removed — but only when it holds nothing else:

* always: empty folders, and the marker of a failed backup with no backup beside it;
* when the command could not start its work (exit 2 dependency, 3 configuration or
  usage, 4 connection, 5 permission): also the run history it opened for it (the
  default ``state.db``, its ``-wal``/``-shm`` files and lock file, the ``logs/`` of
  the run).

Anything else inside (a database a task created, a backup, a file of the user's) keeps
the whole folder as it is.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pitstop.errors import (
    EXIT_CONFIG,
    EXIT_CONNECTION,
    EXIT_DEPENDENCY,
    EXIT_DRY_RUN,
    EXIT_OK,
    EXIT_PERMISSION,
)

_COULD_NOT_START = (EXIT_DEPENDENCY, EXIT_CONFIG, EXIT_CONNECTION, EXIT_PERMISSION)
_FAILURE_MARKERS = {("backups", ".last-failure.json")}
_RUN_HISTORY = {"state.db", "state.db-wal", "state.db-shm", "state.db-journal",
                "state.db.pitstop-lock"}


def _is_bookkeeping(relative: tuple[str, ...], could_not_start: bool) -> bool:
    if relative in _FAILURE_MARKERS:
        return True
    if not could_not_start:
        return False
    return (len(relative) == 1 and relative[0] in _RUN_HISTORY) or relative[0] == "logs"


def discard_unused_state(state_dir: Path, exit_code: int) -> bool:
    """Remove ``state_dir`` (created by this command, which exited ``exit_code``)
    when it holds only the bookkeeping of the failure; return whether it was removed.
    Never raises: a folder that cannot be inspected or removed is left alone."""
    if exit_code in (EXIT_OK, EXIT_DRY_RUN) or not state_dir.is_dir() or state_dir.is_symlink():
        return False
    could_not_start = exit_code in _COULD_NOT_START
    try:
        for root, dirs, files in os.walk(state_dir, onerror=_raise):
            base = Path(root).relative_to(state_dir).parts
            if any(os.path.islink(os.path.join(root, d)) for d in dirs):
                return False
            for name in files:
                if not _is_bookkeeping((*base, name), could_not_start):
                    return False
        shutil.rmtree(state_dir)
    except OSError:
        return False
    return True


def _raise(exc: OSError) -> None:
    raise exc
