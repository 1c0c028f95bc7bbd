"""Content-addressed blob store for snapshots: each distinct file content once,
zstd-compressed, named by its sha256.

Contents up to :data:`SMALL_BLOB` bytes go into pack files (``packs/``, see
:mod:`pitstop.backup.packs`); bigger ones get a file of their own under
``blobs/<first two hex digits>/<sha256>``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import zstandard

from pitstop.backup.packs import Location, PackWriter, read_blob, read_indexes
from pitstop.errors import BackupError

SMALL_BLOB = 1 << 20
_STREAM_CHUNK = 1 << 20
_local = threading.local()


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
        self.packs_dir = root.parent / "packs"
        self.level = level
        self.packed: dict[str, Location] = {}
        self.writer: PackWriter | None = None
        self.loose_written = 0

    def load(self) -> None:
        """Read the pack indexes (needed before ``get``/``has``/``put``)."""
        self.packed = read_indexes(self.packs_dir)

    def open_for_writing(self) -> None:
        for i in range(256):
            (self.root / f"{i:02x}").mkdir(parents=True, exist_ok=True)
        self.load()
        self.writer = PackWriter(self.packs_dir)

    def finish(self) -> None:
        """Close the pack being written and make its blobs visible."""
        if self.writer is not None:
            self.writer.finish()
            self.packed.update(self.writer.pending)

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.abort()

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:]

    def has(self, digest: str) -> bool:
        if digest in self.packed:
            return True
        if self.writer is not None and digest in self.writer.pending:
            return True
        return os.path.exists(self.path(digest))

    def put(self, digest: str, data: bytes) -> int:
        """Store ``data`` (whose sha256 is ``digest``) unless present; return bytes
        written (0 when it was already there)."""
        if digest in self.packed:
            return 0
        if self.writer is not None and len(data) <= SMALL_BLOB:
            if digest in self.writer.pending:
                return 0
            packed = _compressor(self.level).compress(data)
            return len(packed) if self.writer.add(digest, packed) else 0
        target = self.path(digest)
        if os.path.exists(target):
            return 0
        packed = _compressor(self.level).compress(data)
        tmp = target.with_name(f".{target.name}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(packed)
        os.replace(tmp, target)
        self.loose_written += 1
        return len(packed)

    def put_file(self, path: str, digest: str) -> int:
        """Store the file at ``path`` (whose sha256 was ``digest`` when hashed) by
        streaming it through the compressor; :class:`BackupError` when the file changed
        in between.  Returns bytes written (0 when the blob was already there)."""
        target = self.path(digest)
        if digest in self.packed or os.path.exists(target):
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
        self.loose_written += 1
        return written

    def get(self, digest: str) -> bytes:
        """The content of blob ``digest``, checked against its hash."""
        location = self.packed.get(digest)
        try:
            packed = (read_blob(self.packs_dir, location) if location is not None
                      else self.path(digest).read_bytes())
        except FileNotFoundError:
            raise BackupError(f"blob {digest[:16]}… is missing from {self.root.parent}",
                              hint="the snapshot store is damaged") from None
        try:
            data = _unpack(packed)
        except zstandard.ZstdError as exc:
            raise BackupError(f"blob {digest[:16]}… is damaged: {exc}") from exc
        if hashlib.sha256(data).hexdigest() != digest:
            raise BackupError(f"blob {digest[:16]}… does not match its hash (damaged)")
        return data

    def loose(self) -> Iterator[tuple[str, int]]:
        """Every blob stored in a file of its own, with its size."""
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
        """The digests of every stored blob, packed or loose."""
        found = set(self.packed)
        for i in range(256):
            prefix = f"{i:02x}"
            try:
                names = os.listdir(self.root / prefix)
            except FileNotFoundError:
                continue
            found.update(prefix + n for n in names if not n.startswith("."))
        return found

    def delete_loose(self, digest: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(digest).unlink()

    def remove_leftovers(self) -> None:
        """Remove ``.tmp`` files of writers that died (with the store lock held)."""
        if self.root.is_dir():
            for path in self.root.glob("*/.*.tmp"):
                path.unlink(missing_ok=True)
