"""What pitstop owns in the output directory, and writing only what changed.

``<output>/.pitstop-generated.json`` lists every file pitstop wrote (its sha256), per
module with the hash of the module's OpenAPI document and the generator versions.  It
decides everything here:

* a file pitstop did not write is never deleted; it is overwritten only with
  ``--force`` (a *conflict* otherwise);
* a file pitstop wrote that is no longer produced is removed;
* a file pitstop wrote that someone edited by hand is reported (*edited*) and left
  alone unless ``--force``;
* a changed file is replaced atomically (a temporary file beside it, then
  ``os.replace``), an unchanged one is not touched at all.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Literal

from pitstop.errors import ConfigError

MANIFEST = ".pitstop-generated.json"
FORMAT = 1

Action = Literal["write", "unchanged", "remove", "edited", "conflict"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclasses.dataclass(frozen=True)
class ModuleRecord:
    """One module in the manifest."""

    spec: str
    """sha256 of the module's canonical OpenAPI document."""
    package: str
    files: Mapping[str, str]
    """Path relative to the output directory (``/``-separated) → sha256."""


@dataclasses.dataclass(frozen=True)
class Manifest:
    versions: Mapping[str, str] = dataclasses.field(default_factory=dict)
    modules: Mapping[str, ModuleRecord] = dataclasses.field(default_factory=dict)

    def owner(self, path: str) -> str | None:
        for name, record in self.modules.items():
            if path in record.files:
                return name
        return None

    def to_bytes(self) -> bytes:
        data = {"format": FORMAT, "generator": dict(self.versions),
                "modules": {name: {"spec_sha256": r.spec, "package": r.package,
                                   "files": dict(r.files)}
                            for name, r in self.modules.items()}}
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def read_manifest(output: Path) -> Manifest:
    """The manifest in ``output`` (empty when there is none); a damaged one is a
    :class:`ConfigError` naming it (pitstop will not guess what it owns)."""
    path = output / MANIFEST
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Manifest()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    hint = ("restore it from version control; or delete it, and pitstop will adopt the "
            "files whose content it would write and report the others as conflicts")
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown format {data.get('format')!r}")
        modules = {
            str(name): ModuleRecord(spec=str(m["spec_sha256"]), package=str(m["package"]),
                                    files={str(k): str(v) for k, v in m["files"].items()})
            for name, m in data["modules"].items()}
        versions = {str(k): str(v) for k, v in data.get("generator", {}).items()}
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path} is not a pitstop manifest ({exc})", hint=hint) from None
    for record in modules.values():
        for name in record.files:
            if name.startswith("/") or ".." in Path(name).parts:
                raise ConfigError(f"{path} lists {name!r}, outside the output directory",
                                  hint=hint)
    return Manifest(versions, modules)


@dataclasses.dataclass(frozen=True)
class FileChange:
    """What happens to one file of the output."""

    path: str
    module: str
    action: Action
    reason: str = ""


@dataclasses.dataclass
class Plan:
    """Every file of the modules in play and what to do with it."""

    output: Path
    changes: list[FileChange] = dataclasses.field(default_factory=list)
    contents: dict[str, bytes] = dataclasses.field(default_factory=dict)
    """New content of each file to write."""

    def of(self, module: str, action: Action) -> list[FileChange]:
        return [c for c in self.changes if c.module == module and c.action == action]

    def stale(self) -> list[FileChange]:
        return [c for c in self.changes if c.action != "unchanged"]


