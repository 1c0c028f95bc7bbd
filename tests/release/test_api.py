"""The public API of pitstop.release and pitstop.suite is what __init__ exports."""

from __future__ import annotations

import dataclasses
import importlib

import pytest


@pytest.mark.parametrize(("module", "verbs"), [
    ("pitstop.release", {"next_version", "tag", "changelog"}),
    ("pitstop.suite", {"smoke", "coverage"}),
])
def test_public_api(module: str, verbs: set[str]) -> None:
    mod = importlib.import_module(module)
    exported = set(mod.__all__)
    assert verbs <= exported
    for name in exported:
        assert hasattr(mod, name), name
    public = {n for n in dir(mod) if not n.startswith("_")}
    assert public == exported


def test_results_are_frozen() -> None:
    from pitstop.release import ChangelogResult, NextVersion, TagResult
    from pitstop.suite import CoverageResult, SmokeResult

    for cls in (NextVersion, TagResult, ChangelogResult, SmokeResult, CoverageResult):
        params = getattr(cls, "__dataclass_params__", None)
        assert dataclasses.is_dataclass(cls) and params is not None and params.frozen, cls


def test_settings_are_registered_sections() -> None:
    from pitstop.registry import load_settings
    from pitstop.release import ReleaseSettings
    from pitstop.suite import TestSettings

    settings = load_settings(discover=False, env={})
    assert isinstance(settings.section(ReleaseSettings), ReleaseSettings)
    assert isinstance(settings.section(TestSettings), TestSettings)
