"""Snapshots of the git-tracked files of the repository.

Layout of the snapshot directory (``[snapshot] dir``)::

    packs/<id>.pack        small blobs back to back: file contents and tree objects
    packs/<id>.idx         where each blob of that pack is (zstd-compressed JSON)
    blobs/ab/abcdef…       blobs over 1 MiB, one zstd file each, named by sha256
    snapshots/<id>.json    the summary of one snapshot (what ``list`` shows) and the
                           digest of its root tree
    index/<id>.json.zst    the flat index of a snapshot made before trees existed
    lock                   taken by create and prune

Each distinct file content is stored once; what a snapshot holds is a tree object per
directory (:mod:`pitstop.backup.manifest`), shared by every snapshot in which that
directory's listing is the same.  The summary is written last, so a snapshot exists
only once complete.  An unchanged second snapshot reuses the blobs and trees of the
previous one without reading the files (matched on size, mtime, ctime and inode), so
it costs one summary.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pitstop.backup.blobs import BlobStore
from pitstop.backup.git import dirty_paths, head_commit, toplevel, tracked_files
from pitstop.backup.manifest import load_index, read_entries, store_trees
from pitstop.backup.model import Progress
from pitstop.backup.settings import SnapshotSettings, resolve_dir
from pitstop.backup.tree import Entry, scan_tree
from pitstop.config import Settings
from pitstop.errors import BackupError, PermissionDeniedError, UsageError
from pitstop.private import make_private_dir

log = logging.getLogger("pitstop.backup")


class DirtyTreeError(BackupError):
    """The work tree has uncommitted changes to tracked files."""

    def __init__(self, message: str, paths: list[str], *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.paths = paths


@dataclasses.dataclass(frozen=True)
class Snapshot:
    id: str
    created_at: datetime
    repository: str
    commit: str | None
    files: int
    size: int  # bytes of content in the snapshot
    new_blobs: int  # blobs this snapshot added to the store
    added_bytes: int  # compressed bytes this snapshot added
    partial: bool
    read_bytes: int = 0  # bytes read from the work tree (unchanged files are not read)
    errors: tuple[tuple[str, str], ...] = ()
    dirty: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    label: str | None = None
    duration_seconds: float = 0.0
    tree: str | None = None  # digest of the root tree; None: a flat index (older format)
    new_trees: int = 0  # tree objects this snapshot added to the store

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["errors"] = [{"path": p, "error": e} for p, e in self.errors]
        data["dirty"] = list(self.dirty)
        data["skipped"] = list(self.skipped)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Snapshot:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["created_at"] = datetime.fromisoformat(str(data["created_at"]))
        values["errors"] = tuple((e["path"], e["error"]) for e in data.get("errors", ()))
        values["dirty"] = tuple(data.get("dirty", ()))
        values["skipped"] = tuple(data.get("skipped", ()))
        return cls(**values)


def snapshot_settings(settings: Settings) -> SnapshotSettings:
    return settings.section(SnapshotSettings)


def snapshot_root(settings: Settings) -> Path:
    return resolve_dir(snapshot_settings(settings).dir, settings.project_dir)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def store_lock(root: Path) -> Iterator[None]:
    try:
        make_private_dir(root)
        handle = open(root / "lock", "a+b")  # noqa: SIM115 - held for the block
    except PermissionError as exc:
        raise PermissionDeniedError(f"cannot write to the snapshot directory {root}") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for another snapshot or prune on %s to finish", root)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def list_snapshots(settings: Settings, *, strict: bool = False) -> list[Snapshot]:
    """Every complete snapshot, oldest first.  A summary that cannot be read is
    skipped with a warning, or with ``strict`` (prune, which must not lose what such a
    snapshot references) raises :class:`BackupError`."""
    directory = snapshot_root(settings) / "snapshots"
    if not directory.is_dir():
        return []
    found = []
    for path in directory.glob("*.json"):
        try:
            found.append(Snapshot.from_json(json.loads(path.read_bytes())))
        except (ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
            if strict:
                raise BackupError(f"the snapshot summary {path} cannot be read: {exc}",
                                  hint="restore it from a copy, or move it out of the "
                                  "snapshot directory to give that snapshot up") from exc
            log.warning("skipping unreadable snapshot summary %s: %s", path, exc)
    return sorted(found, key=lambda s: (s.created_at, s.id))


def find_snapshot(settings: Settings, ref: str) -> Snapshot:
    """The snapshot with id ``ref``, a unique prefix of one, or ``latest``."""
    snapshots = list_snapshots(settings)
    if not snapshots:
        raise BackupError(f"no snapshots in {snapshot_root(settings)}",
                          hint="create one with `pitstop snapshot create`")
    if ref == "latest":
        return snapshots[-1]
    matches = [s for s in snapshots if s.id == ref] or [
        s for s in snapshots if s.id.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise BackupError(f"no snapshot with id {ref!r}", hint="see `pitstop snapshot list`")
    raise UsageError(f"{ref!r} matches {len(matches)} snapshots",
                     hint="give more characters of the id")


def snapshot_entries(root: Path, snapshot: Snapshot, blobs: BlobStore | None = None
                     ) -> list[Entry]:
    """Every file of ``snapshot``, sorted by path (``blobs``: the store, loaded)."""
    if snapshot.tree is None:
        return load_index(root, snapshot.id)
    if blobs is None:
        blobs = BlobStore(root / "blobs")
        blobs.load()
    return read_entries(blobs, snapshot.tree)


def create_snapshot(
    settings: Settings,
    *,
    force: bool = False,
    label: str | None = None,
    progress: Progress | None = None,
) -> Snapshot:
    """Snapshot the git-tracked files of the repository around the project directory.

    Refuses a tree with uncommitted changes to tracked files unless ``force``.  Files
    that cannot be read are listed in ``errors`` and the snapshot is ``partial``.
    """
    conf = snapshot_settings(settings)
    repo = toplevel(settings.project_dir, environ=settings.environ)
    root = snapshot_root(settings)
    dirty = dirty_paths(repo, environ=settings.environ)
    if dirty and not force:
        shown = "\n  ".join(dirty[:20]) + ("\n  …" if len(dirty) > 20 else "")
        raise DirtyTreeError(f"the work tree has uncommitted changes:\n  {shown}", dirty,
                             hint="commit or stash them, or pass --force")
    started = datetime.now(UTC)
    clock = time.monotonic()
    files = tracked_files(repo, environ=settings.environ)
    with contextlib.suppress(ValueError):
        inside = root.resolve().relative_to(repo.resolve()).as_posix() + "/"
        files = [f for f in files if not f.path.startswith(inside)]
    blobs = BlobStore(root / "blobs", conf.level)
    with store_lock(root):
        blobs.open_for_writing()
        previous = list_snapshots(settings)
        cache = ({e.path: e for e in snapshot_entries(root, previous[-1], blobs)}
                 if previous else {})
        try:
            scan = scan_tree(repo, files, cache=cache, blobs=blobs, workers=conf.workers,
                             progress=progress)
            trees = store_trees(scan.entries, blobs)
            blobs.finish()  # packs are fsynced as they are closed
        except BaseException:
            blobs.abort()
            raise
        if blobs.loose_written:
            os.sync()  # big blobs are written without one fsync each; flush them at once
        snapshot_id = f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
        snapshot = Snapshot(
            id=snapshot_id, created_at=started, repository=str(repo),
            commit=head_commit(repo, environ=settings.environ), files=len(scan.entries),
            size=sum(e.size for e in scan.entries), new_blobs=scan.new_blobs,
            added_bytes=scan.new_bytes + trees.new_bytes, partial=bool(scan.errors),
            read_bytes=scan.read_bytes,
            errors=tuple(scan.errors), dirty=tuple(dirty), skipped=tuple(scan.skipped),
            label=label, duration_seconds=round(time.monotonic() - clock, 3),
            tree=trees.root, new_trees=trees.new_trees,
        )
        _write_atomic(root / "snapshots" / f"{snapshot_id}.json",
                      json.dumps(snapshot.to_json(), indent=2).encode())
    return snapshot
