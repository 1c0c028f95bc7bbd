"""Git as a source of text: tracked files, staged blobs, added lines of history.

Git runs as a subprocess with the inherited ``GIT_*`` variables removed (a stray
``GIT_DIR`` or ``GIT_WORK_TREE`` must not redirect it), except the few that only
configure transport or configuration — and ``GIT_INDEX_FILE`` when it names an
existing file: git sets it for hooks during ``git commit -a`` and ``git commit PATH``,
and that temporary index, not ``.git/index``, holds what is being committed.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from pitstop.errors import DependencyError, UsageError

_KEEP = ("GIT_EXEC_PATH", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_ASKPASS", "GIT_CONFIG_NOSYSTEM",
         "GIT_CONFIG_GLOBAL", "GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_")
_SEP = "\x1f"
_COMMIT_MARK = "\x1ecommit" + _SEP


def git_env(base: Mapping[str, str] | None) -> dict[str, str]:
    """``base`` (the environment the front started with) without the ``GIT_*``
    variables that redirect git; the system's ``PATH`` when it has none."""
    env = dict(base or {})
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    index = env.get("GIT_INDEX_FILE", "")
    for key in list(env):
        if key.startswith("GIT_") and not key.startswith(_KEEP):
            del env[key]
    if index and os.path.isabs(index) and os.path.isfile(index):
        env["GIT_INDEX_FILE"] = index  # a commit hook's index: what is being committed
    env["LC_ALL"] = "C"
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


