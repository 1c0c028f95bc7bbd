"""Fixtures for the secret scanner tests.

Secrets are made at run time (:func:`fake`) so these files never contain one and the
repository's own scan stays clean.
"""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from pitstop.scan import ScanOptions, ScanReport, scan_secrets

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


def scan(root: Path, *paths: Path, **options: object) -> ScanReport:
    """Scan ``paths`` (or ``root``) in-process with the built-in rules."""
    return scan_secrets(ScanOptions(root=root, paths=tuple(paths), jobs=1), **options)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    return root
