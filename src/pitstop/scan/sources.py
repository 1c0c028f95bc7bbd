"""Where text comes from: walking a tree, reading files safely, decoding anything.

Files are read as bytes and scanned as UTF-8 bytes.  Content with a NUL byte in its
first 8 KiB is binary (as git decides), whatever the extension; UTF-16/32 with a
byte-order mark is transcoded to UTF-8; anything else is scanned as it is, and
undecodable bytes are replaced when a finding is turned into text.  Files larger than
:data:`CHUNK_SIZE` are read in overlapping chunks so memory stays bounded.
"""

from __future__ import annotations

import codecs
import dataclasses
import errno
import fnmatch
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

SNIFF_SIZE = 8192
CHUNK_SIZE = 4 << 20
OVERLAP = 64 << 10

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
         (codecs.BOM_UTF8, "utf-8-sig"))


def text_encoding(head: bytes) -> str | None:
    """The encoding to decode with, or ``None`` when ``head`` looks binary."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if b"\0" in head[:SNIFF_SIZE]:
        return None
    return "utf-8"


def to_utf8(data: bytes) -> bytes | None:
    """A whole blob as UTF-8 bytes (``None`` when binary)."""
    encoding = text_encoding(data[:SNIFF_SIZE])
    if encoding is None:
        return None
    if encoding == "utf-8":
        return data
    if encoding == "utf-8-sig":
        return data[len(codecs.BOM_UTF8):]
    return data.decode(encoding, errors="replace").encode("utf-8", errors="replace")


@dataclasses.dataclass(frozen=True)
class Excluder:
    """``[scan] exclude`` globs.  A pattern without ``/`` matches any path component
    (``node_modules``, ``*.min.js``); one with ``/`` matches the relative path
    (``docs/*.md``, ``tests/fixtures/**``)."""

    patterns: tuple[str, ...]

    def excluded(self, rel: str) -> bool:
        if not self.patterns:
            return False
        parts = rel.split("/")
        for pattern in self.patterns:
            if "/" in pattern.strip("/"):
                trimmed = pattern.strip("/")
                if fnmatch.fnmatchcase(rel, trimmed) or fnmatch.fnmatchcase(
                        rel, trimmed.removesuffix("/**")):
                    return True
                if trimmed.endswith("/**") and rel.startswith(trimmed[:-3] + "/"):
                    return True
            else:
                name = pattern.strip("/")
                if any(fnmatch.fnmatchcase(part, name) for part in parts):
                    return True
        return False


@dataclasses.dataclass(frozen=True)
class WalkEntry:
    path: Path
    rel: str
    size: int


@dataclasses.dataclass(frozen=True)
class WalkSkip:
    rel: str
    reason: str


def display_path(name: str) -> str:
    """``name`` as valid Unicode: the bytes of a file name that is not UTF-8 (decoded by
    the OS as surrogate escapes) are replaced, so rules, reports and JSON can take it."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _rel(path: Path, base: Path) -> str:
    try:
        return display_path(path.relative_to(base).as_posix())
    except ValueError:
        return display_path(path.as_posix())


_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _seen_reason(path: Path) -> str:
    """Why a directory met again is not scanned twice: a link to one of its own
    ancestors is a loop; otherwise it is a second way into a directory (``lib64 -> lib``)."""
    try:
        target, parent = path.resolve(), path.parent.resolve()
    except (OSError, RuntimeError):
        return "symlink loop"
    if target == parent or target in parent.parents:
        return "symlink loop"
    return f"already scanned as {target}"


def walk(roots: Sequence[Path], base: Path, excluder: Excluder
         ) -> Iterator[WalkEntry | WalkSkip]:
    """Regular files under ``roots`` (symlinks followed, loops detected), relative to
    ``base`` when inside it; a :class:`WalkSkip` for what cannot be read."""
    seen_dirs: set[tuple[int, int]] = set()
    stack: list[Path] = list(reversed(roots))
    while stack:
        path = stack.pop()
        rel = _rel(path, base)
        if excluder.excluded(rel):
            continue
        try:
            st = path.stat()
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                yield WalkSkip(rel, "symlink loop")
            elif isinstance(exc, FileNotFoundError) and path.is_symlink():
                yield WalkSkip(rel, "broken symlink")
            elif isinstance(exc, FileNotFoundError):
                yield WalkSkip(rel, "not found")
            else:
                yield WalkSkip(rel, f"unreadable: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                yield WalkSkip(rel, _seen_reason(path))
                continue
            seen_dirs.add(key)
            try:
                with os.scandir(path) as it:
                    children = sorted((entry.name for entry in it), reverse=True)
            except OSError as exc:
                yield WalkSkip(rel, f"unreadable: {exc.strerror or exc}")
                continue
            stack.extend(path / name for name in children if name != ".git")
        elif stat.S_ISREG(st.st_mode):
            yield WalkEntry(path, rel, st.st_size)
        else:
            kind = next((name for test, name in _KINDS if test(st.st_mode)), "special")
            yield WalkSkip(rel, f"not a regular file ({kind})")


def read_chunks(path: Path) -> Iterator[tuple[bytes, int]] | None:
    """UTF-8 chunks of a large file and how many bytes of overlap each chunk repeats
    from the one before; ``None`` when the file is binary."""
    handle = path.open("rb")
    head = handle.read(SNIFF_SIZE)
    encoding = text_encoding(head)
    if encoding is None:
        handle.close()
        return None

    def chunks() -> Iterator[tuple[bytes, int]]:
        decoder = None
        if encoding not in ("utf-8", "utf-8-sig"):
            decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        tail = b""
        pending = head
        with handle:
            while True:
                data = handle.read(CHUNK_SIZE)
                final = not data
                block = pending + data
                pending = b""
                if decoder is not None:
                    block = decoder.decode(block, final=final).encode("utf-8", "replace")
                if block:
                    yield tail + block, len(tail)
                    tail = (tail + block)[-OVERLAP:]
                if final:
                    return

    return chunks()
