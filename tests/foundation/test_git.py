"""pitstop.git: one environment policy and one error translation, on real repositories."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from gitutil import git
from pitstop import git as pgit
from pitstop.errors import ConfigError, DependencyError, ReleaseError
from pitstop.release.git import GitError as ReleaseGitError


def _commit(repo: Path, name: str = "a.txt", text: str = "a\n") -> None:
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-qm", f"add {name}")


def test_environment_policy() -> None:
    given = {
        "PATH": "/opt/bin", "HOME": "/home/x",
        "GIT_DIR": "/elsewhere/.git", "GIT_WORK_TREE": "/elsewhere",
        "GIT_INDEX_FILE": "/elsewhere/.git/index", "GIT_PAGER": "less",
        "GIT_AUTHOR_NAME": "A", "GIT_COMMITTER_DATE": "2025-01-01T00:00:00Z",
        "GIT_SSH_COMMAND": "ssh -i key", "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "a.b", "GIT_CONFIG_VALUE_0": "c",
        "LC_ALL": "de_DE.UTF-8",
    }
    env = pgit.git_env(given)
    assert not {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"} & set(env)
    for kept in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_DATE", "GIT_SSH_COMMAND",
                 "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0",
                 "GIT_CONFIG_VALUE_0", "HOME"):
        assert env[kept] == given[kept]
    assert (env["PATH"], env["LC_ALL"], env["GIT_PAGER"], env["GIT_TERMINAL_PROMPT"]) \
        == ("/opt/bin", "C", "cat", "0")
    assert pgit.git_env({})["PATH"] == pgit.DEFAULT_PATH
    assert given["GIT_DIR"] == "/elsewhere/.git"  # the caller's mapping is never changed


def test_a_hooks_index_is_kept_only_when_asked_and_real(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.write_bytes(b"")
    assert "GIT_INDEX_FILE" not in pgit.git_env({"GIT_INDEX_FILE": str(index)})
    assert pgit.git_env({"GIT_INDEX_FILE": str(index)}, hook_index=True)["GIT_INDEX_FILE"] \
        == str(index)
    for bad in ("relative/index", str(tmp_path / "missing")):
        assert "GIT_INDEX_FILE" not in pgit.git_env({"GIT_INDEX_FILE": bad}, hook_index=True)


def test_inherited_git_dir_does_not_redirect_git(git_repo: Path, tmp_path: Path) -> None:
    _commit(git_repo)
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    environ = {**os.environ, "GIT_DIR": str(other / ".git"), "GIT_WORK_TREE": str(other)}
    repo = pgit.open_repository(git_repo, environ)
    assert repo.cwd == git_repo.resolve()
    assert repo.text("ls-files").split() == ["a.txt"]


def test_user_configuration_cannot_change_what_is_parsed(git_repo: Path) -> None:
    _commit(git_repo, "naïve.txt")
    git(git_repo, "config", "color.ui", "always")
    git(git_repo, "config", "core.quotePath", "true")
    git(git_repo, "config", "core.pager", "false")
    repo = pgit.open_repository(git_repo, os.environ)
    out = repo.text("log", "--stat", "--format=%s", "-1")
    assert "\x1b[" not in out and "naïve.txt" in out


def test_run_text_input_ok_and_completed(git_repo: Path) -> None:
    repo = pgit.open_repository(git_repo, os.environ)
    blob = repo.text("hash-object", "-w", "--stdin", input="hello\n").strip()
    assert repo.run("cat-file", "-p", blob) == b"hello\n"
    assert not repo.ok("rev-parse", "--verify", "-q", "HEAD")
    result = repo.completed("rev-parse", "--verify", "-q", "HEAD")
    assert result.returncode == 1 and result.stdout == b""


def test_a_failure_names_the_command_directory_and_gits_words(git_repo: Path) -> None:
    repo = pgit.open_repository(git_repo, os.environ)
    with pytest.raises(pgit.GitError) as info:
        repo.run("log", "no-such-revision")
    error = info.value
    assert str(error).startswith(f"git log no-such-revision failed in {repo.cwd}: fatal:")
    assert "no-such-revision" in error.stderr and error.returncode == 128
    assert error.exit_code == 1


def test_a_capabilitys_error_class_carries_its_exit_code(git_repo: Path) -> None:
    repo = pgit.open_repository(git_repo, os.environ, error=ReleaseGitError)
    with pytest.raises(ReleaseError) as info:
        repo.run("log", "nope")
    assert isinstance(info.value, pgit.GitError) and "fatal:" in info.value.stderr


def test_not_a_repository_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(pgit.NotARepositoryError) as info:
        pgit.open_repository(tmp_path, os.environ)
    assert str(info.value).startswith(f"{tmp_path}: not inside a git repository")
    assert info.value.exit_code == 3 and isinstance(info.value, ConfigError)
    with pytest.raises(pgit.NotARepositoryError, match="gone: not a directory"):
        pgit.open_repository(tmp_path / "gone", os.environ)


def test_git_missing_names_the_binary_and_what_to_install(git_repo: Path,
                                                          tmp_path: Path) -> None:
    with pytest.raises(DependencyError) as info:
        pgit.open_repository(git_repo, {"PATH": str(tmp_path)})
    assert "git is not installed or not on PATH (tried 'git')" in str(info.value)
    assert "install git" in (info.value.hint or "") and info.value.exit_code == 2
    with pytest.raises(pgit.GitNotFoundError, match="tried 'git-nope'"):
        pgit.Git.find(git_repo, os.environ, executable="git-nope")


def test_git_never_waits_for_a_password(tmp_path: Path) -> None:
    """An https remote that asks for credentials fails at once instead of prompting
    (GIT_TERMINAL_PROMPT=0, stdin /dev/null)."""
    import http.server

    class Unauthorized(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="x"')
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        repo = pgit.Git.find(tmp_path, os.environ, timeout=60)
        url = f"http://127.0.0.1:{server.server_address[1]}/repo.git"
        with pytest.raises(pgit.GitError, match="ls-remote"):
            repo.run("ls-remote", url)
    finally:
        server.shutdown()
        server.server_close()


def test_streamed_output_stops_git_when_left_early(git_repo: Path) -> None:
    for i in range(3):
        _commit(git_repo, f"f{i}.txt")
    repo = pgit.open_repository(git_repo, os.environ)
    with repo.start("log", "--format=%s") as process:
        assert process.popen.stdout is not None
        first = process.popen.stdout.readline()
    assert first == b"add f2.txt\n" and process.returncode is not None


def test_status_lists_changes_and_skips_rename_sources(git_repo: Path) -> None:
    _commit(git_repo, "old name.txt")
    _commit(git_repo, "b.txt")
    git(git_repo, "mv", "old name.txt", "new\nname.txt")
    (git_repo / "b.txt").write_text("changed\n")
    (git_repo / "untracked.txt").write_text("u\n")
    repo = pgit.open_repository(git_repo, os.environ)
    assert sorted(repo.status()) == [(" M", "b.txt"), ("R ", "new\nname.txt")]
    assert ("??", "untracked.txt") in repo.status(untracked="normal")
