"""The public API is what ``pitstop.scan`` exports; settings defaults are sane."""

from __future__ import annotations

from pathlib import Path

import pitstop.scan
from pitstop.registry import load_settings
from pitstop.scan.settings import ScanSettings


def test_public_api() -> None:
    assert sorted(pitstop.scan.__all__) == sorted(
        name for name in dir(pitstop.scan)
        if not name.startswith("_") and name not in {"engine", "model", "rule", "rules",
                                                       "detector", "files", "filters",
                                                       "gitleaks", "gitsrc", "ruleset",
                                                       "sources", "baseline", "settings",
                                                       "reporters", "annotations",
                                                       "placeholder", "gitleaks_detect"})


def test_settings_section(tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").write_text(
        '[scan]\nmax-file-size = "1MB"\nbaseline = ".pitstop-secrets.json"\njobs = 2\n')
    section = load_settings(tmp_path).section(ScanSettings)
    assert section.max_file_size == 1_000_000
    assert section.baseline == tmp_path / ".pitstop-secrets.json"
    assert ScanSettings().redact is True and ScanSettings().exclude == ()


def test_docs_page_lists_every_option() -> None:
    from pitstop.cli.scan_cmd import secrets

    docs = Path(__file__).resolve().parents[2] / "docs" / "scan.md"
    text = docs.read_text(encoding="utf-8")
    for param in secrets.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert opt in text, f"{opt} is not documented in docs/scan.md"
