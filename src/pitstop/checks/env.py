"""The ``env`` check: the project's interpreter (Python version range, virtualenv,
packages), required environment variables, executables on ``PATH`` and free disk space
(``[checks.env]``).

The interpreter inspected is the project's (:mod:`pitstop.project_python`: ``[project]
python``, ``$VIRTUAL_ENV``, ``.venv``/``venv``, else pitstop's own) — the one
``pitstop test`` runs the tests with — not the one pitstop itself runs in.  Values of
environment variables are never reported, only which ones are missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pitstop.checks.base import (
    Check,
    CheckEnv,
    FunctionCheck,
    Observed,
    Probe,
    Status,
    register,
    timeout_for,
)
from pitstop.checks.report import format_bytes
from pitstop.checks.settings import EnvCheckSettings
from pitstop.errors import EXIT_CONFIG, EXIT_DEPENDENCY, EXIT_ERROR

if TYPE_CHECKING:
    from pitstop.config import Settings
    from pitstop.project_python import InterpreterInfo

STARTUP_ALLOWANCE = 10.0
"""Seconds allowed on top of the check's timeout for asking the project's interpreter."""


def inspect_project_python(settings: Settings, environ: Mapping[str, str],
                           timeout: float | None = 30.0) -> InterpreterInfo:
    """The project's interpreter as it describes itself (an ``InterpreterInfo``)."""
    from pitstop.project_python import inspect_interpreter, interpreter_for

    venv = environ.get("VIRTUAL_ENV")
    python = interpreter_for(settings, virtual_env=Path(venv) if venv else None)
    return inspect_interpreter(python, cwd=settings.project_dir, packages=True, timeout=timeout)


def probe_env(cfg: EnvCheckSettings, environ: Mapping[str, str], project_dir: str,
              python: InterpreterInfo) -> Probe:
    """Measure the environment against ``cfg``; every problem is listed, not just the
    first.  ``python`` is the project's interpreter (an ``InterpreterInfo``)."""
    observed: dict[str, Observed] = {}
    problems: list[str] = []
    hints: list[str] = []
    exit_code = EXIT_ERROR
    only_executables = bad_config = False

    version = python.version
    found = python.interpreter
    observed["interpreter"] = Observed(str(found.path))
    observed["interpreter_source"] = Observed(found.reason)
    observed["packages"] = Observed(len(python.packages), "packages")
    ok = True
    if cfg.python:
        from packaging.specifiers import SpecifierSet

        ok = SpecifierSet(cfg.python).contains(version, prereleases=True)
        if not ok:
            problems.append(f"the project's Python {version} ({found.path}) is outside "
                            f"{cfg.python}")
            hints.append(f"use a Python matching {cfg.python} for the project's virtualenv")
    observed["python"] = Observed(version, None, None if ok else "fail")

    # pitstop's own interpreter is used when no project environment was found: its
    # virtualenv (pipx's) is pitstop's, not the project's
    own = found.is_pitstops_own
    active = python.isolated and not own
    venv_status: Status | None = "fail" if cfg.require_virtualenv and not active else None
    observed["virtualenv"] = Observed(active, None, venv_status)
    if venv_status:
        problems.append(f"no project virtualenv found ({found.reason})" if own else
                        f"the project's interpreter {found.path} is not in a virtualenv")
        hints.append("create one in the project (python -m venv .venv, or uv venv), activate "
                     "it, or set [project] python to the project's virtualenv")

    if cfg.required_env:
        missing = [name for name in cfg.required_env if not environ.get(name)]
        observed["required_env_missing"] = Observed(len(missing), "variables",
                                                    "fail" if missing else None)
        if missing:
            problems.append(f"environment variables not set: {', '.join(missing)}")
            hints.append(f"export {missing[0]}=… (or put it in the service's environment)")

    if cfg.executables:
        path = environ.get("PATH", "")
        if found.venv_dir is not None and not found.is_pitstops_own:  # the project's tools
            path = os.pathsep.join([str(found.path.parent), path])
        absent = [exe for exe in cfg.executables if shutil.which(exe, path=path) is None]
        observed["executables_missing"] = Observed(len(absent), "executables",
                                                   "fail" if absent else None)
        if absent:
            problems.append(f"not on PATH: {', '.join(absent)}")
            hints.append(f"install {absent[0]} or add its directory to PATH")
            only_executables = len(problems) == 1

    if cfg.min_free_disk is not None:
        where = str(cfg.disk_path or project_dir)
        try:
            free = shutil.disk_usage(where).free
        except OSError as exc:
            problems.append(f"cannot measure free space of {where}: {exc.strerror or exc}")
            hints.append("set [checks.env] disk_path to an existing directory")
            bad_config = True
        else:
            low = free < cfg.min_free_disk
            observed["disk_free"] = Observed(free, "bytes", "fail" if low else None)
            if low:
                problems.append(f"only {format_bytes(free)} free on {where} "
                                f"(minimum {format_bytes(cfg.min_free_disk)})")
                hints.append("free some disk space (old backups, logs, docker images)")

    if problems:
        if bad_config:
            exit_code = EXIT_CONFIG
        elif only_executables and len(problems) == 1:  # missing executables alone: exit 2
            exit_code = EXIT_DEPENDENCY
        return Probe("; ".join(problems), observed, "fail", "; ".join(hints), exit_code)
    kind = "virtualenv" if python.virtualenv else "conda environment" if python.conda \
        else "no virtualenv"
    parts = [f"Python {version} at {found.path}: {found.reason}" if own else
             f"Python {version} ({kind}, {len(python.packages)} packages) at {found.label}"]
    if cfg.executables:
        parts.append(f"{len(cfg.executables)} executables found")
    return Probe(", ".join(parts), observed, "pass")


def _explicit(env: CheckEnv) -> list[Check]:
    cfg = env.checks.env
    project_dir = str(env.settings.project_dir)

    def run(limit: float) -> Probe:
        python = inspect_project_python(env.settings, env.environ, timeout=limit)
        return probe_env(cfg, env.environ, project_dir, python)

    return [FunctionCheck("env", "env", timeout_for(cfg.timeout, env.checks) + STARTUP_ALLOWANCE,
                          run)]


def _factory(env: CheckEnv) -> list[Check]:
    return _explicit(env) if env.checks.env.enabled else []


register("env", _factory, explicit=_explicit)
