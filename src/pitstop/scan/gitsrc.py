"""Git as a source of text: tracked files, staged blobs, added lines of history.

Git runs through the shared :mod:`pitstop.git` (its environment policy), with
``hook_index=True``: git sets ``GIT_INDEX_FILE`` for hooks during ``git commit -a`` and
``git commit PATH``, and that temporary index, not ``.git/index``, holds what is being
committed.  Failures are :class:`ScanGitError`, a usage error (exit 3): the usual cause
is a directory outside a repository or a bad revision range.
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from pitstop import git as _git
from pitstop import proc
from pitstop.errors import UsageError
from pitstop.git import Git

_SEP = "\x1f"
_COMMIT_MARK = "\x1ecommit" + _SEP


class ScanGitError(_git.GitError, UsageError):
    """A git command the scan needs failed (exit 3)."""

    default_hint = "run inside a git repository, and check the revision range"


def open_git(cwd: Path, env: Mapping[str, str] | None, executable: str = "git") -> Git:
    """git in ``cwd`` for the environment ``env`` (the one the front started with);
    :class:`~pitstop.errors.DependencyError` (exit 2) when git is missing."""
    return Git.find(cwd, env, executable=executable, error=ScanGitError, hook_index=True)


def tracked_files(git: Git) -> list[str]:
    out = git.run("ls-files", "-z", "--cached")
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def staged_blobs(git: Git) -> list[tuple[str, str]]:
    """``(path, blob id)`` of each file the index adds or changes against ``HEAD``
    (every indexed file before the first commit); any file name, even one with a
    newline, since paths and ids come NUL-separated."""
    out = git.run("diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames",
                  "--diff-filter=ACMRT")
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    staged = []
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        parts = meta.split()
        if len(parts) >= 4 and parts[1] != "160000":  # not a submodule
            staged.append((path, parts[3]))
    return staged


def blob_sizes(git: Git, ids: list[str]) -> list[int]:
    """The size in bytes of each blob in ``ids`` (``git cat-file --batch-check``);
    -1 for a blob git does not have."""
    if not ids:
        return []
    out = git.run("cat-file", "--batch-check=%(objectsize)",
                  input="".join(f"{i}\n" for i in ids).encode())
    return [int(line) if line.strip().isdigit() else -1
            for line in out.decode("ascii", "replace").splitlines()]


def blobs(git: Git, ids: list[str]) -> Iterator[bytes]:
    """The content of each blob in ``ids``, in order (``git cat-file --batch``),
    read one blob at a time so memory holds only the blob being scanned."""
    if not ids:
        return
    with git.start("cat-file", "--batch", stdin=proc.PIPE,
                   stderr=proc.DEVNULL) as process:
        stdin, stdout = process.popen.stdin, process.popen.stdout
        assert stdin is not None and stdout is not None

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
                        raise ScanGitError("git cat-file --batch stopped early",
                                           hint="check the repository with git fsck")
                    yield b""
                    continue
                size = int(header[2])
                data = stdout.read(size)
                stdout.read(1)  # the newline after each blob
                yield data
        finally:
            stdout.close()  # stopped early (an error or Ctrl-C): the block stops git
            if process.poll() is not None:
                process.popen.wait()
            writer.join(timeout=5)


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
    args = ["log", "-p", "-U0", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames",
            f"--format={_COMMIT_MARK}%H{_SEP}%an <%ae>{_SEP}%aI", rev_range, "--"]
    with tempfile.TemporaryFile() as errors, git.start(*args, stderr=errors) as process:
        stdout = process.popen.stdout
        assert stdout is not None
        yield from _added_blocks(stdout)
        code = process.popen.wait()
        errors.seek(0)
        stderr = errors.read()
    if code != 0:
        raise git.failure(["log", rev_range], code, stderr.decode("utf-8", "replace"))


def _added_blocks(stdout: Iterable[bytes]) -> Iterator[AddedBlock]:
    """The added lines of ``git log -p -U0`` output, one block per commit, file and hunk."""
    commit = author = date = ""
    block: AddedBlock | None = None
    in_hunk = added = False
    line_no = 0
    for raw in stdout:
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
