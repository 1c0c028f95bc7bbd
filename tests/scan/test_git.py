"""Git sources in real repositories: tracked files, the index, history."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitutil import git
from pitstop.errors import DependencyError, UsageError

from .conftest import aws_key, github_token, secrets_in, stripe_key


def _scan(repo: Path, **options: object) -> list[tuple[str, str, int]]:
    report = secrets_in(repo, jobs=1, **options)
    return [(f.path, f.rule, f.line) for f in report.findings]


def test_default_scan_reads_tracked_files_only(git_repo: Path) -> None:
    (git_repo / "tracked.py").write_text(f"k = '{github_token()}'\n")
    (git_repo / "untracked.py").write_text(f"k = '{aws_key()}'\n")
    git(git_repo, "add", "tracked.py")
    git(git_repo, "commit", "-qm", "add")
    assert _scan(git_repo) == [("tracked.py", "github-pat", 1)]
    sub = git_repo / "pkg"
    sub.mkdir()
    assert _scan(sub) == [("tracked.py", "github-pat", 1)]  # paths from the repository root


def test_staged_reads_the_index_not_the_working_tree(git_repo: Path) -> None:
    app = git_repo / "app.py"
    app.write_text("print('hello')\n")
    git(git_repo, "add", "app.py")
    git(git_repo, "commit", "-qm", "init")
    # stage a secret, then clean the working tree: the commit would still leak it
    app.write_text(f"print('hello')\nTOKEN = '{github_token()}'\n")
    git(git_repo, "add", "app.py")
    app.write_text("print('hello')\n")
    assert _scan(git_repo, staged=True) == [("app.py", "github-pat", 2)]
    assert _scan(git_repo, paths=(app,)) == []
    # the opposite: a secret only in the working tree is not what gets committed
    git(git_repo, "reset", "-q", "app.py")
    (git_repo / "other.py").write_text(f"k = '{stripe_key()}'\n")
    assert _scan(git_repo, staged=True) == []


def test_staged_in_a_repository_without_commits(git_repo: Path) -> None:
    (git_repo / ".env").write_text(f"AWS_ACCESS_KEY_ID={aws_key()}\n")
    git(git_repo, "add", ".env")
    report = secrets_in(git_repo, staged=True)
    assert [(f.path, f.rule) for f in report.findings] == [(".env", "aws-access-key-id")]
    assert report.stats.files == 1


def test_staged_with_nothing_staged_is_clean(git_repo: Path) -> None:
    report = secrets_in(git_repo, staged=True)
    assert report.findings == () and report.stats.files == 0


def test_history_finds_a_secret_added_then_removed(git_repo: Path) -> None:
    config = git_repo / "settings.py"
    config.write_text("DEBUG = True\n")
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-qm", "init")
    config.write_text(f"DEBUG = True\nSTRIPE = '{stripe_key()}'\n")
    git(git_repo, "commit", "-qam", "add key")
    added = git(git_repo, "rev-parse", "HEAD").strip()
    config.write_text("DEBUG = True\nSTRIPE = os.environ['STRIPE']\n")
    git(git_repo, "commit", "-qam", "remove key")
    assert _scan(git_repo) == []  # the tree is clean now
    report = secrets_in(git_repo, history="HEAD")
    (finding,) = report.findings
    assert (finding.path, finding.line, finding.rule) == ("settings.py", 2, "stripe-secret-key")
    assert finding.commit == added
    assert finding.author == "Test Author <author@example.com>"
    assert finding.date is not None and finding.date.startswith("2025-06-17")
    assert report.stats.commits == 3
    # --since: only commits after the one that added it
    assert _scan(git_repo, history=f"{added}..HEAD") == []
    assert len(_scan(git_repo, history="HEAD~2..HEAD")) == 1


def test_history_line_numbers_follow_hunks(git_repo: Path) -> None:
    path = git_repo / "a.py"
    path.write_text("".join(f"line{i}\n" for i in range(1, 21)))
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-qm", "init")
    lines = path.read_text().splitlines()
    lines.insert(4, f"k = '{github_token(1)}'")
    lines.insert(15, f"j = '{github_token(2)}'")
    path.write_text("\n".join(lines) + "\n")
    git(git_repo, "commit", "-qam", "two")
    assert sorted(x[2] for x in _scan(git_repo, history="HEAD~1..HEAD")) \
        == [5, 16]


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        secrets_in(tmp_path, staged=True)
    assert info.value.exit_code == 3
    with pytest.raises(UsageError):
        secrets_in(tmp_path, history="HEAD")


def test_bad_range(git_repo: Path) -> None:
    (git_repo / "a").write_text("a")
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-qm", "init")
    with pytest.raises(UsageError, match="nope"):
        secrets_in(git_repo, history="nope..HEAD")


def test_git_missing(git_repo: Path, tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path / "no-bin")}
    with pytest.raises(DependencyError) as info:
        secrets_in(git_repo, staged=True, env=env)
    assert info.value.exit_code == 2
    # a tree scan does not need git: it falls back to walking the directory
    (git_repo / "a.py").write_text(f"k = '{github_token()}'\n")
    report = secrets_in(git_repo, env=env)
    assert [f.path for f in report.findings] == ["a.py"]


def test_inherited_git_variables_are_ignored(git_repo: Path, tmp_path: Path) -> None:
    (git_repo / "app.py").write_text(f"k = '{github_token()}'\n")
    git(git_repo, "add", ".")
    env = {"PATH": "/usr/bin:/bin", "GIT_DIR": str(tmp_path / "elsewhere"),
           "GIT_INDEX_FILE": str(tmp_path / "index")}
    report = secrets_in(git_repo, staged=True, env=env)
    assert [f.path for f in report.findings] == ["app.py"]


@pytest.mark.parametrize("how", ["commit -a", "commit PATH", "commit"])
def test_a_real_pre_commit_hook_blocks_the_commit(git_repo: Path, how: str) -> None:
    import stat
    import sys

    exe = Path(sys.executable).with_name("pitstop")
    hook = git_repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec '{exe}' scan secrets --staged\n")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    app = git_repo / "app.py"
    app.write_text("x = 1\n")
    git(git_repo, "add", "app.py")
    git(git_repo, "commit", "-qm", "init")
    app.write_text(f"x = 1\nT = '{github_token()}'\n")
    args = {"commit -a": ["commit", "-a", "-m", "leak"],
            "commit PATH": ["commit", "-m", "leak", "app.py"],
            "commit": ["commit", "-m", "leak"]}[how]
    if how == "commit":
        git(git_repo, "add", "app.py")
        app.write_text("x = 1\n")  # clean working tree, secret still staged
    with pytest.raises(subprocess.CalledProcessError) as info:
        git(git_repo, *args)
    assert "github-pat" in info.value.stdout + info.value.stderr
    assert git(git_repo, "rev-list", "--count", "HEAD").strip() == "1"


def test_staged_blobs_over_the_size_limit_are_not_read(git_repo: Path) -> None:
    """Sizes come from `git cat-file --batch-check` first: a big staged blob is listed as
    skipped without being read; the others stream one at a time.  When every staged file
    is skipped the scan read nothing, which is exit 3, not a clean pass."""
    from pitstop.errors import ConfigError

    (git_repo / "big.txt").write_text("x" * 5000 + f"\nk = '{stripe_key()}'\n")
    for i in range(300):  # more output than a pipe buffer holds
        (git_repo / f"f{i:03}.py").write_text(f"# file {i}\n" + "y = 1\n" * 40)
    (git_repo / "f150.py").write_text(f"k = '{github_token()}'\n")
    git(git_repo, "add", ".")
    report = secrets_in(git_repo, staged=True, max_file_size=4000)
    assert [(f.path, f.rule) for f in report.findings] == [("f150.py", "github-pat")]
    assert [(s.path, s.reason) for s in report.skipped] == \
        [("big.txt", "larger than max-file-size (5048 bytes)")]
    assert report.stats.files == 300
    git(git_repo, "reset", "-q")
    git(git_repo, "add", "big.txt")
    with pytest.raises(ConfigError, match="every staged file was skipped") as info:
        secrets_in(git_repo, staged=True, max_file_size=4000)
    assert info.value.exit_code == 3
