"""One way to each shared thing: children are started and stopped by pitstop.proc only
(and git through pitstop.git, which uses it), and the library never reads os.environ —
checked on the source, so a new copy fails here instead of drifting."""

from __future__ import annotations

import ast
from pathlib import Path

import pitstop

SRC = Path(pitstop.__file__).parent

SPAWNING = {("subprocess", "Popen"), ("subprocess", "run"), ("subprocess", "call"),
            ("subprocess", "check_call"), ("subprocess", "check_output"), ("os", "killpg"),
            ("os", "system"), ("os", "popen")}
# Known leftovers, each to move onto pitstop.proc (drop a name once it has moved).
SPAWNING_LEFT = {
    "backup/dumpers/process.py",  # dump/restore pipelines with a timer-based killer
    "state/runs.py",              # `history sweep --kill` of a dead run's process group
}

# Reading the environment belongs to the fronts and to config.
ENVIRON_ALLOWED_DIRS = ("cli/",)
ENVIRON_ALLOWED = {"config.py", "output.py"}
ENVIRON_LEFT = {"checks/tasks.py"}  # falls back to os.environ; to take settings.environ


def _modules() -> list[tuple[str, ast.Module]]:
    return [(path.relative_to(SRC).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
            for path in sorted(SRC.rglob("*.py")) if "helpers" not in path.parts]


def _attributes(tree: ast.Module, *, called: bool = False) -> set[tuple[str, str]]:
    """``(module, name)`` of each ``module.name`` in ``tree`` (only those called, with
    ``called``: a ``subprocess.Popen[bytes]`` annotation starts nothing)."""
    nodes = ([n.func for n in ast.walk(tree) if isinstance(n, ast.Call)] if called
             else list(ast.walk(tree)))
    return {(node.value.id, node.attr) for node in nodes
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)}


def test_only_proc_starts_and_kills_children() -> None:
    spawning = {name for name, tree in _modules()
                if _attributes(tree, called=True) & SPAWNING and name != "proc.py"}
    assert spawning - SPAWNING_LEFT == set(), "start children through pitstop.proc"


def test_the_library_never_reads_os_environ() -> None:
    reading = {name for name, tree in _modules()
               if _attributes(tree) & {("os", "environ"), ("os", "getenv")}
               and name not in ENVIRON_ALLOWED and not name.startswith(ENVIRON_ALLOWED_DIRS)}
    assert reading - ENVIRON_LEFT == set(), "take the environment from settings.environ"
