"""Streaming compression of dumps (zstd, gzip or none) with byte counting and
sha256 of the stored bytes, so a dump is never held in memory; and the one-pass
readers of dump files (hash while the kernel flushes, or compress and hash)."""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import os
import threading
from pathlib import Path
from typing import BinaryIO, Protocol

import zstandard

from pitstop.capability import Progress
from pitstop.errors import BackupError

EXTENSIONS = {"zstd": ".zst", "gzip": ".gz", "none": ""}
CHUNK = 1 << 20
FILE_CHUNK = 8 << 20  # large reads of dump files: fewer calls, zstd workers kept busy
FLUSH_EVERY = 16 << 20  # bytes written between two background flushes to disk

Buffer = bytes | bytearray | memoryview


class Sink(Protocol):
    def write(self, data: Buffer) -> int: ...


class HashingWriter:
    """Passes bytes to ``target`` while counting them and hashing them (sha256).

    When ``target`` is a file, every ``flush_every`` bytes a short-lived thread
    flushes what has been written so far to disk (``fdatasync`` of a duplicate of its
    descriptor), so the disk writes overlap the compression and the store's final
    fsync finds little left to do.  :meth:`finish` waits for the last of those and
    raises :class:`BackupError` for a write error one of them met (the final fsync
    would no longer see it)."""

    def __init__(self, target: BinaryIO, *, flush_every: int = FLUSH_EVERY) -> None:
        self.target = target
        self.count = 0
        self.digest = hashlib.sha256()
        self._flush_every = flush_every
        self._flushed_at = 0
        self._flusher: threading.Thread | None = None
        self._failures: list[OSError] = []
        self._fd: int | None = None
        if flush_every:
            with contextlib.suppress(AttributeError, OSError, ValueError):
                self._fd = target.fileno()

    def write(self, data: Buffer) -> int:
        self.target.write(data)
        self.digest.update(data)
        self.count += len(data)
        if self._fd is not None and self.count - self._flushed_at >= self._flush_every and (
                self._flusher is None or not self._flusher.is_alive()):
            self._start_flush(self._fd)
        return len(data)

    def _start_flush(self, fd: int) -> None:
        self.target.flush()
        self._flushed_at = self.count
        copy = os.dup(fd)  # the thread's own descriptor: the handle may close first
        self._flusher = threading.Thread(target=self._datasync, args=(copy,),
                                         name="pitstop-backup-flush", daemon=True)
        self._flusher.start()

    def _datasync(self, fd: int) -> None:
        try:
            os.fdatasync(fd)
        except OSError as exc:
            if exc.errno in (errno.EINVAL, errno.EROFS, errno.ENOTSUP):
                self._fd = None  # a pipe or the like: nothing to flush early
            else:
                self._failures.append(exc)
        finally:
            os.close(fd)

    def flush(self) -> None:
        self.target.flush()

    def finish(self) -> None:
        """Wait for the background flush; raise the error it met, if any."""
        if self._flusher is not None:
            self._flusher.join()
        if self._failures:
            raise BackupError(f"cannot write the backup to disk: {self._failures[0]}",
                              hint="check free space and the health of the disk")


def compression_threads() -> int:
    """zstd workers for a backup: one per CPU this process may run on (as ``zstd -T0``
    on a machine without SMT)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


class CompressingWriter:
    """Compresses what is written into ``target``; ``raw`` counts uncompressed bytes.

    zstd runs multi-threaded (:func:`compression_threads` workers, unless ``threads``
    says otherwise): the frame is cut into jobs compressed in parallel while this
    thread reads the next chunk and hashes the output.  The output is one ordinary
    zstd frame, the same format ``zstd -T#`` writes."""

    def __init__(self, target: HashingWriter, compression: str, level: int,
                 threads: int | None = None) -> None:
        self.raw = 0
        self._target = target
        self._zstd = None
        self._gzip = None
        if compression == "zstd":
            workers = compression_threads() if threads is None else threads
            self._zstd = zstandard.ZstdCompressor(level=level, threads=workers).stream_writer(
                target, write_size=CHUNK, closefd=False)  # type: ignore[arg-type]
        elif compression == "gzip":
            self._gzip = gzip.GzipFile(fileobj=target, mode="wb",
                                       compresslevel=level, mtime=0)
        elif compression != "none":
            raise BackupError(f"unknown compression {compression!r}",
                              hint="use zstd, gzip or none")

    def write(self, data: Buffer) -> int:
        self.raw += len(data)
        if self._zstd is not None:
            self._zstd.write(data)
        elif self._gzip is not None:
            self._gzip.write(data)
        else:
            self._target.write(data)
        return len(data)

    def finish(self) -> None:
        """End the stream (the zstd frame, the gzip trailer) and wait for the target's
        background flush."""
        if self._zstd is not None:
            self._zstd.flush(zstandard.FLUSH_FRAME)
            self._zstd.close()  # type: ignore[no-untyped-call]
        elif self._gzip is not None:
            self._gzip.close()
        self._target.finish()


def decompressing_reader(source: BinaryIO, compression: str) -> BinaryIO:
    """A readable stream of the uncompressed bytes of ``source``."""
    if compression == "zstd":
        reader: BinaryIO = zstandard.ZstdDecompressor().stream_reader(
            source, read_across_frames=True, closefd=False)
        return reader
    if compression == "gzip":
        return gzip.GzipFile(fileobj=source, mode="rb")  # type: ignore[return-value]
    if compression == "none":
        return source
    raise BackupError(f"unknown compression {compression!r} in the manifest")


def sha256_of(source: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := source.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def pump_file(path: Path, out: Sink, progress: Progress | None) -> int:
    """Write the bytes of the file at ``path`` into ``out`` in large chunks read into
    one reused buffer; returns the byte count."""
    buffer = bytearray(FILE_CHUNK)
    view = memoryview(buffer)
    done = 0
    with path.open("rb", buffering=0) as handle:
        total = os.fstat(handle.fileno()).st_size
        while count := handle.readinto(buffer):
            out.write(view[:count])
            done += count
            if progress is not None:
                progress(done, total)
    return done


class _DigestSink:
    def __init__(self) -> None:
        self.digest = hashlib.sha256()

    def write(self, data: Buffer) -> int:
        self.digest.update(data)
        return len(data)


def hash_and_sync(path: Path, progress: Progress | None) -> tuple[int, str]:
    """``(size, sha256)`` of the file at ``path``, read once, while a second thread
    fsyncs it so that the disk writes overlap the hashing.  Raises
    :class:`BackupError` when the fsync fails."""
    failures: list[OSError] = []
    fd = os.open(path, os.O_RDONLY)

    def sync() -> None:
        try:
            os.fsync(fd)
        except OSError as exc:
            failures.append(exc)

    syncer = threading.Thread(target=sync, name="pitstop-backup-fsync", daemon=True)
    syncer.start()
    sink = _DigestSink()
    try:
        size = pump_file(path, sink, progress)
    finally:
        syncer.join()
        os.close(fd)
    if failures:
        raise BackupError(f"cannot flush {path} to disk: {failures[0]}",
                          hint="check free space and the health of the disk")
    return size, sink.digest.hexdigest()
