"""Restoring, comparing and pruning tree snapshots."""

from __future__ import annotations

import dataclasses
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

from pitstop.backup.blobs import BlobStore
from pitstop.backup.git import toplevel, tracked_files
from pitstop.backup.manifest import add_references, index_path
from pitstop.backup.model import Progress, PruneResult
from pitstop.backup.packs import Location, PackWriter, read_blob, remove_leftovers, remove_pack
from pitstop.backup.retention import KeepPolicy, apply_policy
from pitstop.backup.snapshots import (
    Snapshot,
    find_snapshot,
    list_snapshots,
    snapshot_entries,
    snapshot_root,
    snapshot_settings,
    store_lock,
)
from pitstop.backup.tree import Entry, default_workers, scan_tree
from pitstop.config import Settings
from pitstop.errors import BackupError, PermissionDeniedError, UsageError

WORK_TREE = "work tree"


@dataclasses.dataclass(frozen=True)
class SnapshotRestore:
    snapshot: Snapshot
    destination: Path
    files: int
    bytes: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.snapshot.id, "destination": str(self.destination),
                "files": self.files, "bytes": self.bytes}


@dataclasses.dataclass(frozen=True)
class SnapshotDiff:
    old: str
    new: str  # a snapshot id, or "work tree"
    added: tuple[str, ...]
    removed: tuple[str, ...]
    modified: tuple[str, ...]
    mode_changed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.modified or self.mode_changed)

    def to_json(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "added": list(self.added),
                "removed": list(self.removed), "modified": list(self.modified),
                "mode_changed": list(self.mode_changed)}


def _safe_target(dest: Path, path: str) -> Path:
    parts = PurePosixPath(path).parts
    if not parts or PurePosixPath(path).is_absolute() or ".." in parts:
        raise BackupError(f"refusing to restore unsafe path {path!r} from the index")
    return dest.joinpath(*parts)


def restore_snapshot(
    settings: Settings,
    snapshot_id: str,
    destination: Path,
    *,
    progress: Progress | None = None,
) -> SnapshotRestore:
    """Write the files of a snapshot into ``destination`` (new or empty), with their
    content checked against their hashes and their permission bits restored."""
    snapshot = find_snapshot(settings, snapshot_id)
    root = snapshot_root(settings)
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise UsageError(f"{destination} exists and is not an empty directory",
                         hint="restore into a new directory")
    try:
        destination.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PermissionDeniedError(f"cannot create {destination}: {exc}") from exc
    blobs = BlobStore(root / "blobs")
    blobs.load()
    entries = snapshot_entries(root, snapshot, blobs)
    for parent in sorted({_safe_target(destination, e.path).parent for e in entries}):
        parent.mkdir(parents=True, exist_ok=True)
    done = [0]

    def write(entry: Entry) -> int:
        target = _safe_target(destination, entry.path)
        data = blobs.get(entry.digest)
        if stat.S_ISLNK(entry.mode):
            os.symlink(os.fsdecode(data), target)
        else:
            with open(target, "wb") as handle:
                handle.write(data)
            os.chmod(target, stat.S_IMODE(entry.mode))
        return len(data)

    total = 0
    workers = snapshot_settings(settings).workers or default_workers()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for size in pool.map(write, entries):
            total += size
            done[0] += 1
            if progress is not None and (done[0] % 256 == 0 or done[0] == len(entries)):
                progress(done[0], len(entries))
    return SnapshotRestore(snapshot, destination, len(entries), total)


def _compare(old: list[Entry], new: list[Entry]) -> tuple[tuple[str, ...], ...]:
    before = {e.path: e for e in old}
    after = {e.path: e for e in new}
    added = tuple(sorted(set(after) - set(before)))
    removed = tuple(sorted(set(before) - set(after)))
    common = sorted(set(before) & set(after))
    modified = tuple(p for p in common if before[p].digest != after[p].digest)
    modes = tuple(p for p in common if before[p].mode != after[p].mode)
    return added, removed, modified, modes


