"""Fixtures for the secret scanner tests.

Secrets are made at run time (:func:`fake`) so these files never contain one and the
repository's own scan stays clean.
"""

from __future__ import annotations

import os
import random
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from pitstop.config import Settings
from pitstop.registry import load_settings
from pitstop.scan import ScanReport, secrets

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def fake(prefix: str, length: int, alphabet: str = ALNUM, seed: int = 7) -> str:
    """``prefix`` and ``length`` random characters (deterministic per seed)."""
    rnd = random.Random(f"{prefix}{length}{seed}")
    return prefix + "".join(rnd.choice(alphabet) for _ in range(length))


def github_token(seed: int = 7) -> str:
    return fake("gh" + "p_", 36, seed=seed)


def aws_key(seed: int = 7) -> str:
    return fake("AK" + "IA", 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", seed=seed)


def stripe_key(seed: int = 7) -> str:
    return fake("sk" + "_live_", 32, seed=seed)


SOURCES: dict[str, dict[str, Any]] = {
    "tree": {}, "staged": {"staged": True}, "history": {"history": "HEAD"}}
"""The ``secrets`` verb's options for each kind of scan."""


def settings_at(root: Path, *, env: Mapping[str, str] | None = None) -> Settings:
    """The settings of a project at ``root`` without a ``pitstop.toml``; git sees this
    test's environment unless ``env`` is given."""
    return load_settings(root, discover=False, env=dict(os.environ) if env is None else env)


def secrets_in(root: Path, *, env: Mapping[str, str] | None = None,
               **options: Any) -> ScanReport:
    """The ``scan secrets`` verb on the project at ``root`` with ``options``."""
    return secrets(settings_at(root, env=env), **options)


def scan(root: Path, *paths: Path, **options: Any) -> ScanReport:
    """Scan ``paths`` (or ``root``) in-process with the built-in rules, in one process."""
    return secrets_in(root, **{"paths": paths, "jobs": 1, **options})


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    return root
