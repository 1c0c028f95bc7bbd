"""Regressions found in the acceptance review: odd file names in every mode, special
files, scans that read nothing, and a history scan of a repository without commits."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gitutil import git
from pitstop.cli.main import main
from pitstop.scan import ScanReport
from pitstop.scan.engine import NothingScannedError
from pitstop.scan.gitsrc import diff_path

from .conftest import github_token, secrets_in

NAMES = ["with space.py", "new\nline.py", "tab\there.py", "caf\u00e9 \"q\".py"]
BAD = os.fsdecode(b"bad\xff\xfename.py")  # not UTF-8


def _write_all(root: Path) -> None:
    for seed, name in enumerate([*NAMES, BAD]):
        (root / name).write_text(f"k = '{github_token(seed)}'\n", encoding="utf-8")


def _paths(root: Path, **options: object) -> list[str]:
    report = secrets_in(root, jobs=1, **options)
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
    assert _paths(git_repo, staged=True) == EXPECTED  # none missed, not even new\nline
    git(git_repo, "commit", "-qm", "odd names")
    assert _paths(git_repo, history="HEAD") == EXPECTED


def test_diff_path_unquotes_git_names() -> None:
    assert diff_path('"b/new\\nline.py"') == "new\nline.py"
    assert diff_path("b/with space.py\t") == "with space.py"
    assert diff_path('"b/caf\\303\\251 \\"q\\".py"') == 'caf\u00e9 "q".py'


def test_special_files_are_listed_as_skipped(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "zero").symlink_to("/dev/zero")
    (tmp_path / "app.py").write_text(f"k = '{github_token()}'\n", encoding="utf-8")
    report = secrets_in(tmp_path, paths=(tmp_path,), jobs=1)
    assert len(report.findings) == 1
    assert {(s.path, s.reason) for s in report.skipped} == {
        ("fifo", "not a regular file (a FIFO)"),
        ("zero", "not a regular file (a character device)")}


def test_a_scan_that_skipped_everything_is_not_a_clean_pass(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(NothingScannedError, match=r"every file was skipped.*FIFO"):
        secrets_in(tmp_path, paths=(tmp_path / "fifo",), jobs=1)
    assert main(["scan", "secrets", str(tmp_path / "fifo")]) == 3


def test_history_of_a_repository_without_commits(git_repo: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(NothingScannedError, match="has no commits yet"):
        secrets_in(git_repo, history="HEAD")


def test_nothing_tracked_hints_at_naming_paths(git_repo: Path) -> None:
    (git_repo / "untracked.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(NothingScannedError) as caught:
        secrets_in(git_repo, jobs=1)
    assert "pitstop scan secrets ." in (caught.value.hint or "")


def test_ctrl_c_during_a_big_file_exits_130_at_once(tmp_path: Path) -> None:
    """Workers ignore SIGINT; the parent must stop them instead of waiting for a worker
    that is deep in a big file (which took the whole file's scan time before)."""
    import signal
    import subprocess
    import sys
    import time

    line = b"password and token and secret and api_key = value_here_123 and more words\n"
    with (tmp_path / "big.txt").open("wb") as handle:
        handle.write(line * (120 * 1024 * 1024 // len(line)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "pitstop", "scan", "secrets", "--max-file-size", "1GB",
         "--jobs", "2", str(tmp_path)], cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(2.0)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert time.monotonic() - sent < 3.0
    assert b"Traceback" not in err


def test_secret_group_beyond_the_regex_groups_is_a_config_error(tmp_path: Path) -> None:
    from pitstop.errors import ConfigError

    config = tmp_path / "gl.toml"
    config.write_text('[[rules]]\nid = "x"\nregex = "(abc)"\nsecretGroup = 3\n',
                      encoding="utf-8")
    (tmp_path / "a.py").write_text("abc\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="secretGroup 3 but the regex has 1 capture group"):
        secrets_in(tmp_path, paths=(tmp_path,), config=config, jobs=1)


def test_every_rule_file_error_has_a_hint(tmp_path: Path) -> None:
    from pitstop.errors import ConfigError
    from pitstop.scan.gitleaks import read_gitleaks_config

    config = tmp_path / "gl.toml"
    for text in ('[[rules]]\nregex = "abc"\n', "[[rules]\n",
                 '[[rules]]\nid = "x"\nentropy = "high"\n'):
        config.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            read_gitleaks_config(config)
        assert caught.value.hint and str(config) in caught.value.message


def test_baseline_of_an_unknown_version_is_refused(tmp_path: Path) -> None:
    from pitstop.errors import ConfigError
    from pitstop.scan.baseline import load_baseline

    path = tmp_path / "b.json"
    path.write_text('{"version": 2, "findings": []}', encoding="utf-8")
    with pytest.raises(ConfigError, match="baseline version 2 is not supported") as caught:
        load_baseline(path)
    assert caught.value.hint


def test_a_second_link_to_a_directory_is_not_called_a_loop(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "lib64").symlink_to("lib")
    (tmp_path / "lib" / "up").symlink_to("..")
    report = secrets_in(tmp_path, paths=(tmp_path,), jobs=1)
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons["lib64"] == f"already scanned as {(tmp_path / 'lib').resolve()}"
    assert reasons["lib/up"] == "symlink loop"
    assert report.stats.files == 1


def test_explain_lists_dropped_candidates_in_file_order(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text(
        'PASSWORD = "changeme-later-please"\n'
        f'GITHUB_TOKEN = "{github_token()}"  # pitstop:allow\n'
        'API_TOKEN = "your-api-token-here"\n', encoding="utf-8")
    report = secrets_in(tmp_path, paths=(tmp_path,), explain=True, jobs=1)
    assert [(d.line, d.rule) for d in report.dropped] == [
        (1, "generic-password"), (2, "generic-api-key"), (2, "github-pat"),
        (3, "generic-api-key")]
    assert report.dropped[0].reason == "placeholder words"  # the value is not shown


def test_skip_report_rules_report_nothing(tmp_path: Path) -> None:
    from pitstop.errors import ConfigError

    config = tmp_path / "gl.toml"
    (tmp_path / "a.py").write_text("acme_live_abcdefgh12345678\n", encoding="utf-8")
    rule = '[[rules]]\nid = "acme"\nregex = "acme_live_[a-z0-9]{16}"\nkeywords = ["acme_live"]\n'
    config.write_text(rule, encoding="utf-8")
    options = {"paths": (tmp_path,), "config": config, "jobs": 1}
    assert [f.rule for f in secrets_in(tmp_path, **options).findings] == ["acme"]
    other = '[[rules]]\nid = "other"\nregex = "zzz_[0-9]{9}"\nkeywords = ["zzz_"]\n'
    config.write_text(rule + "skipReport = true\n" + other, encoding="utf-8")
    assert secrets_in(tmp_path, **options).findings == ()
    config.write_text(rule + 'skipReport = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="skipReport"):
        secrets_in(tmp_path, **options)


@pytest.mark.parametrize("value, dropped", [
    ("abcd1234defg5678", True),      # documentation placeholders seen in site-packages
    ("a1b2c3d4567890ab", True),
    ("Summer1234Xq!w", False),       # a weak but real password still fires
    ("q8Zr2LmX0vKw7TnB", False),
])
def test_counting_sequences_are_placeholders(tmp_path: Path, value: str, dropped: bool) -> None:
    (tmp_path / "app.json").write_text(f'{{"password": "{value}"}}\n', encoding="utf-8")
    report = secrets_in(tmp_path, paths=(tmp_path,), explain=True, jobs=1)
    reasons = [d.reason for d in report.dropped]
    assert ("counting sequence" in reasons) is dropped
    assert bool(report.findings) is not dropped


def test_stdin_is_streamed_and_a_too_large_input_is_not_a_clean_pass(tmp_path: Path) -> None:
    import io

    token = github_token()
    data = b"x = 1\n" * 300_000 + f"k = '{token}'\n".encode()  # ~1.8 MB

    def stdin(stream: io.BytesIO, max_file_size: int = 50_000_000) -> ScanReport:
        return secrets_in(tmp_path, stdin=stream, jobs=1, max_file_size=max_file_size)

    report = stdin(io.BytesIO(data))
    assert [(f.path, f.line) for f in report.findings] == [("<stdin>", 300_001)]
    with pytest.raises(NothingScannedError, match="larger than max-file-size"):
        stdin(io.BytesIO(data), max_file_size=1_000_000)
    empty = stdin(io.BytesIO(b""))
    assert empty.findings == () and empty.stats.files == 1  # an empty diff is a clean pass


def test_a_broken_install_without_re2_is_exit_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    shadow = tmp_path / "shadow" / "re2"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('re2 wheel missing', name='re2')\n",
                                        encoding="utf-8")
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / "shadow"),
                                                       os.environ.get("PYTHONPATH", "")]))
    for args in (["secrets", "a.py"], ["rules"]):
        done = subprocess.run([sys.executable, "-m", "pitstop", "scan", *args], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 2, done.stderr
        assert "cannot import re2" in done.stderr and "crash" not in done.stderr
