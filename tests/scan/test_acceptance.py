"""Regressions found in the acceptance review: odd file names in every mode, special
files, scans that read nothing, and a history scan of a repository without commits."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gitutil import git
from pitstop.cli.main import main
from pitstop.scan import ScanOptions, scan_secrets
from pitstop.scan.engine import NothingScannedError
from pitstop.scan.gitsrc import diff_path

from .conftest import github_token

NAMES = ["with space.py", "new\nline.py", "tab\there.py", "caf\u00e9 \"q\".py"]
BAD = os.fsdecode(b"bad\xff\xfename.py")  # not UTF-8


def _write_all(root: Path) -> None:
    for seed, name in enumerate([*NAMES, BAD]):
        (root / name).write_text(f"k = '{github_token(seed)}'\n", encoding="utf-8")


def _paths(root: Path, **options: object) -> list[str]:
    report = scan_secrets(ScanOptions(root=root, jobs=1), **options)
    return sorted(f.path for f in report.findings)


EXPECTED = sorted([*NAMES, "bad\ufffd\ufffdname.py"])


def test_odd_names_in_a_tree_scan(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _write_all(tmp_path)
    assert _paths(tmp_path, paths=(tmp_path,)) == EXPECTED
    monkeypatch.chdir(tmp_path)
    assert main(["scan", "secrets", "--format", "json", "."]) == 1
    data = json.loads(capsys.readouterr().out)
    assert sorted(f["path"] for f in data["findings"]) == EXPECTED
    assert main(["scan", "secrets", "."]) == 1
    out = capsys.readouterr().out
    assert "new\\nline.py:1:" in out and len(out.splitlines()) == len(EXPECTED)


def test_odd_names_staged_and_in_history(git_repo: Path) -> None:
    _write_all(git_repo)
    git(git_repo, "add", "-A")
    assert _paths(git_repo, mode="staged") == EXPECTED  # none missed, not even new\nline
    git(git_repo, "commit", "-qm", "odd names")
    assert _paths(git_repo, mode="history") == EXPECTED


def test_diff_path_unquotes_git_names() -> None:
    assert diff_path('"b/new\\nline.py"') == "new\nline.py"
    assert diff_path("b/with space.py\t") == "with space.py"
    assert diff_path('"b/caf\\303\\251 \\"q\\".py"') == 'caf\u00e9 "q".py'


def test_special_files_are_listed_as_skipped(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "zero").symlink_to("/dev/zero")
    (tmp_path / "app.py").write_text(f"k = '{github_token()}'\n", encoding="utf-8")
    report = scan_secrets(ScanOptions(root=tmp_path, paths=(tmp_path,), jobs=1))
    assert len(report.findings) == 1
    assert {(s.path, s.reason) for s in report.skipped} == {
        ("fifo", "not a regular file (a FIFO)"),
        ("zero", "not a regular file (a character device)")}


def test_a_scan_that_skipped_everything_is_not_a_clean_pass(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(NothingScannedError, match=r"every file was skipped.*FIFO"):
        scan_secrets(ScanOptions(root=tmp_path, paths=(tmp_path / "fifo",), jobs=1))
    assert main(["scan", "secrets", str(tmp_path / "fifo")]) == 3


def test_history_of_a_repository_without_commits(git_repo: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(NothingScannedError, match="has no commits yet"):
        scan_secrets(ScanOptions(root=git_repo, mode="history"))


def test_nothing_tracked_hints_at_naming_paths(git_repo: Path) -> None:
    (git_repo / "untracked.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(NothingScannedError) as caught:
        scan_secrets(ScanOptions(root=git_repo, jobs=1))
    assert "pitstop scan secrets ." in (caught.value.hint or "")
