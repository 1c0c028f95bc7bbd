"""The ``env`` check: Python version range, required environment variables, an active
virtualenv, executables on ``PATH`` and free disk space (``[checks.env]``).

Values of environment variables are never reported, only which ones are missing.
"""

from __future__ import annotations

import platform
import shutil
import sys
from collections.abc import Mapping

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


def _in_virtualenv(environ: Mapping[str, str]) -> bool:
    return (sys.prefix != sys.base_prefix or bool(environ.get("VIRTUAL_ENV"))
            or bool(environ.get("CONDA_PREFIX")))


def probe_env(cfg: EnvCheckSettings, environ: Mapping[str, str], project_dir: str) -> Probe:
    """Measure the environment against ``cfg``; every problem is listed, not just the
    first."""
    observed: dict[str, Observed] = {}
    problems: list[str] = []
    hints: list[str] = []
    exit_code = EXIT_ERROR
    only_executables = bad_config = False

    version = platform.python_version()
    ok = True
    if cfg.python:
        from packaging.specifiers import SpecifierSet

        ok = SpecifierSet(cfg.python).contains(version, prereleases=True)
        if not ok:
            problems.append(f"Python {version} is outside {cfg.python}")
            hints.append(f"use a Python matching {cfg.python}")
    observed["python"] = Observed(version, None, None if ok else "fail")

    active = _in_virtualenv(environ)
    venv_status: Status | None = "fail" if cfg.require_virtualenv and not active else None
    observed["virtualenv"] = Observed(active, None, venv_status)
    if venv_status:
        problems.append("no virtualenv is active")
        hints.append("activate one (source .venv/bin/activate) or run through `uv run`")

    if cfg.required_env:
        missing = [name for name in cfg.required_env if not environ.get(name)]
        observed["required_env_missing"] = Observed(len(missing), "variables",
                                                    "fail" if missing else None)
        if missing:
            problems.append(f"environment variables not set: {', '.join(missing)}")
            hints.append(f"export {missing[0]}=… (or put it in the service's environment)")

    if cfg.executables:
        path = environ.get("PATH", "")
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
    parts = [f"Python {version}"]
    if active:
        parts.append("virtualenv active")
    if cfg.executables:
        parts.append(f"{len(cfg.executables)} executables found")
    return Probe(", ".join(parts), observed, "pass")


def _explicit(env: CheckEnv) -> list[Check]:
    cfg = env.checks.env
    project_dir = str(env.settings.project_dir)
    return [FunctionCheck("env", "env", timeout_for(cfg.timeout, env.checks),
                          lambda _t: probe_env(cfg, env.environ, project_dir))]


def _factory(env: CheckEnv) -> list[Check]:
    return _explicit(env) if env.checks.env.enabled else []


register("env", _factory, explicit=_explicit)
