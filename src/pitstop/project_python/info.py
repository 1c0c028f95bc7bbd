"""What the project's interpreter is: version, virtualenv, packages, missing modules."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pitstop.project_python.locate import Interpreter
from pitstop.project_python.run import run_helper


@dataclasses.dataclass(frozen=True)
class InterpreterInfo:
    """The project's interpreter as it describes itself."""

    interpreter: Interpreter
    version: str
    implementation: str
    prefix: str
    virtualenv: bool
    """It runs in a virtualenv (``sys.prefix != sys.base_prefix``)."""
    conda: bool
    """It is a conda environment's interpreter."""
    packages: tuple[tuple[str, str], ...] = ()
    """Installed distributions ``(name, version)``, when asked for."""
    missing: tuple[str, ...] = ()
    """The modules asked about that it cannot find."""

    @property
    def isolated(self) -> bool:
        """A virtualenv or a conda environment, not a bare system Python."""
        return self.virtualenv or self.conda

    def to_dict(self) -> dict[str, Any]:
        return {"interpreter": self.interpreter.to_dict(), "version": self.version,
                "implementation": self.implementation, "prefix": self.prefix,
                "virtualenv": self.virtualenv, "conda": self.conda,
                "packages": [list(p) for p in self.packages], "missing": list(self.missing)}


def inspect_interpreter(interpreter: Interpreter, *, cwd: Path, packages: bool = False,
                        modules: Sequence[str] = (), timeout: float | None = 60.0
                        ) -> InterpreterInfo:
    """Ask ``interpreter`` about itself (one short subprocess)."""
    data = run_helper(interpreter, "interpreter_info",
                      {"packages": packages, "modules": list(modules)}, cwd=cwd,
                      timeout=timeout, what="inspecting the project's interpreter")
    return InterpreterInfo(
        interpreter=interpreter, version=str(data["version"]),
        implementation=str(data.get("implementation") or ""), prefix=str(data["prefix"]),
        virtualenv=bool(data["virtualenv"]), conda=bool(data.get("conda")),
        packages=tuple((str(n), str(v)) for n, v in data.get("packages") or ()),
        missing=tuple(str(m) for m in data.get("missing") or ()))
