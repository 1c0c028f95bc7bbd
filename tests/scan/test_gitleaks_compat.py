"""A gitleaks configuration gives the findings gitleaks gives: on a fixture repository
whose expected findings come from gitleaks 8.30.1, and — when a gitleaks binary is
installed — side by side with it, for a tree (``gitleaks dir``) and for history
(``gitleaks git``)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gitutil import git

from . import gitleaks_cases as cases
from .conftest import secrets_in

Row = tuple[str, str, int, str]


def _pitstop(root: Path, config: Path, **options: object) -> list[Row]:
    report = secrets_in(root, config=config, jobs=1, **options)
    # a rule with only a path reports line 1; gitleaks reports such a finding on line 0
    return sorted((f.rule, f.path, f.line if f.secret or f.match != f.path else 0, f.secret)
                  for f in report.findings)


def _history(root: Path) -> Path:
    """Two more commits on the fixture, and a configuration outside the repository
    that allowlists the first of them by its (upper-cased) id and adds a rule whose
    keyword must be in the same hunk as its match."""
    app = root / "app.py"
    app.write_text("# one more line on top\n" + app.read_text(encoding="utf-8"),
                   encoding="utf-8")
    (root / "kw.txt").write_text("magicword\n" + "x\n" * 30 + "kwtok_abcdef\n",
                                 encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-qm", "allowlisted")
    (root / "kw.txt").write_text("magicword\nmagicword\n" + "x\n" * 30
                                 + "kwtok_abcdef\nkwtok_zzzzzz\n", encoding="utf-8")
    (root / "kw2.txt").write_text("magicword\nkwtok_yyyyyy\n", encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-qm", "hunks")
    allowed = git(root, "rev-parse", "HEAD~1").strip().upper()
    config = root.parent / "outside.toml"
    config.write_text(cases.TOP + '\n[[rules]]\nid = "kw"\nregex = \'\'\'kwtok_[a-z]{6}\'\'\'\n'
                      'keywords = ["magicword"]\n\n[[allowlists]]\n'
                      f'commits = ["{allowed}"]\npaths = ["^nothing$"]\n', encoding="utf-8")
    return config


HISTORY_EXPECTED = sorted([
    *cases.EXPECTED,
    # .gitleaks.toml is not the configuration in use here, so it is scanned
    ("uni", ".gitleaks.toml", 77, "(\\S+)'''"),
    # one hunk holds both the keyword and the match; the other hunk of kw.txt does not
    ("kw", "kw2.txt", 2, "kwtok_yyyyyy"),
])


@pytest.fixture
def fixture_repo(git_repo: Path) -> tuple[Path, Path]:
    return git_repo, cases.build(git_repo)


def test_a_tree_gets_the_findings_gitleaks_reports(fixture_repo: tuple[Path, Path]) -> None:
    root, config = fixture_repo
    assert _pitstop(root, config) == cases.EXPECTED


def test_history_gets_the_findings_gitleaks_reports(fixture_repo: tuple[Path, Path]) -> None:
    root, _ = fixture_repo
    config = _history(root)
    assert _pitstop(root, config, history="HEAD") == HISTORY_EXPECTED


def _gitleaks() -> str:
    binary = shutil.which("gitleaks")
    if binary is None:
        pytest.skip("gitleaks is not installed (the fixture tests above hold its findings)")
    done = subprocess.run([binary, "version"], capture_output=True, text=True, check=False)
    version = re.search(r"(\d+)\.(\d+)\.(\d+)", done.stdout)
    if version is None or (int(version[1]), int(version[2])) < (8, 25):
        pytest.skip(f"gitleaks {done.stdout.strip() or '?'} is older than 8.25, whose "
                    "allowlist format these tests use")
    return binary


def _run_gitleaks(binary: str, root: Path, *args: str) -> list[Row]:
    report = root.parent / "gitleaks-report.json"
    done = subprocess.run([binary, *args, "--no-banner", "--report-format", "json",
                           "--report-path", str(report)], cwd=root, capture_output=True,
                          text=True, check=False, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return sorted((f["RuleID"], f["File"], f["StartLine"], f["Secret"])
                  for f in json.loads(report.read_text(encoding="utf-8")))


def test_same_findings_as_gitleaks_dir(fixture_repo: tuple[Path, Path]) -> None:
    binary = _gitleaks()
    root, config = fixture_repo
    assert _pitstop(root, config) == _run_gitleaks(binary, root, "dir", ".", "-c",
                                                    ".gitleaks.toml")


def test_same_findings_as_gitleaks_git(fixture_repo: tuple[Path, Path]) -> None:
    binary = _gitleaks()
    root, _ = fixture_repo
    config = _history(root)
    assert _pitstop(root, config, history="HEAD") == _run_gitleaks(binary, root, "git", ".",
                                                                    "-c", str(config))
