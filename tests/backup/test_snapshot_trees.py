"""Snapshot manifests as shared tree objects: an unchanged snapshot of a real
3,000-file tree adds almost nothing, snapshots share directory listings, prune keeps
what is shared, and a store written in the earlier flat-index format keeps working."""

from __future__ import annotations

import base64
import io
import json
import lzma
import os
import shutil
import sysconfig
import tarfile
from pathlib import Path

import pytest

import pitstop.backup as api
from gitutil import git
from pitstop.backup.blobs import BlobStore
from pitstop.backup.manifest import add_references
from pitstop.config import Settings
from pitstop.errors import BackupError
from settings_builder import build_settings

from .conftest import tree_state


def store_bytes(store: Path) -> int:
    """Bytes of every file in the snapshot store (the empty lock file aside)."""
    return sum(p.stat().st_size for p in store.rglob("*") if p.is_file())


def copy_real_tree(repo: Path, count: int, max_size: int = 8192) -> None:
    """Copy ``count`` real files (the smaller source files of this interpreter's
    standard library and site-packages, with their directories) into ``repo`` and
    commit them: the shape of a backend's repository."""
    copied = 0
    paths = sysconfig.get_paths()
    for label, root in (("stdlib", paths["stdlib"]), ("site-packages", paths["purelib"])):
        for current, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs
                             if d not in ("__pycache__", "site-packages", "dist-packages"))
            for name in sorted(files):
                source = os.path.join(current, name)
                if os.path.islink(source) or not os.path.isfile(source) \
                        or os.path.getsize(source) > max_size:
                    continue
                target = repo / label / os.path.relpath(source, root)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                copied += 1
                if copied == count:
                    git(repo, "add", "-A")
                    git(repo, "commit", "-q", "-m", "real tree")
                    return
    pytest.skip(f"only {copied} source files found to build a {count}-file tree")


@pytest.fixture
def real_repo(git_repo: Path) -> Path:
    (git_repo / ".gitignore").write_text(".pitstop/\n")
    copy_real_tree(git_repo, 2999)  # and .gitignore: 3,000 tracked files
    return git_repo


def test_unchanged_snapshot_of_a_real_tree_adds_under_one_percent(real_repo: Path) -> None:
    settings = build_settings(real_repo)
    store = real_repo / ".pitstop" / "snapshots"
    first = api.create_snapshot(settings)
    assert first.files == 3000 and first.tree is not None
    directories = {str(parent) for path in git(real_repo, "ls-files", "-z").split("\0")
                   if path for parent in Path(path).parents}
    assert first.new_trees == len(directories)  # one tree per directory, the root included
    after_first = store_bytes(store)
    second = api.create_snapshot(settings)
    added = store_bytes(store) - after_first
    assert (second.tree, second.new_trees, second.new_blobs, second.added_bytes) == (
        first.tree, 0, 0, 0)
    assert added < after_first / 100, (added, after_first)  # only the summary
    # one changed file costs its content and the trees of its directory and those above
    changed = next(p for p in sorted((real_repo / "stdlib").rglob("*.py"))
                   if p.parent.parent == real_repo / "stdlib")
    changed.write_text("changed = True\n")
    git(real_repo, "commit", "-q", "-am", "change one file")
    third = api.create_snapshot(settings)
    assert (third.new_blobs, third.new_trees) == (1, 3)  # root, stdlib/, stdlib/<pkg>/
    assert api.diff_snapshots(settings, old_id=second.id, new_id=third.id).modified == (
        changed.relative_to(real_repo).as_posix(),)