def _disk_sha(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return "<directory>"


def plan_module(plan: Plan, module: str, wanted: Mapping[str, bytes | str],
                old: ModuleRecord | None, owner: Manifest, *, force: bool) -> dict[str, str]:
    """Add ``module``'s changes to ``plan``; ``wanted`` maps each file it produces to its
    content, or to the sha256 a kept (not regenerated) client file must have.  Returns
    the files the new manifest records for the module."""
    recorded: dict[str, str] = {}
    previous = dict(old.files) if old else {}
    for path in sorted(wanted):
        content = wanted[path]
        want = content if isinstance(content, str) else sha256(content)
        disk = _disk_sha(plan.output / path)
        ours = previous.get(path)
        if ours is None:
            other = owner.owner(path)
            ours = owner.modules[other].files[path] if other else None
        if disk == want:
            plan.changes.append(FileChange(path, module, "unchanged"))
            recorded[path] = want
            continue
        if disk is not None and ours is None and not force:
            plan.changes.append(FileChange(path, module, "conflict",
                                           "a file pitstop did not write is in the way"))
            continue
        if disk is not None and ours is not None and disk != ours and not force:
            plan.changes.append(FileChange(path, module, "edited",
                                           "edited by hand since pitstop wrote it"))
            recorded[path] = ours
            continue
        if isinstance(content, str):  # a kept file that must be restored: cannot here
            raise AssertionError(f"{path}: content needed but the client was not regenerated")
        plan.changes.append(FileChange(path, module, "write",
                                       "new" if disk is None else "changed"))
        plan.contents[path] = content
        recorded[path] = want
    for path in sorted(set(previous) - set(wanted)):
        disk = _disk_sha(plan.output / path)
        if disk is None:
            continue
        if disk != previous[path] and not force:
            plan.changes.append(FileChange(path, module, "edited",
                                           "no longer generated, but edited by hand: left "
                                           "alone and no longer pitstop's"))
            continue
        plan.changes.append(FileChange(path, module, "remove", "no longer generated"))
    return recorded


def needs_content(output: Path, record: ModuleRecord | None, *, force: bool) -> bool:
    """Whether a module whose client is up to date in the manifest must still be
    regenerated: a recorded client file is missing, or edited and ``force`` restores it."""
    if record is None:
        return True
    for path, want in record.files.items():
        disk = _disk_sha(output / path)
        if disk is None or (disk != want and force):
            return True
    return False


@contextlib.contextmanager
def output_lock(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_file`` (beside the state, not in the output):
    two ``api generate`` runs on one output take turns instead of interleaving."""
    import fcntl

    from pitstop.private import make_private_dir

    make_private_dir(lock_file.parent)
    with open(lock_file, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # waits for the other run to finish writing
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _prune(directory: Path, root: Path) -> None:
    """Remove ``directory`` and its parents up to ``root`` while they are empty."""
    while directory != root and root in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


def apply(plan: Plan, manifest: Manifest) -> None:
    """Write the changed files, remove the ones no longer produced, then the manifest
    (each replaced atomically; unchanged files are not touched)."""
    for change in plan.changes:
        target = plan.output / change.path
        if change.action == "write":
            if target.is_dir():
                raise ConfigError(f"{target} is a directory where pitstop writes a file",
                                  hint="move it away and run again")
            _write_atomic(target, plan.contents[change.path])
        elif change.action == "remove":
            with contextlib.suppress(OSError):
                target.unlink()
            _prune(target.parent, plan.output)
    data = manifest.to_bytes()
    path = plan.output / MANIFEST
    if _disk_sha(path) != sha256(data):
        _write_atomic(path, data)


def diff(plan: Plan, limit: int = 400) -> str:
    """A unified diff of what :func:`apply` would change (text files; at most ``limit``
    lines per file)."""
    out: list[str] = []
    for change in plan.changes:
        if change.action not in ("write", "remove"):
            continue
        target = plan.output / change.path
        try:
            before = target.read_text(encoding="utf-8").splitlines(keepends=True)
        except (FileNotFoundError, UnicodeDecodeError, IsADirectoryError):
            before = []
        after = [] if change.action == "remove" else \
            plan.contents[change.path].decode("utf-8", "replace").splitlines(keepends=True)
        lines = list(difflib.unified_diff(before, after, f"a/{change.path}", f"b/{change.path}"))
        if len(lines) > limit:
            lines = [*lines[:limit], f"... ({len(lines) - limit} more lines)\n"]
        out.extend(line if line.endswith("\n") else line + "\n" for line in lines)
    return "".join(out)
