"""Helper: what the project's interpreter is (version, virtualenv, packages) and which
of the modules asked for it cannot find.  Runs in the project's interpreter."""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
from typing import Any


def _name_and_version(dist: Any) -> tuple[str | None, str]:
    """``Name`` and ``Version`` from the metadata's header lines, without the email
    parser (a few hundred distributions would take a second through it)."""
    name = version = None
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    for line in text.splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        if key == "Name" and name is None:
            name = value.strip()
        elif key == "Version" and version is None:
            version = value.strip()
    return name, version or ""


def _packages() -> list[list[str]]:
    from importlib import metadata

    seen: dict[str, list[str]] = {}
    for dist in metadata.distributions():  # first of each name, as imports see them
        name, version = _name_and_version(dist)
        if name:
            key = name.lower().replace("_", "-").replace(".", "-")
            seen.setdefault(key, [name, version])
    return sorted(seen.values(), key=lambda item: item[0].lower())


def _missing(modules: list[str]) -> list[str]:
    absent = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            absent.append(name)
    return absent


def main(request: dict[str, Any]) -> dict[str, Any]:
    base = getattr(sys, "base_prefix", sys.prefix)
    answer: dict[str, Any] = {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "prefix": sys.prefix,
        "base_prefix": base,
        "virtualenv": sys.prefix != base,
        "conda": os.path.isdir(os.path.join(sys.prefix, "conda-meta")),
        "missing": _missing(list(request.get("modules") or [])),
    }
    if request.get("packages"):
        answer["packages"] = _packages()
    return answer