def test_snapshots_share_trees_and_prune_keeps_the_shared_ones(git_repo: Path,
                                                               tmp_path: Path) -> None:
    for directory in ("a/deep/er", "a/side", "b"):
        (git_repo / directory).mkdir(parents=True)
        (git_repo / directory / "file.txt").write_text(f"in {directory}\n")
    (git_repo / "a.txt").write_text("a file named like a directory\n")
    (git_repo / ".gitignore").write_text(".pitstop/\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "tree")
    settings = build_settings(git_repo)
    first = api.create_snapshot(settings)
    assert first.new_trees == 6  # root, a, a/deep, a/deep/er, a/side, b
    (git_repo / "a" / "deep" / "er" / "file.txt").write_text("changed\n")
    git(git_repo, "commit", "-q", "-am", "change")
    second = api.create_snapshot(settings)
    assert second.new_trees == 4  # a/deep/er and the three above it; a/side and b shared
    root = git_repo / ".pitstop" / "snapshots"
    result = api.prune_snapshots(settings, policy=api.KeepPolicy(last=1))
    assert result.removed == (first.id,)
    assert result.blobs_removed == 1 + 4  # the old content and the old trees on its path
    blobs = BlobStore(root / "blobs")
    blobs.load()
    trees: set[str] = set()
    contents: set[str] = set()
    assert second.tree is not None
    add_references(blobs, second.tree, trees, contents)
    assert set(blobs.packed) == trees | contents  # nothing live lost, nothing dead kept
    api.restore_snapshot(settings, snapshot_id=second.id, destination=tmp_path / "out")
    assert tree_state(tmp_path / "out") == tree_state(git_repo)


def test_names_that_are_not_utf8_round_trip_through_trees(git_repo: Path,
                                                          tmp_path: Path) -> None:
    odd = os.fsdecode(b"caf\xe9 \xff.txt")
    (git_repo / "dir").mkdir()
    (git_repo / "dir" / odd).write_bytes(b"latin-1 name\n")
    (git_repo / "ünï").mkdir()
    (git_repo / "ünï" / "cödé.py").write_text("x = 1\n")
    (git_repo / ".gitignore").write_text(".pitstop/\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "odd names")
    settings = build_settings(git_repo)
    snapshot = api.create_snapshot(settings)
    assert snapshot.files == 3 and not snapshot.partial
    api.restore_snapshot(settings, snapshot_id=snapshot.id, destination=tmp_path / "out")
    assert (tmp_path / "out" / "dir" / odd).read_bytes() == b"latin-1 name\n"
    assert tree_state(tmp_path / "out") == tree_state(git_repo)
    assert not api.diff_snapshots(settings, old_id=snapshot.id).changed


def test_a_damaged_tree_is_detected(git_repo: Path, tmp_path: Path) -> None:
    (git_repo / "src").mkdir()
    (git_repo / "src" / "app.py").write_text("print('hi')\n")
    (git_repo / ".gitignore").write_text(".pitstop/\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "tree")
    settings = build_settings(git_repo)
    snapshot = api.create_snapshot(settings)
    blobs = BlobStore(git_repo / ".pitstop" / "snapshots" / "blobs")
    blobs.load()
    assert snapshot.tree is not None
    pack_id, offset, length = blobs.packed[snapshot.tree]
    pack = blobs.packs_dir / f"{pack_id}.pack"
    data = bytearray(pack.read_bytes())
    data[offset + length // 2] ^= 0xFF
    pack.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="damaged"):
        api.restore_snapshot(settings, snapshot_id=snapshot.id, destination=tmp_path / "out")
    with pytest.raises(BackupError, match="damaged"):
        api.prune_snapshots(settings, policy=api.KeepPolicy(last=1))
    assert api.list_snapshots(settings).snapshots == (snapshot,)  # prune removed nothing


def test_prune_refuses_when_a_summary_cannot_be_read(git_repo: Path) -> None:
    (git_repo / "file.txt").write_text("content\n")
    (git_repo / ".gitignore").write_text(".pitstop/\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "tree")
    settings = build_settings(git_repo)
    kept = api.create_snapshot(settings)
    hidden = api.create_snapshot(settings, label="unreadable")
    summary = git_repo / ".pitstop" / "snapshots" / "snapshots" / f"{hidden.id}.json"
    summary.write_text("{not json")
    assert api.list_snapshots(settings).snapshots == (kept,)  # list skips it (with a warning)
    with pytest.raises(BackupError, match=f"{hidden.id}.json cannot be read"):
        api.prune_snapshots(settings, policy=api.KeepPolicy(last=1))


def test_pack_indexes_are_stored_compressed(git_repo: Path) -> None:
    (git_repo / "file.txt").write_text("content\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "tree")
    api.create_snapshot(build_settings(git_repo))
    [idx] = (git_repo / ".pitstop" / "snapshots" / "packs").glob("*.idx")
    assert idx.read_bytes().startswith(b"\x28\xb5\x2f\xfd")  # a zstd frame


# A snapshot store written by pitstop before tree objects existed (flat index
# index/<id>.json.zst, pack index as plain JSON, one loose blob), of the work tree that
# `old_format_repo` rebuilds: tar.xz of the store directory, base64.
OLD_STORE = """
/Td6WFoAAATm1rRGAgAhARwAAAAQz1jM4Cf/B9xdADmbiEge2F2mJY7uPw2hLPJi9hSXlLGGCGXs
vd3KRBeleRbqoBH3wXc/g92ORsNLR27gRG/T+GjxCw2tdbwEQBnRlu9w4XHo2660QuSsVc1BU+tC
b68uulOZSgSHI7rK198Tq6jgn/iws8RP7p2xf5AjyeIO7Tra9M5KrohBrE03AgOfv7jk+3C9juDY
pechxi7YMgITCNIhqls933aRyAG/TBLsTXmRvuotJ2CHr2q1ykwMISbs8v7yV9/FETco8+BgScP8
sh3YXFOMzzEH3yE1Blkzz5m5W+rqGLMGDjRNxsBu5m5fK7vvpOAeb8S77lUD6DhNokX0BVabsWZE
Zvf2M5/EVeldepV8exTT9bnRjsFX8AevpcNa3x+iYt/26Fb/8SCCXibv0C7YLX7RgNzz1lwedSY8
DbFcII+k84Lrndlm1ZwRiBO1OzsTmn1W+gf4PYFtQknWCnVGSHhFWte7ApaOgChqKwT9l8CSJeuK
VZEmStEOfmX4TjcDQSXn7DP9UWNWUGoOfQvRPf5J0CTQIm9PyKjfhH5J5KWmcwRyt6ftUSIq+ycI
udfofaFgZF0jnILWzRg5rDC47uw8C+qQybRPh8w5A/MrK092D+hyCQZD+BCpDTES2RzjBE7TtKKu
sZkbprc3OTqgBnejPYPr1LaRIOEMd/1YCLlFWpXYgMjln7AkO4VtRDlWhXr/1baHJHc5rvUXAOm+
vDxHGuYuSejq8rKGyuI+22LLIPTrnvx3VLyVD5U15axf0/f71d8THwWe6LaYMYelrFtmE80NEW99
/ZV7epZtnf49CatTE5bZrX3mGQ54uxB4svly8UMe7uHBUIYaXWpGHcM6EKFUNe+h607I4P0PBJZ7
UByw0eO7Jricg6e7E3TXc+okl5rH06mo1loMAqOZuBV+GO2dkOeq/LDx7FdWRAgJBIrFjEEEbXXo
XfqRCeIWxRB874xiu8UJkin9EHwq70Jm5qBHaVLjF7w0IPuSUH2JzncwWShdk/x5kmdYO0R55WME
vlboghklq5AIg8W6QVypikwL0glNNnQIlkC2CbwquGP0RbGkdvPNnye3b5cZl0lIIPU/xgdMoUE+
WFeZ2P1h606iLln5CShlsx4FMqoS3Et8W08SWwr+x/M+87Wwd5jLxKpet/3fmLkHEobRDhXwuu9p
BSqIgGP9ZjkPFHV2AAFKO+aZYMJiltlPqjdwGZWZ6NvpCbovJZHa8wbqePOIGY2SNWn2GPyFrIn2
HDj/z62Qb2j/+PlWH9F+0xyxy1UUN7MRtS8HEhQf/D+Edgct5axKNbDJshx+uIxx/R9bser6G7LT
+mVhRfKvFjciYb2JP9QHhlzqC3nAGaadkXPRdHx2P4B7m91AOF+mCGGIdLS7Z13TWIY7B/ZNncIo
sHZgq55VrOHo4l6/73v76wlnizwg61Vg3jCOXZ5/vi5umloLU404PS+3hCz88i3qDmnjq9Sem3Y+
+yCP93J6tPhMSI78fW6DgpHGsbemIWrjOrk6vS5D5xABcaTn8axCPUEJ/+JfMGYgCJokmqYIf25F
bfL7C2Zn2w2hmYu6IDj7onVhiPpMGztidlo2KWfMktS0D0eenzJ8NrAfKpZlIMPoq5jFcK3r8IuF
XpwqPfwPxyzBv8p9YwYlpQCoRRU4ovfdtCEAnA9A5RvjxP7/3UKWTFMZZWGGN1rsvBWE/q1Qp6rU
sF7tlGYdNwqWU08ofv5C9XaVzASlCowd0Yvl6e/LQ5Qby0G2Cry4nYWmyelKOFLpZcn8jjuW59J/
d05CyrNHaihO4elI/kvRbtytScwhV5H2akVbauHrA0zYyOcMBmDDHrbZBgUUplDd5Wp1SvWvNQgx
p3BpCJRk98mX+5tmiaRfPbr2OHViREGmZccoX+KuFksi7xkVkS0TbptNIhMV0rR8hUCWY8/1Pokh
F5xpPzqLopDxtBQFHE2oumzfOQmcHiiF3S8h3Ud2EEmcSg2lEGI7UHDot2ZqoF+6AzWcgWACntWe
t8TpJFb/gIbxLBnwEg1GMiebLFMGgHJrPm0sw9z8qRgsbF3Op7K5gLlUKME1BdME0//L+htDeMgq
NkYDSCC5BeSVam00h0IdqjwB8ISuMHHX5v3d8XYqJNOOmvR2eckC999Pir83SEIM8Z74a395z18O
fRW+DP4ZqTnEDyVoAn9mBV1i7vhJCdqijguBTfABx/bT6u68CJbHCLNd2GxhVXACw++NBMvfLmZY
Pe9+eC4GdqzeSY5fRy41UHrWlQwdX3P6w4Gjbkvq+xc6ykfhqLVKplug3MxyJWKo0Q/3/2dxf6N3
K73SudBEmtGM1BgcVur98tB6Cnq5H6YhQ6joScq1piyt18ySQS79HMrGAxw51a48ttHrITXSpX5X
QE44efXgDMeNC7KSIQskRRKZ+KtcLtlvKRi5ua73l4mBPETANTHUCO5FB0GyeXjAVyFGmZ5XCCez
wTy/745hJMgooazDXqoNjEDTg/YMHWE6voVJWwh/yTshY2hNBosuQp8dtk+Oqj0B18QzQkBKl5qP
k2N5ug4v9Ej+yEucMQT64qFh8p0nfPEyuHWJT50ToBrylzLaUvbteqQHQSwKp2tO3shcnwOI1Ckb
w2o+5xv9fOBx4hznt6OcmMU8qvCj0mtK13hSXmBZjQPkqxrPz2QKgdlfYa2zyLoAAEGkKxxX5HCG
AAH4D4BQAADzQCE5scRn+wIAAAAABFla
"""
OLD_SNAPSHOT_ID = "20261206T033044Z-3de4f8"


@pytest.fixture
def old_format_repo(git_repo: Path) -> Path:
    (git_repo / "src" / "pkg").mkdir(parents=True)
    (git_repo / "src" / "app.py").write_text('print("hello")\n')
    (git_repo / "src" / "copy.py").write_text('print("hello")\n')
    (git_repo / "src" / "pkg" / "mod.py").write_text("VALUE = 1\n")
    (git_repo / "bin").mkdir()
    (git_repo / "bin" / "run.sh").write_text("#!/bin/sh\necho run\n")
    (git_repo / "bin" / "run.sh").chmod(0o755)
    os.symlink("src/app.py", git_repo / "link")
    (git_repo / "README").write_text("read me\n")
    (git_repo / ".gitignore").write_text(".pitstop/\n")
    (git_repo / "data").mkdir()
    (git_repo / "data" / "big.txt").write_text("".join(f"line {i % 1000}\n"
                                                       for i in range(150000)))
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "the tree of the old snapshot")
    store = git_repo / ".pitstop" / "snapshots"
    store.mkdir(parents=True)
    archive = lzma.decompress(base64.b64decode(OLD_STORE))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            source = tar.extractfile(member) if member.isfile() else None
            if source is not None:
                (store / member.name).parent.mkdir(parents=True, exist_ok=True)
                (store / member.name).write_bytes(source.read())
    return git_repo


def test_a_store_in_the_flat_index_format_keeps_working(old_format_repo: Path,
                                                        tmp_path: Path) -> None:
    settings: Settings = build_settings(old_format_repo)
    store = old_format_repo / ".pitstop" / "snapshots"
    [idx] = (store / "packs").glob("*.idx")
    assert idx.read_bytes().startswith(b"{")  # the old, uncompressed pack index
    [old] = api.list_snapshots(settings).snapshots
    assert (old.id, old.tree, old.files, old.label) == (OLD_SNAPSHOT_ID, None, 8, "old format")
    expected = tree_state(old_format_repo)
    api.restore_snapshot(settings, snapshot_id="latest", destination=tmp_path / "old")
    assert tree_state(tmp_path / "old") == expected
    assert not api.diff_snapshots(settings, old_id=old.id).changed
    # the next snapshot is written in the new format and reuses every stored content
    new = api.create_snapshot(settings)
    assert new.tree is not None and (new.files, new.new_blobs) == (8, 0)
    assert not api.diff_snapshots(settings, old_id=old.id, new_id=new.id).changed
    result = api.prune_snapshots(settings, policy=api.KeepPolicy(last=1))
    assert result.removed == (old.id,) and result.blobs_removed == 0  # all shared
    assert not (store / "index" / f"{old.id}.json.zst").exists()
    assert idx.exists()  # its blobs are all still used: the pack stays as it was
    api.restore_snapshot(settings, snapshot_id=new.id, destination=tmp_path / "new")
    assert tree_state(tmp_path / "new") == expected


def test_cli_reports_trees_and_a_refused_prune(git_repo: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    (git_repo / "src").mkdir()
    (git_repo / "src" / "app.py").write_text("x = 1\n")
    (git_repo / ".gitignore").write_text(".pitstop/\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "tree")
    monkeypatch.chdir(git_repo)
    assert main(["snapshot", "create", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["new_blobs"], data["new_trees"], len(data["tree"])) == (2, 2, 64)
    assert main(["snapshot", "create"]) == 0
    assert "added 0 blobs and 0 trees" in capsys.readouterr().out
    (git_repo / ".pitstop" / "snapshots" / "snapshots" / f"{data['id']}.json").write_text("[")
    assert main(["snapshot", "prune", "--keep-last", "1"]) == 1
    assert f"{data['id']}.json cannot be read" in capsys.readouterr().err
