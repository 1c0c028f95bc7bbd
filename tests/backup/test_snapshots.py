"""Snapshots of the git-tracked tree: dedup, restore equality, dirty refusal,
unreadable files, diff and prune, against real git repositories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import pitstop.backup as api
from gitutil import git
from pitstop.config import Settings
from pitstop.errors import BackupError, UsageError
from settings_builder import build_settings

from .conftest import tree_state


def populate(repo: Path) -> None:
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("print('hello')\n" * 50)
    (repo / "src" / "copy.py").write_text("print('hello')\n" * 50)  # same content
    (repo / "bin").mkdir()
    (repo / "bin" / "run.sh").write_text("#!/bin/sh\necho run\n")
    (repo / "bin" / "run.sh").chmod(0o755)
    (repo / "data").mkdir()
    (repo / "data" / "blob.bin").write_bytes(os.urandom(200_000))
    (repo / "empty").write_bytes(b"")
    (repo / "dätä with space.txt").write_text("ünïcode\n")
    os.symlink("src/app.py", repo / "link")
    (repo / "untracked.txt").write_text("not in git\n")
    (repo / ".gitignore").write_text("untracked.txt\n.pitstop/\n")
    git(repo, "add", "src", "bin", "data", "empty", "dätä with space.txt", "link", ".gitignore")
    git(repo, "commit", "-q", "-m", "initial")


@pytest.fixture
def repo(git_repo: Path) -> Path:
    populate(git_repo)
    return git_repo


@pytest.fixture
def settings(repo: Path) -> Settings:
    return build_settings(repo)


def commit_all(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_snapshot_stores_each_content_once(settings: Settings, repo: Path) -> None:
    first = api.create_snapshot(settings, label="first")
    assert first.files == 8 and not first.partial and first.dirty == ()
    assert first.new_blobs == 7  # app.py and copy.py share one blob
    assert first.commit == git(repo, "rev-parse", "HEAD").strip()
    assert first.size == sum(len(v[0]) for k, v in tree_state(repo).items()
                             if k not in ("untracked.txt",))
    assert first.new_trees == 4  # the root, src/, bin/ and data/
    second = api.create_snapshot(settings)
    assert second.new_blobs == 0 and second.new_trees == 0 and second.tree == first.tree
    assert second.read_bytes == 0  # nothing changed, nothing was read
    assert second.added_bytes == 0  # every tree is shared with the first snapshot
    (repo / "src" / "app.py").write_text("print('changed')\n")
    commit_all(repo)
    third = api.create_snapshot(settings)
    assert third.new_blobs == 1 and third.new_trees == 2  # src/ and the root
    assert third.read_bytes == len("print('changed')\n")
    assert [s.id for s in api.list_snapshots(settings).snapshots] == [first.id, second.id, third.id]


def test_restore_reproduces_content_and_modes(settings: Settings, repo: Path,
                                              tmp_path: Path) -> None:
    snapshot = api.create_snapshot(settings)
    dest = tmp_path / "restored"
    result = api.restore_snapshot(settings, snapshot_id=snapshot.id, destination=dest)
    assert result.files == 8
    expected = {k: v for k, v in tree_state(repo).items() if k != "untracked.txt"}
    assert tree_state(dest) == expected
    assert expected["bin/run.sh"][1] == 0o755
    assert os.readlink(dest / "link") == "src/app.py"
    with pytest.raises(UsageError, match="not an empty directory"):
        api.restore_snapshot(settings, snapshot_id=snapshot.id, destination=dest)


def test_dirty_tree_is_refused_with_the_list(settings: Settings, repo: Path,
                                             tmp_path: Path) -> None:
    (repo / "src" / "app.py").write_text("edited\n")
    (repo / "new.txt").write_text("staged\n")
    git(repo, "add", "new.txt")
    (repo / "empty").unlink()
    with pytest.raises(api.DirtyTreeError) as info:
        api.create_snapshot(settings)
    assert info.value.paths == ["D empty", "A new.txt", "M src/app.py"]
    assert "src/app.py" in info.value.message
    assert info.value.hint == "commit or stash them, or pass force"  # the option, no flag
    assert api.list_snapshots(settings).snapshots == ()
    forced = api.create_snapshot(settings, force=True)
    assert forced.dirty == ("D empty", "A new.txt", "M src/app.py")
    assert forced.files == 8  # new.txt in, deleted empty out
    api.restore_snapshot(settings, snapshot_id=forced.id, destination=tmp_path / "out")
    assert (tmp_path / "out" / "src" / "app.py").read_text() == "edited\n"
    assert (tmp_path / "out" / "new.txt").read_text() == "staged\n"


def test_untracked_files_do_not_make_the_tree_dirty(settings: Settings, repo: Path) -> None:
    (repo / "scratch.log").write_text("x")
    snapshot = api.create_snapshot(settings)
    assert snapshot.dirty == ()


def _make_unreadable(path: Path) -> None:
    if os.geteuid() != 0:
        path.chmod(0)
    else:  # root reads everything: make the tracked path something that is not a file
        path.unlink()
        path.mkdir()


def test_unreadable_file_makes_a_partial_snapshot(settings: Settings, repo: Path,
                                                  tmp_path: Path) -> None:
    _make_unreadable(repo / "src" / "copy.py")
    snapshot = api.create_snapshot(settings, force=True)
    assert snapshot.partial
    assert [p for p, _ in snapshot.errors] == ["src/copy.py"]
    assert snapshot.files == 7
    listed = api.list_snapshots(settings).snapshots[-1]
    assert listed.partial and listed.errors == snapshot.errors
    api.restore_snapshot(settings, snapshot_id=snapshot.id, destination=tmp_path / "out")
    assert not (tmp_path / "out" / "src" / "copy.py").exists()
    assert (tmp_path / "out" / "src" / "app.py").exists()


def test_diff_against_work_tree_and_between_snapshots(settings: Settings, repo: Path) -> None:
    first = api.create_snapshot(settings)
    assert not api.diff_snapshots(settings, old_id=first.id).changed
    (repo / "src" / "app.py").write_text("changed\n")
    (repo / "empty").unlink()
    (repo / "added.txt").write_text("new\n")
    (repo / "data" / "blob.bin").chmod(0o755)
    commit_all(repo)
    diff = api.diff_snapshots(settings, old_id=first.id)
    assert (diff.added, diff.removed, diff.modified, diff.mode_changed) == (
        ("added.txt",), ("empty",), ("src/app.py",), ("data/blob.bin",))
    assert diff.new == "work tree"
    second = api.create_snapshot(settings)
    between = api.diff_snapshots(settings, old_id=first.id, new_id=second.id)
    assert between.to_dict() | {"new": "work tree"} == diff.to_dict()


def test_prune_removes_snapshots_and_unreferenced_blobs(settings: Settings, repo: Path,
                                                         tmp_path: Path) -> None:
    ids = []
    for i in range(3):
        (repo / "src" / "app.py").write_text(f"version {i}\n")
        commit_all(repo)
        ids.append(api.create_snapshot(settings).id)
    # each dropped snapshot leaves one content of src/app.py and the trees of src/ and
    # of the root that listed it
    dry = api.prune_snapshots(settings, policy=api.KeepPolicy(last=1), dry_run=True)
    assert dry.removed == (ids[0], ids[1]) and dry.blobs_removed == 2 + 2 * 2
    assert len(api.list_snapshots(settings).snapshots) == 3
    done = api.prune_snapshots(settings, policy=api.KeepPolicy(last=1))
    assert done.removed == (ids[0], ids[1]) and done.blobs_removed == 2 + 2 * 2
    assert done.freed_bytes > 0
    assert [s.id for s in api.list_snapshots(settings).snapshots] == [ids[2]]
    api.restore_snapshot(settings, snapshot_id=ids[2], destination=tmp_path / "out")
    assert (tmp_path / "out" / "src" / "app.py").read_text() == "version 2\n"
    again = api.prune_snapshots(settings, policy=api.KeepPolicy(last=1))
    assert again.removed == () and again.blobs_removed == 0
    # the partly dead packs were rewritten: only live blobs remain on disk
    from pitstop.backup.blobs import BlobStore

    store = BlobStore(repo / ".pitstop" / "snapshots" / "blobs")
    store.load()
    # app.py now differs from copy.py; trees of the root, src/, bin/ and data/
    assert len(store.packed) == 8 + 4
    packs = list((repo / ".pitstop" / "snapshots" / "packs").iterdir())
    on_disk = sum(p.stat().st_size for p in packs if p.suffix == ".pack")
    assert on_disk == sum(length for _, _, length in store.packed.values())
    assert all(p.suffix in (".pack", ".idx") for p in packs)


def test_prune_keep_within_from_config(repo: Path) -> None:
    (repo / "pitstop.toml").write_text('[snapshot]\nkeep-within = "1h"\n')
    settings = build_settings(repo)
    api.create_snapshot(settings, force=True)
    result = api.prune_snapshots(settings)
    assert result.removed == () and result.decisions[0].reasons == ("within 1h",)


def test_damaged_blob_is_detected_on_restore(settings: Settings, repo: Path,
                                             tmp_path: Path) -> None:
    snapshot = api.create_snapshot(settings)
    packs = sorted((repo / ".pitstop" / "snapshots" / "packs").glob("*.pack"))
    assert len(packs) == 1  # small contents share one pack file
    data = bytearray(packs[0].read_bytes())
    data[len(data) // 2] ^= 0xFF
    packs[0].write_bytes(bytes(data))
    with pytest.raises(BackupError, match="damaged"):
        api.restore_snapshot(settings, snapshot_id=snapshot.id, destination=tmp_path / "out")


def test_not_a_git_repository(project: Path) -> None:
    with pytest.raises(BackupError, match="not inside a git work tree"):
        api.create_snapshot(build_settings(project))


def test_inherited_git_variables_are_ignored(settings: Settings, repo: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "index"))
    snapshot = api.create_snapshot(settings)
    assert snapshot.files == 8


def test_progress_counts_files(settings: Settings) -> None:
    seen: list[tuple[int, int | None]] = []
    api.create_snapshot(settings, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (8, 8)


def test_unknown_snapshot_id(settings: Settings) -> None:
    api.create_snapshot(settings)
    with pytest.raises(BackupError, match="no snapshot with id"):
        api.restore_snapshot(settings, snapshot_id="nope", destination=Path("/nonexistent/x"))



def test_large_files_are_streamed(settings: Settings, repo: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from pitstop.backup import tree

    monkeypatch.setattr(tree, "LARGE_FILE", 1000)
    (repo / "data" / "zeros.bin").write_bytes(b"\0" * 3_000_000)  # compresses to ~100 bytes
    commit_all(repo)
    snapshot = api.create_snapshot(settings)
    assert snapshot.files == 9 and not snapshot.partial
    api.restore_snapshot(settings, snapshot_id=snapshot.id, destination=tmp_path / "out")
    expected = {k: v for k, v in tree_state(repo).items() if k != "untracked.txt"}
    assert tree_state(tmp_path / "out") == expected


def test_interrupted_create_leaves_no_snapshot_and_prune_sweeps_leftovers(
    settings: Settings, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pitstop.backup import snapshot

    def explode(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(snapshot, "head_commit", explode)  # after the blobs are written
    with pytest.raises(KeyboardInterrupt):
        api.create_snapshot(settings)
    monkeypatch.undo()
    assert api.list_snapshots(settings).snapshots == ()
    packs = repo / ".pitstop" / "snapshots" / "packs"
    (packs / ".deadbeef.pack.tmp").write_bytes(b"left by a killed writer")
    (packs / "feedface.pack").write_bytes(b"renamed, but no index was written")
    api.create_snapshot(settings)
    api.prune_snapshots(settings, policy=api.KeepPolicy(last=1))
    assert not list(packs.glob(".*"))
    assert not (packs / "feedface.pack").exists()
