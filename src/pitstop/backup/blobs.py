"""Content-addressed blob store for snapshots: each distinct file content once,
zstd-compressed, under ``blobs/<first two hex digits>/<sha256>``."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import zstandard

from pitstop.errors import BackupError

_local = threading.local()
_STREAM_CHUNK = 1 << 20


def _compressor(level: int) -> zstandard.ZstdCompressor:
    cache: dict[int, zstandard.ZstdCompressor] = getattr(_local, "compressors", {})
    if level not in cache:
        cache[level] = zstandard.ZstdCompressor(level=level)
        _local.compressors = cache
    return cache[level]


def _decompressor() -> zstandard.ZstdDecompressor:
    dctx: zstandard.ZstdDecompressor | None = getattr(_local, "dctx", None)
    if dctx is None:
        dctx = zstandard.ZstdDecompressor()
        _local.dctx = dctx
    return dctx


def _unpack(packed: bytes) -> bytes:
    try:
        return _decompressor().decompress(packed)
    except zstandard.ZstdError:
        # a streamed frame does not record its size up front; read it as a stream
        with _decompressor().stream_reader(packed) as reader:
            return reader.readall()


class BlobStore:
    def __init__(self, root: Path, level: int = 3) -> None:
        self.root = root
        self.level = level

    def prepare(self) -> None:
        for i in range(256):
            (self.root / f"{i:02x}").mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:]

    def has(self, digest: str) -> bool:
        return os.path.exists(self.path(digest))

    def put(self, digest: str, data: bytes) -> int:
        """Store ``data`` (whose sha256 is ``digest``) unless present; return bytes
        written (0 when it was already there)."""
        target = self.path(digest)
        if os.path.exists(target):
            return 0
        packed = _compressor(self.level).compress(data)
        tmp = target.with_name(f".{target.name}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(packed)
        os.replace(tmp, target)
        return len(packed)

    def put_file(self, path: str, digest: str) -> int:
        """Store the file at ``path`` (whose sha256 was ``digest`` when hashed) by
        streaming it through the compressor; :class:`BackupError` when the file changed
        in between.  Returns bytes written (0 when the blob was already there)."""
        target = self.path(digest)
        if os.path.exists(target):
            return 0
        tmp = target.with_name(f".{target.name}.{threading.get_ident()}.tmp")
        check = hashlib.sha256()
        try:
            with open(path, "rb") as source, open(tmp, "wb") as handle:
                writer = _compressor(self.level).stream_writer(handle, closefd=False)
                while chunk := source.read(_STREAM_CHUNK):
                    check.update(chunk)
                    writer.write(chunk)
                writer.flush(zstandard.FLUSH_FRAME)
                written = handle.tell()
            if check.hexdigest() != digest:
                raise BackupError(f"{path} changed while it was being read")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return written

    def get(self, digest: str) -> bytes:
        """The content of blob ``digest``, checked against its hash."""
        try:
            packed = self.path(digest).read_bytes()
        except FileNotFoundError:
            raise BackupError(f"blob {digest[:16]}… is missing from {self.root}",
                              hint="the snapshot store is damaged") from None
        try:
            data = _unpack(packed)
        except zstandard.ZstdError as exc:
            raise BackupError(f"blob {digest[:16]}… is damaged: {exc}") from exc
        if hashlib.sha256(data).hexdigest() != digest:
            raise BackupError(f"blob {digest[:16]}… does not match its hash (damaged)")
        return data

    def digests(self) -> Iterator[tuple[str, int]]:
        """Every stored blob with its stored size."""
        if not self.root.is_dir():
            return
        for sub in self.root.iterdir():
            if not sub.is_dir() or len(sub.name) != 2:
                continue
            with os.scandir(sub) as entries:
                for entry in entries:
                    if not entry.name.startswith("."):
                        yield sub.name + entry.name, entry.stat().st_size

    def digest_set(self) -> set[str]:
        """The digests of every stored blob (one directory listing per prefix)."""
        found: set[str] = set()
        for i in range(256):
            prefix = f"{i:02x}"
            try:
                names = os.listdir(self.root / prefix)
            except FileNotFoundError:
                continue
            found.update(prefix + n for n in names if not n.startswith("."))
        return found

    def delete(self, digest: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(digest).unlink()
