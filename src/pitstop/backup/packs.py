"""Pack files: many small compressed blobs appended into one file, so a tree of many
small files costs a few large files on disk instead of one disk block per file.

``packs/<id>.pack`` holds the zstd frames back to back; ``packs/<id>.idx`` lists
``[digest, offset, length]`` for each, as zstd-compressed JSON (earlier versions wrote
plain JSON, which is still read).  A pack is written as a hidden ``.tmp`` file, fsynced
and renamed, and its index is written after it: a blob exists only once the index of
its pack does.  Leftover ``.tmp`` files are removed by ``prune``.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import threading
from pathlib import Path

import zstandard

from pitstop.errors import BackupError

PACK_TARGET_SIZE = 16 << 20
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

Location = tuple[str, int, int]  # pack id, offset, length


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_indexes(directory: Path) -> dict[str, Location]:
    """Every packed blob: digest -> (pack id, offset, length)."""
    found: dict[str, Location] = {}
    if not directory.is_dir():
        return found
    for idx in directory.glob("*.idx"):
        pack_id = idx.stem
        if not (directory / f"{pack_id}.pack").exists():
            continue
        try:
            data = idx.read_bytes()
            if data.startswith(_ZSTD_MAGIC):
                data = zstandard.ZstdDecompressor().decompress(data)
            rows = json.loads(data)["blobs"]
        except (ValueError, KeyError, OSError, zstandard.ZstdError) as exc:
            raise BackupError(f"the pack index {idx} is damaged: {exc}") from exc
        for digest, offset, length in rows:
            found[str(digest)] = (pack_id, int(offset), int(length))
    return found


class PackWriter:
    """Appends compressed blobs to the current pack; thread-safe."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.lock = threading.Lock()
        self.pending: dict[str, Location] = {}
        self._rows: list[list[object]] = []
        self._handle: io.BufferedWriter | None = None
        self._pack_id = ""
        self._tmp: Path | None = None
        self._offset = 0

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._pack_id = secrets.token_hex(16)
        self._tmp = self.directory / f".{self._pack_id}.pack.tmp"
        self._handle = open(self._tmp, "wb")  # noqa: SIM115 - closed in _close
        self._offset = 0
        self._rows = []

    def add(self, digest: str, packed: bytes) -> bool:
        """Append ``packed`` unless ``digest`` is already pending; True when written."""
        with self.lock:
            if digest in self.pending:
                return False
            if self._handle is None:
                self._open()
            handle = self._handle
            assert handle is not None
            handle.write(packed)
            location = (self._pack_id, self._offset, len(packed))
            self.pending[digest] = location
            self._rows.append([digest, self._offset, len(packed)])
            self._offset += len(packed)
            if self._offset >= PACK_TARGET_SIZE:
                self._close()
            return True

    def _close(self) -> None:
        handle = self._handle
        if handle is None or self._tmp is None:
            return
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.replace(self._tmp, self.directory / f"{self._pack_id}.pack")
        data = json.dumps({"version": 1, "blobs": self._rows}, separators=(",", ":"))
        _write_atomic(self.directory / f"{self._pack_id}.idx",
                      zstandard.ZstdCompressor(level=3).compress(data.encode()))
        self._handle = None
        self._tmp = None

    def finish(self) -> None:
        """Close the current pack (fsync, rename, index)."""
        with self.lock:
            self._close()

    def abort(self) -> None:
        with self.lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None
            if self._tmp is not None:
                self._tmp.unlink(missing_ok=True)
                self._tmp = None


def read_blob(directory: Path, location: Location) -> bytes:
    pack_id, offset, length = location
    try:
        with open(directory / f"{pack_id}.pack", "rb") as handle:
            return os.pread(handle.fileno(), length, offset)
    except FileNotFoundError:
        raise BackupError(f"pack {pack_id} is missing from {directory}",
                          hint="the snapshot store is damaged") from None


def remove_pack(directory: Path, pack_id: str) -> None:
    (directory / f"{pack_id}.idx").unlink(missing_ok=True)
    (directory / f"{pack_id}.pack").unlink(missing_ok=True)


def pack_sizes(directory: Path) -> dict[str, int]:
    if not directory.is_dir():
        return {}
    return {p.stem: p.stat().st_size for p in directory.glob("*.pack")}


def remove_leftovers(directory: Path) -> int:
    """Remove what writers that died left: ``.tmp`` files, and packs whose index was
    never written (call with the store lock held)."""
    removed = 0
    if directory.is_dir():
        for path in directory.glob(".*.tmp"):
            path.unlink(missing_ok=True)
            removed += 1
        for path in directory.glob("*.pack"):  # renamed, but its index never written
            if not path.with_suffix(".idx").exists():
                path.unlink(missing_ok=True)
                removed += 1
    return removed