def diff_snapshots(settings: Settings, old_id: str, new_id: str | None = None) -> SnapshotDiff:
    """What changed between two snapshots, or between a snapshot and the work tree."""
    root = snapshot_root(settings)
    old = find_snapshot(settings, old_id)
    blobs = BlobStore(root / "blobs")
    blobs.load()
    old_entries = snapshot_entries(root, old, blobs)
    if new_id is not None:
        new = find_snapshot(settings, new_id)
        new_entries, new_name = snapshot_entries(root, new, blobs), new.id
    else:
        repo = toplevel(settings.project_dir, environ=settings.environ)
        cache = {e.path: e for e in old_entries}
        scan = scan_tree(repo, tracked_files(repo, environ=settings.environ), cache=cache, blobs=None,
                         workers=snapshot_settings(settings).workers)
        new_entries, new_name = scan.entries, WORK_TREE
    added, removed, modified, modes = _compare(old_entries, new_entries)
    return SnapshotDiff(old.id, new_name, added, removed, modified, modes)


def policy_from_settings(settings: Settings) -> KeepPolicy:
    conf = snapshot_settings(settings)
    return KeepPolicy(last=conf.keep_last, hourly=conf.keep_hourly, daily=conf.keep_daily,
                      weekly=conf.keep_weekly, monthly=conf.keep_monthly,
                      yearly=conf.keep_yearly, within=conf.keep_within)


def prune_snapshots(
    settings: Settings,
    policy: KeepPolicy | None = None,
    *,
    dry_run: bool = False,
) -> PruneResult:
    """Remove the snapshots ``policy`` does not keep, then every blob (file content or
    tree object) no remaining snapshot references."""
    policy = policy if policy is not None and not policy.empty else policy_from_settings(settings)
    root = snapshot_root(settings)
    with store_lock(root):
        snapshots = list_snapshots(settings, strict=True)
        decisions = apply_policy([(s.id, s.created_at) for s in snapshots], policy)
        kept = {d.id for d in decisions if d.keep}
        drop = [d.id for d in decisions if not d.keep]
        blobs = BlobStore(root / "blobs")
        blobs.load()
        trees: set[str] = set()
        referenced: set[str] = set()
        for snapshot in snapshots:
            if snapshot.id not in kept:
                continue
            if snapshot.tree is None:
                referenced.update(e.digest for e in snapshot_entries(root, snapshot))
            else:
                add_references(blobs, snapshot.tree, trees, referenced)
        referenced |= trees
        garbage = [(d, size) for d, size in blobs.loose() if d not in referenced]
        freed = sum(size for _, size in garbage)
        dead_packed = [d for d in blobs.packed if d not in referenced]
        freed += sum(blobs.packed[d][2] for d in dead_packed)
        for snapshot_id in drop:
            index = index_path(root, snapshot_id)
            freed += index.stat().st_size if index.exists() else 0
            if not dry_run:
                (root / "snapshots" / f"{snapshot_id}.json").unlink(missing_ok=True)
                index.unlink(missing_ok=True)
        if not dry_run:
            blobs.remove_leftovers()
            remove_leftovers(blobs.packs_dir)
            for digest, _ in garbage:
                blobs.delete_loose(digest)
            _repack(blobs, referenced)
    return PruneResult(tuple(decisions), tuple(drop), dry_run, freed,
                       len(garbage) + len(dead_packed))


def _repack(blobs: BlobStore, referenced: set[str]) -> None:
    """Drop packs with no live blob; rewrite the live blobs of partly dead packs into
    new packs, then drop the old ones."""
    by_pack: dict[str, list[tuple[str, Location]]] = {}
    for digest, location in blobs.packed.items():
        by_pack.setdefault(location[0], []).append((digest, location))
    writer = PackWriter(blobs.packs_dir)
    obsolete = []
    for pack_id, members in by_pack.items():
        live = [(d, loc) for d, loc in members if d in referenced]
        if len(live) == len(members):
            continue
        for digest, location in live:
            writer.add(digest, read_blob(blobs.packs_dir, location))
        obsolete.append(pack_id)
    writer.finish()  # the new packs exist before the old ones go
    for pack_id in obsolete:
        remove_pack(blobs.packs_dir, pack_id)
