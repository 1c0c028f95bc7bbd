"""Streaming compression of dumps (zstd, gzip or none) with byte counting and
sha256 of the stored bytes, so a dump is never held in memory."""

from __future__ import annotations

import gzip
import hashlib
from typing import BinaryIO, Protocol

import zstandard

from pitstop.errors import BackupError

EXTENSIONS = {"zstd": ".zst", "gzip": ".gz", "none": ""}
CHUNK = 1 << 20


class Sink(Protocol):
    def write(self, data: bytes) -> int: ...


class HashingWriter:
    """Passes bytes to ``target`` while counting them and hashing them (sha256)."""

    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.count = 0
        self.digest = hashlib.sha256()

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.target.write(data)
        self.digest.update(data)
        self.count += len(data)
        return len(data)

    def flush(self) -> None:
        self.target.flush()


class CompressingWriter:
    """Compresses what is written into ``target``; ``raw`` counts uncompressed bytes."""

    def __init__(self, target: HashingWriter, compression: str, level: int) -> None:
        self.raw = 0
        self._target = target
        self._zstd = None
        self._gzip = None
        if compression == "zstd":
            self._zstd = zstandard.ZstdCompressor(level=level, threads=-1).stream_writer(
                target, closefd=False)  # type: ignore[arg-type]
        elif compression == "gzip":
            self._gzip = gzip.GzipFile(fileobj=target, mode="wb",
                                       compresslevel=level, mtime=0)
        elif compression != "none":
            raise BackupError(f"unknown compression {compression!r}",
                              hint="use zstd, gzip or none")

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.raw += len(data)
        if self._zstd is not None:
            self._zstd.write(data)
        elif self._gzip is not None:
            self._gzip.write(data)
        else:
            self._target.write(data)
        return len(data)

    def finish(self) -> None:
        if self._zstd is not None:
            self._zstd.flush(zstandard.FLUSH_FRAME)
            self._zstd.close()  # type: ignore[no-untyped-call]
        elif self._gzip is not None:
            self._gzip.close()


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
