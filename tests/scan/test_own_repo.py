"""pitstop scans its own repository clean: fixtures and examples that look like
secrets carry the inline marker, so the scanner is usable as the project's own
pre-commit hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from pitstop.registry import load_settings
from pitstop.scan import secrets

ROOT = Path(__file__).resolve().parents[2]


def test_the_repository_has_no_findings() -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    report = secrets(load_settings(ROOT, env={}), root=ROOT)
    assert [f"{f.path}:{f.line} {f.rule}" for f in report.findings] == []
