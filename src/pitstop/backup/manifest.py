"""What a snapshot holds, as content-addressed tree objects: one per directory, shared
between snapshots the way restic shares its tree blobs.

A tree object is the compact JSON ::

    {"dirs":[[name,tree],…],"files":[[name,mode,size,blob,mtime_ns,ctime_ns,inode],…],"version":1}

with both lists sorted by name, stored like a file's content (zstd, in a pack) under the
sha256 of that JSON.  A directory whose listing did not change serializes to the same
bytes, so it is the same object in every snapshot that has it: an unchanged snapshot
stores no tree at all, and one changed file costs a new tree for its directory and for
each directory above it.  A snapshot records the digest of its root tree.

Snapshots made before trees existed have one flat index each instead
(``index/<id>.json.zst``, every path of the snapshot in one zstd-compressed JSON
document); :func:`load_index` reads them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import zstandard

from pitstop.backup.blobs import BlobStore
from pitstop.backup.tree import Entry
from pitstop.errors import BackupError

TREE_VERSION = 1


@dataclasses.dataclass(frozen=True)
class TreeWrite:
    root: str  # digest of the root tree
    new_trees: int  # tree objects this write added to the store
    new_bytes: int  # compressed bytes of those


def _depth(directory: str) -> int:
    return directory.count("/") + 1 if directory else 0


def _join(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory else name


def encode_tree(files: list[list[Any]], dirs: list[list[str]]) -> bytes:
    """The canonical bytes of one tree object (both lists sorted by name)."""
    files.sort(key=lambda row: row[0])
    dirs.sort(key=lambda row: row[0])
    document = {"dirs": dirs, "files": files, "version": TREE_VERSION}
    return json.dumps(document, separators=(",", ":")).encode("ascii")


def store_trees(entries: Sequence[Entry], blobs: BlobStore) -> TreeWrite:
    """Store the tree objects of ``entries`` (paths relative to the repository, ``/``
    separated) that ``blobs`` does not have yet; returns the root tree's digest."""
    files: dict[str, list[list[Any]]] = {}
    children: dict[str, set[str]] = {"": set()}  # directory -> names of its subdirectories
    for entry in entries:
        parent, _, name = entry.path.rpartition("/")
        rows = files.get(parent)
        if rows is None:
            rows = files[parent] = []
            directory = parent
            while directory:  # link the new directory and any new ones above it
                up, _, base = directory.rpartition("/")
                known = up in children
                children.setdefault(up, set()).add(base)
                children.setdefault(directory, set())
                if known:
                    break
                directory = up
        rows.append([name, entry.mode, entry.size, entry.digest, entry.mtime_ns,
                     entry.ctime_ns, entry.ino])
    digests: dict[str, str] = {}
    new_trees = new_bytes = 0
    for directory in sorted(children, key=_depth, reverse=True):
        subdirs = [[name, digests[_join(directory, name)]] for name in children[directory]]
        data = encode_tree(files.get(directory, []), subdirs)
        digest = hashlib.sha256(data).hexdigest()
        written = blobs.put(digest, data)
        if written:
            new_trees += 1
            new_bytes += written
        digests[directory] = digest
    return TreeWrite(digests[""], new_trees, new_bytes)


def _damaged(digest: str, why: object) -> BackupError:
    return BackupError(f"tree object {digest[:16]}… is damaged: {why}",
                       hint="the snapshot store is damaged")


def read_tree(blobs: BlobStore, digest: str) -> tuple[list[list[Any]], list[list[str]]]:
    """``(files, dirs)`` of one tree object, its content checked against ``digest``."""
    try:
        document = json.loads(blobs.get(digest))
        if document["version"] != TREE_VERSION:
            raise _damaged(digest, f"unknown tree version {document['version']!r}")
        files, dirs = document["files"], document["dirs"]
    except (ValueError, KeyError, TypeError) as exc:
        raise _damaged(digest, exc) from exc
    if not isinstance(files, list) or not isinstance(dirs, list):
        raise _damaged(digest, "files and dirs must be lists")
    return files, dirs


def _walk(blobs: BlobStore, root: str, seen: set[str] | None
          ) -> Iterator[tuple[str, str, list[list[Any]]]]:
    """``(directory, digest, files)`` of every tree under ``root``, parents first;
    with ``seen``, trees already in it are skipped with everything below them."""
    pending = [("", root)]
    while pending:
        directory, digest = pending.pop()
        if seen is not None:
            if digest in seen:
                continue
            seen.add(digest)
        files, dirs = read_tree(blobs, digest)
        yield directory, digest, files
        try:
            pending.extend((_join(directory, str(name)), str(sub)) for name, sub in dirs)
        except (ValueError, TypeError) as exc:
            raise _damaged(digest, exc) from exc


def read_entries(blobs: BlobStore, root: str) -> list[Entry]:
    """Every file of the snapshot whose root tree is ``root``, sorted by path."""
    entries: list[Entry] = []
    for directory, digest, files in _walk(blobs, root, None):
        prefix = f"{directory}/" if directory else ""
        try:
            entries.extend(Entry(prefix + name, mode, size, blob, mtime_ns, ctime_ns, ino)
                           for name, mode, size, blob, mtime_ns, ctime_ns, ino in files)
        except (TypeError, ValueError) as exc:
            raise _damaged(digest, exc) from exc
    entries.sort(key=lambda e: e.path)
    return entries


def add_references(blobs: BlobStore, root: str, trees: set[str], contents: set[str]) -> None:
    """Add to ``trees`` every tree object reachable from ``root`` and to ``contents``
    the blobs of their files; a tree already in ``trees`` is not read again (snapshots
    share most of their trees)."""
    for _directory, digest, files in _walk(blobs, root, trees):
        try:
            contents.update(str(row[3]) for row in files)
        except (IndexError, TypeError) as exc:
            raise _damaged(digest, exc) from exc


def index_path(root: Path, snapshot_id: str) -> Path:
    return root / "index" / f"{snapshot_id}.json.zst"


def load_index(root: Path, snapshot_id: str) -> list[Entry]:
    """The files of a snapshot made before trees existed (its flat index)."""
    path = index_path(root, snapshot_id)
    try:
        raw = zstandard.ZstdDecompressor().decompress(path.read_bytes())
        rows = json.loads(raw)["files"]
        return [Entry.from_row(row) for row in rows]
    except FileNotFoundError:
        raise BackupError(f"the index of snapshot {snapshot_id} is missing ({path})") from None
    except (zstandard.ZstdError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"the index of snapshot {snapshot_id} is damaged: {exc}") from exc
