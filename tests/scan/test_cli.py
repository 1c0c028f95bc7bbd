"""`pitstop scan …` through the CLI entry point: exit codes, formats, output."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitutil import git
from pitstop.cli.main import main

from .conftest import aws_key, github_token


@pytest.fixture
def repo(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(git_repo)
    (git_repo / "README.md").write_text("# demo\n")
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-qm", "init")
    return git_repo


def test_clean_repository_exits_0(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "secrets"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no secrets found" in captured.err and "scanned 1 file (" in captured.err


def test_findings_exit_1_redacted(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "app.py").write_text(f"T = '{github_token()}'\n")
    git(repo, "add", "app.py")
    assert main(["scan", "secrets"]) == 1
    captured = capsys.readouterr()
    assert "app.py:1:6: github-pat ghp_…" in captured.out
    assert github_token() not in captured.out + captured.err
    assert main(["scan", "secrets", "--no-redact"]) == 1
    assert github_token() in capsys.readouterr().out


def test_staged_and_formats(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "app.py").write_text(f"T = '{github_token()}'\n")
    git(repo, "add", "app.py")
    (repo / "app.py").write_text("T = None\n")
    assert main(["scan", "secrets", "--staged", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "staged" and data["findings"][0]["path"] == "app.py"
    assert main(["scan", "secrets", "--staged", "--format", "sarif", "-o", "out.sarif"]) == 1
    assert json.loads((repo / "out.sarif").read_text())["version"] == "2.1.0"
    assert main(["scan", "secrets", "--staged", "--format", "junit"]) == 1
    assert "<testsuites" in capsys.readouterr().out


def test_history_and_since(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "k.txt").write_text(f"{aws_key()}\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "oops")
    (repo / "k.txt").unlink()
    git(repo, "commit", "-qam", "fix")
    assert main(["scan", "secrets"]) == 0
    assert main(["scan", "secrets", "--history"]) == 1
    out = capsys.readouterr().out
    assert "k.txt:1:1: aws-access-key-id AKIA…" in out and "[commit " in out
    assert main(["scan", "secrets", "--since", "HEAD~1"]) == 0
    assert main(["scan", "secrets", "--history", "HEAD~2..HEAD~1"]) == 1


def test_baseline_cycle(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "app.py").write_text(f"T = '{github_token()}'\n")
    git(repo, "add", "app.py")
    assert main(["scan", "secrets", "--baseline", "b.json", "--update-baseline"]) == 0
    assert "baseline written: 1 entries" in capsys.readouterr().out
    assert main(["scan", "secrets", "--baseline", "b.json"]) == 0
    assert "1 in baseline" in capsys.readouterr().err


def test_stdin(repo: Path, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(aws_key().encode())))
    assert main(["scan", "secrets", "--stdin"]) == 1
    assert "<stdin>:1:1: aws-access-key-id" in capsys.readouterr().out


@pytest.mark.parametrize("args", [
    ["scan", "secrets", "--staged", "--history"],
    ["scan", "secrets", "missing-path"],
    ["scan", "secrets", "--max-file-size", "lots"],
    ["scan", "secrets", "--config", "nope.toml"],
    ["scan", "secrets", "--format", "xml"],
    ["scan", "secrets", "--disable", "no-such-rule"],
])
def test_usage_and_config_errors_exit_3(repo: Path, args: list[str],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 3
    assert "error:" in capsys.readouterr().err


def test_nothing_scanned_exits_3(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "empty").mkdir()
    assert main(["scan", "secrets", "empty"]) == 3
    assert "nothing to scan" in capsys.readouterr().err


def test_bad_pitstop_toml_section(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "pitstop.toml").write_text('[scan]\nmax-file-size = "huge"\n')
    assert main(["scan", "secrets"]) == 3
    assert "max-file-size" in capsys.readouterr().err


def test_pitstop_toml_settings_apply(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "pitstop.toml").write_text('[scan]\nexclude = ["fixtures/**"]\n'
                                       'disable = ["aws-access-key-id"]\n')
    (repo / "fixtures").mkdir()
    (repo / "fixtures" / "a.py").write_text(f"T = '{github_token()}'\n")
    (repo / "b.py").write_text(f"K = '{aws_key()}'\n")
    git(repo, "add", ".")
    assert main(["scan", "secrets"]) == 0


def test_git_missing_exits_2(repo: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-bin"))
    assert main(["scan", "secrets", "--staged"]) == 2
    assert "git is not installed" in capsys.readouterr().err


def test_help_and_rules(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["scan", "--help"], ["scan", "secrets", "--help"], ["scan", "rules", "--help"]):
        assert main(args) == 0
    assert "--staged" in capsys.readouterr().out
    assert main(["scan", "rules", "--json"]) == 0
    rules = json.loads(capsys.readouterr().out)["rules"]
    assert len(rules) >= 200 and {"id", "description", "keywords"} <= set(rules[0])


def test_installed_entry_point_in_a_subprocess(repo: Path) -> None:
    exe = Path(sys.executable).with_name("pitstop")
    (repo / "app.py").write_text(f"T = '{github_token()}'\n")
    git(repo, "add", "app.py")
    env = {**os.environ, "GIT_DIR": "/nonexistent"}  # a hook's GIT_DIR must not matter
    result = subprocess.run([str(exe), "scan", "secrets", "--staged", "--format", "json"],
                            cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["findings"][0]["rule"] == "github-pat"


def test_pre_commit_hook_definition() -> None:
    hooks = (Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml").read_text()
    assert "- id: pitstop-scan-secrets\n" in hooks
    assert "  entry: pitstop scan secrets --staged\n" in hooks
    assert "  pass_filenames: false\n" in hooks and "  language: python\n" in hooks


def test_a_blocked_commit_says_how_to_accept_a_finding(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "app.py").write_text(f"T = '{github_token()}'\n")
    (repo / "other.py").write_text(f"K = '{aws_key()}'\n")
    git(repo, "add", "app.py", "other.py")
    git(repo, "commit", "-qm", "accepted earlier")
    assert main(["scan", "secrets", "--baseline", "base.json", "--update-baseline"]) == 0
    (repo / "new.py").write_text(f"S = '{github_token(3)}'\n")
    git(repo, "add", "new.py")
    capsys.readouterr()
    assert main(["scan", "secrets", "--staged"]) == 1
    err = capsys.readouterr().err
    assert "commit blocked: 1 finding in the staged files" in err
    assert "pitstop:allow" in err
    command = ("pitstop scan secrets --staged --baseline .pitstop-secrets.json "
               "--update-baseline")
    assert command in err and "git add .pitstop-secrets.json" in err
    # the advice works as written: the baseline given to the hook is updated in place,
    # and the entries of files that were not staged are kept
    assert main(["scan", "secrets", "--staged", "--baseline", "base.json"]) == 1
    err = capsys.readouterr().err
    assert "commit blocked: 1 finding" in err
    assert "pitstop scan secrets --staged --baseline base.json --update-baseline" in err
    assert main(["scan", "secrets", "--staged", "--baseline", "base.json",
                 "--update-baseline"]) == 0
    assert main(["scan", "secrets", "--staged", "--baseline", "base.json"]) == 0
    assert main(["scan", "secrets", "--baseline", "base.json"]) == 0  # nothing was lost
    entries = json.loads((repo / "base.json").read_text())["findings"]
    assert sorted(e["path"] for e in entries) == ["app.py", "new.py", "other.py"]
    # with [scan] baseline configured the command needs no --baseline
    (repo / "pitstop.toml").write_text('[scan]\nbaseline = "base.json"\n')
    (repo / "more.py").write_text(f"M = '{github_token(4)}'\n")
    git(repo, "add", "more.py")
    capsys.readouterr()
    assert main(["scan", "secrets", "--staged"]) == 1
    err = capsys.readouterr().err
    assert "pitstop scan secrets --staged --update-baseline, then `git add base.json`" in err
    # or inline: the marker the hint names
    (repo / "more.py").write_text(f"M = '{github_token(4)}'  # pitstop:allow\n")
    git(repo, "add", "more.py")
    assert main(["scan", "secrets", "--staged"]) == 0
    assert "commit blocked" not in capsys.readouterr().err


def test_a_tree_scan_with_findings_prints_no_commit_advice(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "app.py").write_text(f"T = '{github_token()}'\n")
    git(repo, "add", "app.py")
    assert main(["scan", "secrets"]) == 1
    assert "commit blocked" not in capsys.readouterr().err