@dataclasses.dataclass(frozen=True)
class Git:
    """A git executable bound to a working directory and environment."""

    cwd: Path
    env: Mapping[str, str]
    executable: str = "git"

    @classmethod
    def find(cls, cwd: Path, env: Mapping[str, str] | None, executable: str = "git") -> Git:
        resolved = git_env(env)
        found = shutil.which(executable, path=resolved.get("PATH"))
        if found is None:
            raise DependencyError(f"git executable {executable!r} not found on PATH",
                                  hint="install git, or scan named paths instead of the index or "
                                       "history")
        return cls(cwd, resolved, found)

    def run(self, *args: str, input: bytes | None = None) -> bytes:
        try:
            result = subprocess.run([self.executable, *args], cwd=self.cwd, env=dict(self.env),
                                    input=input, capture_output=True, check=False)
        except OSError as exc:
            raise DependencyError(f"cannot run git: {exc}") from exc
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = message[-1] if message else f"exit status {result.returncode}"
            raise UsageError(f"git {' '.join(args[:2])} failed in {self.cwd}: {detail}",
                             hint="run inside a git repository, and check the revision range")
        return result.stdout

    def toplevel(self) -> Path | None:
        """The repository root around ``cwd``, or ``None`` outside a repository."""
        try:
            out = self.run("rev-parse", "--show-toplevel")
        except UsageError:
            return None
        return Path(out.decode("utf-8", "replace").strip())

    def tracked_files(self) -> list[str]:
        out = self.run("ls-files", "-z", "--cached")
        return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]

    def staged_blobs(self) -> list[tuple[str, str]]:
        """``(path, blob id)`` of each file the index adds or changes against ``HEAD``
        (every indexed file before the first commit); any file name, even one with a
        newline, since paths and ids come NUL-separated."""
        out = self.run("diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames",
                       "--diff-filter=ACMRT")
        fields = out.decode("utf-8", "surrogateescape").split("\0")
        staged = []
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            parts = meta.split()
            if len(parts) >= 4 and parts[1] != "160000":  # not a submodule
                staged.append((path, parts[3]))
        return staged

    def blob_sizes(self, ids: list[str]) -> list[int]:
        """The size in bytes of each blob in ``ids`` (``git cat-file --batch-check``);
        -1 for a blob git does not have."""
        if not ids:
            return []
        out = self.run("cat-file", "--batch-check=%(objectsize)",
                       input="".join(f"{i}\n" for i in ids).encode())
        return [int(line) if line.strip().isdigit() else -1
                for line in out.decode("ascii", "replace").splitlines()]

    def blobs(self, ids: list[str]) -> Iterator[bytes]:
        """The content of each blob in ``ids``, in order (``git cat-file --batch``),
        read one blob at a time so memory holds only the blob being scanned."""
        if not ids:
            return
        try:
            proc = subprocess.Popen([self.executable, "cat-file", "--batch"], cwd=self.cwd,
                                    env=dict(self.env), stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            raise DependencyError(f"cannot run git: {exc}") from exc
        assert proc.stdin is not None and proc.stdout is not None
        stdin, stdout = proc.stdin, proc.stdout

        def feed() -> None:  # a thread, so a full stdout pipe cannot block the ids
            try:
                with stdin:
                    stdin.write("".join(f"{i}\n" for i in ids).encode())
            except OSError:  # git stopped reading (it failed): the reader sees it
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        try:
            for _ in ids:
                header = stdout.readline().split()
                if len(header) < 3 or header[1] == b"missing":
                    if not header:
                        raise UsageError("git cat-file --batch stopped early",
                                         hint="check the repository with git fsck")
                    yield b""
                    continue
                size = int(header[2])
                data = stdout.read(size)
                stdout.read(1)  # the newline after each blob
                yield data
        finally:
            stdout.close()
            if proc.poll() is None:  # stopped early (an error or Ctrl-C)
                proc.kill()
            proc.wait()
            writer.join()


_ESCAPES = {"n": b"\n", "t": b"\t", "r": b"\r", '"': b'"', "\\": b"\\", "a": b"\a",
            "b": b"\b", "f": b"\f", "v": b"\v"}


def diff_path(text: str) -> str:
    """The file name of a ``+++ b/NAME`` line: git appends a tab to names with spaces
    and C-quotes names with control characters (``"b/new\\nline.py"``)."""
    text = text.removesuffix("\t")
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        raw = bytearray()
        body = text[1:-1]
        i = 0
        while i < len(body):
            char = body[i]
            if char == "\\" and i + 1 < len(body):
                nxt = body[i + 1]
                octal = body[i + 1:i + 4]
                if len(octal) == 3 and all(c in "01234567" for c in octal):
                    raw.append(int(octal, 8) & 0xFF)
                    i += 4
                    continue
                raw += _ESCAPES.get(nxt, nxt.encode("utf-8", "surrogateescape"))
                i += 2
                continue
            raw += char.encode("utf-8", "surrogateescape")
            i += 1
        text = raw.decode("utf-8", "replace")
    return text.removeprefix("b/")


@dataclasses.dataclass
class AddedBlock:
    """The lines one hunk of one commit added to one file (gitleaks scans hunk by hunk,
    so a rule's keyword must occur in the same hunk)."""

    commit: str
    author: str
    date: str
    path: str
    lines: list[str] = dataclasses.field(default_factory=list)
    numbers: list[int] = dataclasses.field(default_factory=list)
    newline_at_end: bool = True
    """False when the last added line ends the file without a newline."""

    def text(self) -> bytes:
        """The added lines as a text, each with its newline (as gitleaks reads a hunk)."""
        text = "".join(f"{line}\n" for line in self.lines)
        if not self.newline_at_end:
            text = text[:-1]
        return text.encode("utf-8", "surrogateescape")


def history_blocks(git: Git, rev_range: str) -> Iterator[AddedBlock]:
    """Every added line in the commits of ``rev_range``, grouped by commit, file and hunk."""
    if rev_range.startswith("-"):
        raise UsageError(f"invalid revision range {rev_range!r}", hint="e.g. main..HEAD")
    args = [git.executable, "-c", "core.quotePath=false", "log", "-p", "-U0", "--no-color",
            "--no-ext-diff", "--no-textconv", "--no-renames",
            f"--format={_COMMIT_MARK}%H{_SEP}%an <%ae>{_SEP}%aI", rev_range, "--"]
    proc = subprocess.Popen(args, cwd=git.cwd, env=dict(git.env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None
    commit = author = date = ""
    block: AddedBlock | None = None
    in_hunk = added = False
    line_no = 0
    try:
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith(_COMMIT_MARK):
                if block is not None and block.lines:
                    yield block
                block = None
                commit, author, date = [*line[len(_COMMIT_MARK):].split(_SEP), "", ""][:3]
                in_hunk = False
            elif line.startswith("diff --git "):
                if block is not None and block.lines:
                    yield block
                block = None
                in_hunk = False
            elif not in_hunk and line.startswith("+++ "):
                target = line[4:]
                block = None if target == "/dev/null" else AddedBlock(
                    commit, author, date, diff_path(target))
            elif line.startswith("@@ "):
                in_hunk = True
                if block is not None and block.lines:  # one block per hunk, as gitleaks
                    yield block
                    block = AddedBlock(block.commit, block.author, block.date, block.path)
                new = line.split(" ")[2]  # +start[,count]
                line_no = int(new[1:].split(",")[0])
            elif in_hunk and line.startswith("+") and block is not None:
                block.lines.append(line[1:])
                block.numbers.append(line_no)
                line_no += 1
                added = True
                continue
            elif in_hunk and line.startswith("\\ ") and added and block is not None:
                block.newline_at_end = False  # "\ No newline at end of file"
            added = False
        if block is not None and block.lines:
            yield block
    finally:
        proc.stdout.close()
        stderr = proc.stderr.read() if proc.stderr else b""
        code = proc.wait()
        if proc.stderr:
            proc.stderr.close()
    if code != 0:
        detail = stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git log {rev_range} failed: {detail[-1] if detail else code}",
                         hint="check the revision range, e.g. main..HEAD")
