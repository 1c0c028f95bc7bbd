"""Reading the git-tracked files of a work tree in parallel: hash each file, store
its content as a blob when new, and skip files whose stat data is unchanged since
the previous snapshot (so an unchanged second snapshot reads nothing)."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pitstop.backup.blobs import BlobStore
from pitstop.backup.git import GITLINK, TrackedFile
from pitstop.capability import Progress
from pitstop.errors import BackupError


@dataclasses.dataclass(frozen=True)
class Entry:
    """One file of a snapshot."""

    path: str
    mode: int  # st_mode: file type and permission bits
    size: int
    digest: str
    mtime_ns: int = 0
    ctime_ns: int = 0
    ino: int = 0

    def to_row(self) -> list[object]:
        return [self.path, self.mode, self.size, self.digest, self.mtime_ns, self.ctime_ns,
                self.ino]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Entry:
        return cls(*row)

    def same_stat(self, st: os.stat_result) -> bool:
        return (self.size == st.st_size and self.mtime_ns == st.st_mtime_ns
                and self.ctime_ns == st.st_ctime_ns and self.ino == st.st_ino
                and self.mode == st.st_mode)


@dataclasses.dataclass
class ScanResult:
    entries: list[Entry]
    errors: list[tuple[str, str]]  # (path, why it could not be read)
    skipped: list[str]  # submodules
    missing: list[str]  # tracked but deleted from the work tree
    new_blobs: int = 0
    new_bytes: int = 0  # compressed bytes written
    read_bytes: int = 0


_CHUNK = 128
LARGE_FILE = 32 << 20  # bigger files are streamed instead of read whole


def default_workers() -> int:
    return min(16, (os.cpu_count() or 1) * 4)


def scan_tree(
    repo: Path,
    files: Sequence[TrackedFile],
    *,
    cache: Mapping[str, Entry],
    blobs: BlobStore | None,
    workers: int = 0,
    progress: Progress | None = None,
) -> ScanResult:
    """Hash (and with ``blobs``, store) every file; unreadable files go to ``errors``."""
    result = ScanResult([], [], [], [])
    lock = threading.Lock()
    done = [0]
    total = len(files)

    def one(tracked: TrackedFile) -> Entry | None:
        full = os.path.join(repo, tracked.path)
        try:
            st = os.lstat(full)
        except FileNotFoundError:
            with lock:
                result.missing.append(tracked.path)
            return None
        except OSError as exc:
            with lock:
                result.errors.append((tracked.path, exc.strerror or str(exc)))
            return None
        previous = cache.get(tracked.path)
        if previous is not None and previous.same_stat(st) and (
                blobs is None or blobs.has(previous.digest)):
            return previous
        if stat.S_ISREG(st.st_mode) and st.st_size > LARGE_FILE:
            return large(tracked, full, st)
        try:
            if stat.S_ISLNK(st.st_mode):
                data = os.fsencode(os.readlink(full))
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as handle:
                    data = handle.read()
            else:
                kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
                with lock:
                    result.errors.append((tracked.path, f"is {kind}"))
                return None
        except OSError as exc:
            with lock:
                result.errors.append((tracked.path, exc.strerror or str(exc)))
            return None
        digest = hashlib.sha256(data).hexdigest()
        written = blobs.put(digest, data) if blobs is not None else 0
        with lock:
            result.read_bytes += len(data)
            if written:
                result.new_blobs += 1
                result.new_bytes += written
        return Entry(tracked.path, st.st_mode, len(data), digest, st.st_mtime_ns,
                     st.st_ctime_ns, st.st_ino)

    def large(tracked: TrackedFile, full: str, st: os.stat_result) -> Entry | None:
        """A big file is hashed, then streamed into the store, never held in memory."""
        digest = hashlib.sha256()
        try:
            with open(full, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            written = blobs.put_file(full, digest.hexdigest()) if blobs is not None else 0
        except (OSError, BackupError) as exc:
            with lock:
                result.errors.append((tracked.path, getattr(exc, "strerror", None) or str(exc)))
            return None
        with lock:
            result.read_bytes += st.st_size
            if written:
                result.new_blobs += 1
                result.new_bytes += written
        return Entry(tracked.path, st.st_mode, st.st_size, digest.hexdigest(), st.st_mtime_ns,
                     st.st_ctime_ns, st.st_ino)

    def counted(tracked: TrackedFile) -> Entry | None:
        entry = one(tracked)
        if progress is not None:
            with lock:
                done[0] += 1
                count = done[0]
            if count % 256 == 0 or count == total:
                progress(count, total)
        return entry

    # Unchanged files are recognised here, in one thread (a stat each); only the rest
    # goes to the pool.
    existing = blobs.digest_set() if cache and blobs is not None else None
    wanted = []
    for tracked in files:
        if tracked.mode == GITLINK:
            result.skipped.append(tracked.path)
            continue
        previous = cache.get(tracked.path)
        if previous is not None:
            try:
                st = os.lstat(os.path.join(repo, tracked.path))
            except OSError:
                st = None
            if st is not None and previous.same_stat(st) and (
                    existing is None or previous.digest in existing):
                result.entries.append(previous)
                continue
        wanted.append(tracked)
    done[0] = len(result.entries)
    if progress is not None and done[0]:
        progress(done[0], total)
    chunks = [wanted[i:i + _CHUNK] for i in range(0, len(wanted), _CHUNK)]
    with ThreadPoolExecutor(max_workers=workers or default_workers()) as pool:
        for batch in pool.map(lambda chunk: [counted(t) for t in chunk], chunks):
            result.entries.extend(entry for entry in batch if entry is not None)
    result.entries.sort(key=lambda e: e.path)
    result.errors.sort()
    result.missing.sort()
    return result
