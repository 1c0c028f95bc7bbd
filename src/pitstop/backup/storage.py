"""Where backup files live, behind a small interface so that an S3-compatible store
can be added without touching the dumpers.

Every write is atomic: bytes go to a hidden ``.NAME.XXXX.partial`` file in the same
directory, are fsynced, and the file is renamed into place only when the writer
finishes without error.  A failed, killed or interrupted write leaves no file under
the final name (at most a hidden ``.partial`` file, which :meth:`sweep_partials`
removes).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from pitstop.errors import BackupError, PermissionDeniedError
from pitstop.private import make_private_dir

PARTIAL_SUFFIX = ".partial"


class Storage(Protocol):
    """A flat namespace of named files."""

    location: str

    def writer(self, name: str) -> contextlib.AbstractContextManager[BinaryIO]: ...
    def file_writer(self, name: str) -> contextlib.AbstractContextManager[Path]: ...
    def write_bytes(self, name: str, data: bytes) -> None: ...
    def open(self, name: str) -> BinaryIO: ...
    def read_bytes(self, name: str) -> bytes: ...
    def exists(self, name: str) -> bool: ...
    def size(self, name: str) -> int: ...
    def delete(self, name: str) -> None: ...
    def names(self, suffix: str = "") -> list[str]: ...
    def scratch_dir(self) -> Path: ...
    def sweep_partials(self, older_than: float) -> int: ...
    def hidden_names(self, suffix: str) -> list[str]: ...
    def claim(self, name: str) -> bool: ...
    def remove_partials(self, prefix: str) -> tuple[int, int]: ...


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class LocalStorage:
    """A local directory (created on first write)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.location = str(root)

    def _ensure(self) -> None:
        try:
            make_private_dir(self.root)
        except PermissionError as exc:
            raise PermissionDeniedError(f"cannot create the backup directory {self.root}",
                                        hint="check its permissions or set [backup] dir") from exc
        except OSError as exc:
            raise BackupError(f"cannot create the backup directory {self.root}: {exc}") from exc

    def _partial(self, name: str) -> tuple[int, Path]:
        self._ensure()
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=PARTIAL_SUFFIX, dir=self.root)
        except PermissionError as exc:
            raise PermissionDeniedError(f"cannot write into the backup directory {self.root}",
                                        hint="check its permissions or set [backup] dir") from exc
        except OSError as exc:
            raise BackupError(f"cannot create a file in {self.root}: {exc}") from exc
        return fd, Path(tmp)

    def _publish(self, tmp: Path, name: str) -> None:
        os.replace(tmp, self.root / name)
        _fsync_dir(self.root)

    @contextlib.contextmanager
    def writer(self, name: str) -> Iterator[BinaryIO]:
        fd, tmp = self._partial(name)
        handle = os.fdopen(fd, "wb")
        try:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            self._publish(tmp, name)
        except BaseException:
            handle.close()
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise

    @contextlib.contextmanager
    def file_writer(self, name: str) -> Iterator[Path]:
        """An empty hidden file in the store for a tool that writes files itself (the
        SQLite backup API); fsynced and renamed to ``name`` when the block succeeds,
        removed when it fails."""
        fd, tmp = self._partial(name)
        os.close(fd)
        try:
            yield tmp
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)  # cheap when the caller has already flushed it to disk
            finally:
                os.close(fd)
            self._publish(tmp, name)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise

    def write_bytes(self, name: str, data: bytes) -> None:
        with self.writer(name) as handle:
            handle.write(data)

    def open(self, name: str) -> BinaryIO:
        try:
            return (self.root / name).open("rb")
        except FileNotFoundError:
            raise BackupError(f"{self.root / name} is missing",
                              hint="the backup's data file was removed by hand") from None
        except PermissionError as exc:
            raise PermissionDeniedError(f"cannot read {self.root / name}") from exc

    def read_bytes(self, name: str) -> bytes:
        with self.open(name) as handle:
            return handle.read()

    def exists(self, name: str) -> bool:
        return (self.root / name).exists()

    def size(self, name: str) -> int:
        return (self.root / name).stat().st_size

    def delete(self, name: str) -> None:
        try:
            (self.root / name).unlink()
        except FileNotFoundError:
            pass
        except PermissionError as exc:
            raise PermissionDeniedError(f"cannot delete {self.root / name}") from exc
        _fsync_dir(self.root)

    def names(self, suffix: str = "") -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.name.endswith(suffix) and not p.name.startswith(".") and p.is_file())

    def scratch_dir(self) -> Path:
        """A directory on the same file system for temporary files."""
        self._ensure()
        return self.root

    def sweep_partials(self, older_than: float) -> int:
        """Remove ``.partial`` files left by killed writers more than ``older_than`` s ago."""
        if not self.root.is_dir():
            return 0
        removed = 0
        limit = time.time() - older_than
        for path in self.root.glob(f".*{PARTIAL_SUFFIX}"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < limit:
                    if path.is_dir():
                        shutil.rmtree(path)
                    else:
                        path.unlink()
                    removed += 1
        return removed

    def hidden_names(self, suffix: str) -> list[str]:
        """Names of the hidden (dot) files ending in ``suffix``."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.glob(f".*{suffix}") if p.is_file())

    def claim(self, name: str) -> bool:
        """Remove ``name``; ``True`` when this call removed it (of several processes
        sweeping at once, exactly one gets ``True``)."""
        try:
            (self.root / name).unlink()
        except FileNotFoundError:
            return False
        except PermissionError as exc:
            raise PermissionDeniedError(f"cannot delete {self.root / name}") from exc
        return True

    def remove_partials(self, prefix: str) -> tuple[int, int]:
        """Remove the hidden ``.partial`` files and directories whose name starts with
        ``prefix``; ``(how many, bytes freed)``."""
        if not self.root.is_dir():
            return 0, 0
        count = freed = 0
        for path in self.root.glob(f"{glob.escape(prefix)}*{PARTIAL_SUFFIX}"):
            with contextlib.suppress(OSError):
                if path.is_dir():
                    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
                    shutil.rmtree(path)
                else:
                    size = path.stat().st_size
                    path.unlink()
                count += 1
                freed += size
        return count, freed
