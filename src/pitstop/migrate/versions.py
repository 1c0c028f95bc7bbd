"""Version strings: normalising and ordering.

Versions compare numerically where they are numeric (``2 < 10``, ``1.9 < 1.10``,
``20240101 < 20240102``) and as text elsewhere (the plain layout's file names sort
naturally: ``2_b.sql`` before ``10_a.sql``).
"""

from __future__ import annotations

import re

_RUNS = re.compile(r"(\d+)")
_DOTTED = re.compile(r"\d+(?:[._]\d+)*")
_SEPARATOR = re.compile(r"[._]")

VersionKey = tuple[tuple[int, int | str], ...]


def version_key(version: str) -> VersionKey:
    """A sort key: digit runs compare as numbers, everything else as lower-case text."""
    parts: list[tuple[int, int | str]] = []
    for i, run in enumerate(_RUNS.split(version)):
        if not run:
            continue
        if i % 2:
            parts.append((0, int(run)))
        else:
            parts.append((1, run.lower()))
    return tuple(parts)


def normalize_version(version: str) -> str:
    """Drop leading zeros of numeric runs and use ``.`` between them.

    ``"0001"`` → ``"1"``; Flyway's ``"1_2"`` → ``"1.2"``; ``"2024-01-01-120000"``
    stays (diesel writes dates with dashes).
    """
    version = version.strip()
    if version.isdigit():
        return str(int(version))
    if _DOTTED.fullmatch(version):
        return ".".join(str(int(part)) for part in _SEPARATOR.split(version))
    return version


def is_numeric(version: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:\.\d+)*", version))
