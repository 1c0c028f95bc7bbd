"""The one way tests build a project's :class:`~pitstop.config.Settings`.

Settings are loaded as every front loads them (:func:`pitstop.registry.load_settings`:
``pitstop.toml`` found in the project, every capability's section checked), never
assembled by hand, so a test sees what a user's configuration gives::

    settings = build_settings(project, toml="[migrate]\\nbackup_before = true\\n",
                              database_url=sqlite_url)

The capability test packages wrap it in their own fixtures (``make_settings``) with
the defaults they need.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pitstop.config import Settings
from pitstop.registry import load_settings


def build_settings(project: Path, *, toml: str | None = None, database_url: str | None = None,
                   discover: bool = True, env: Mapping[str, str] | None = None,
                   **overrides: Any) -> Settings:
    """Settings of ``project``.

    ``toml``: written as the project's ``pitstop.toml`` first (``None``: leave the
    file as it is).  ``database_url`` and ``overrides`` apply as command-line flags do
    (``None`` values are ignored).  ``discover``: read the project's ``pitstop.toml``
    (``False``: defaults and overrides only).  ``env``: the environment pitstop sees
    (default: none, whatever the test process has).
    """
    if toml is not None:
        project.mkdir(parents=True, exist_ok=True)
        (project / "pitstop.toml").write_text(toml, encoding="utf-8")
    return load_settings(project, discover=discover, env=env or {},
                         overrides={"database_url": database_url, **overrides})
