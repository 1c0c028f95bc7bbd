"""Creating, listing, finding and deleting database backups.

A backup is two files in the store: the compressed dump ``<id>.<ext>`` and its
manifest ``<id>.json``.  The dump is written first and atomically; the manifest is
written last, so a backup only exists (for ``list``, ``restore``, ``prune``) once it
is complete.  While it is written, an in-flight record says who writes it
(:mod:`pitstop.backup.inflight`), so that the leftovers of a killed writer are found,
removed and recorded as a failed backup by the next ``create``, ``list`` or ``prune``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import secrets
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from pitstop import __version__
from pitstop.backup import inflight
from pitstop.backup.compress import (
    EXTENSIONS,
    CompressingWriter,
    HashingWriter,
    hash_and_sync,
    pump_file,
)
from pitstop.backup.dumpers import Dumper, FileDumper, get_dumper
from pitstop.backup.model import KIND_BACKUP, Backup, BackupList, DeleteResult
from pitstop.backup.settings import BackupSettings, resolve_dir
from pitstop.backup.storage import PARTIAL_SUFFIX, LocalStorage, Storage
from pitstop.capability import Progress, recorded
from pitstop.config import Settings
from pitstop.db.resolve import resolve_url
from pitstop.db.url import DatabaseURL
from pitstop.errors import BackupError, OptionError, PermissionDeniedError, PitstopError, literal

log = logging.getLogger("pitstop.backup")

MANIFEST_SUFFIX = ".json"
FAILURE_MARKER = ".last-failure.json"
DEFAULT_LEVELS = {"zstd": 3, "gzip": 6, "none": 0}
PARTIAL_MAX_AGE = 24 * 3600.0


class BackupNotFoundError(BackupError):
    """No backup matches the id given."""


def backup_settings(settings: Settings) -> BackupSettings:
    return settings.section(BackupSettings)


def open_store(settings: Settings) -> Storage:
    """The configured backup store (a local directory for now)."""
    return LocalStorage(resolve_dir(backup_settings(settings).dir, settings.project_dir))


def dumper_for(settings: Settings, db: DatabaseURL, store: Storage,
               conf: BackupSettings | None = None) -> Dumper:
    return get_dumper(db.dialect, conf or backup_settings(settings), store.scratch_dir())


def _migration_head(db: DatabaseURL) -> str | None:
    """The newest version in the database's ``pitstop_migrations`` table, or ``None``
    when there is none or it cannot be read (the head is informative: a database
    that cannot say it is still backed up)."""
    from pitstop.migrate import current_version

    try:
        return current_version(db.raw)
    except PitstopError as exc:
        log.debug("migration head of %s unknown: %s", db.masked, exc)
        return None


def _new_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def write_manifest(store: Storage, backup: Backup) -> None:
    data = json.dumps(backup.data(), indent=2, sort_keys=True) + "\n"
    store.write_bytes(backup.id + MANIFEST_SUFFIX, data.encode())


@recorded("backup", "create")
def create_backup(
    settings: Settings,
    *,
    progress: Progress | None = None,
    database_url: str | None = None,
    label: str | None = None,
    compress: str | None = None,
    kind: str = KIND_BACKUP,
    migration_head: str | None = None,
) -> Backup:
    """Back up ``database_url`` (default: the configured database) into the store.

    The dump streams through the compressor into a hidden temporary file that is
    fsynced and renamed when complete; on any failure nothing is left that looks
    like a backup, and the failure is remembered so that ``prune`` refuses to run.
    ``kind="safety"`` marks the backup ``restore`` takes of its target first (never
    what ``latest`` names).  ``migration_head`` is recorded in the manifest (the
    migration a ``migrate up`` is about to start from); without it, the newest
    version in the database's ``pitstop_migrations`` table.  ``progress(done,
    total)`` counts bytes.
    """
    conf = backup_settings(settings)
    compression = compress or conf.compress
    if compression not in EXTENSIONS:
        raise OptionError(f"{{compress}}: unknown compression {literal(repr(compression))}",
                          options=("compress",), hint="use zstd, gzip or none")
    level = conf.level if compression == conf.compress else DEFAULT_LEVELS[compression]
    db = resolve_url(settings, "backup", database_url)
    store = open_store(settings)
    sweep_interrupted(store)
    store.sweep_partials(PARTIAL_MAX_AGE)
    # the dumper sees the compression actually used (pg_dump compresses itself only
    # when pitstop does not)
    effective = dataclasses.replace(conf, compress=compression, level=level)  # type: ignore[arg-type]
    dumper = dumper_for(settings, db, store, effective)
    started = datetime.now(UTC)
    clock = time.monotonic()
    backup_id = _new_id(started)
    try:
        inflight.begin(store, backup_id, db.masked, started.timestamp())
        try:
            server_version, tool_version = dumper.versions(db)
            head = migration_head if migration_head is not None else _migration_head(db)
            name = f"{backup_id}{dumper.extension}{EXTENSIONS[compression]}"
            size_raw, size, sha256 = _write_dump(store, dumper, db, name, compression,
                                                 level, progress, backup_id)
            backup = Backup(
                id=backup_id, created_at=started, database=db.dialect, source=db.masked,
                file=name, compression=compression, server_version=server_version,
                tool=dumper.tool, tool_version=tool_version, size_raw=size_raw,
                size=size, sha256=sha256, migration_head=head,
                label=label, pitstop_version=__version__,
                duration_seconds=round(time.monotonic() - clock, 3), kind=kind,
            )
            try:
                write_manifest(store, backup)
            except BaseException:
                store.delete(name)
                raise
        finally:
            inflight.end(store, backup_id)
    except BaseException as exc:
        _remember_failure(store, db.masked, started, str(exc) or type(exc).__name__)
        raise
    store.delete(FAILURE_MARKER)
    # the result is the caller's to show: logged at debug level only, so that the CLI
    # does not print it twice
    log.debug("backup %s of %s: %d bytes (%d raw)", backup.id, db.masked, backup.size,
              backup.size_raw)
    return backup


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _scratch_copy(store: Storage, backup_id: str) -> Path:
    """A new empty hidden ``.partial`` file next to the backups (same file system),
    named after the backup so that a sweep after a killed writer finds it."""
    directory = store.scratch_dir()
    try:
        fd, temp = tempfile.mkstemp(prefix=f"{inflight.partial_prefix(backup_id)}copy.",
                                    suffix=PARTIAL_SUFFIX, dir=directory)
    except PermissionError as exc:
        raise PermissionDeniedError(f"cannot write into the backup directory {directory}",
                                    hint="check its permissions or set [backup] dir") from exc
    except OSError as exc:
        raise BackupError(f"cannot create a scratch file in {directory}: {exc}") from exc
    os.close(fd)
    return Path(temp)


def _write_dump(store: Storage, dumper: Dumper, db: DatabaseURL, name: str,
                compression: str, level: int,
                progress: Progress | None, backup_id: str) -> tuple[int, int, str]:
    """Dump ``db`` into the store as ``name``; ``(raw size, stored size, sha256)``.

    A dumper that writes files itself (SQLite) writes an uncompressed backup straight
    into the store's temporary file, which is then read once to hash it while the
    kernel flushes it; for a compressed backup its file is read once through the
    compressor.  Stream dumpers (pg_dump, mariadb-dump) stream through it.
    """
    if not isinstance(dumper, FileDumper):
        with store.writer(name) as handle:
            hashing = HashingWriter(handle)
            writer = CompressingWriter(hashing, compression, level)
            dumper.dump(db, writer, progress)
            writer.finish()
        return writer.raw, hashing.count, hashing.digest.hexdigest()
    if compression == "none":
        with store.file_writer(name) as path:
            dumper.dump_file(db, path)
            size, sha256 = hash_and_sync(path, progress)
        return size, size, sha256
    copy = _scratch_copy(store, backup_id)
    remover: threading.Thread | None = None
    try:
        dumper.dump_file(db, copy)
        with store.writer(name) as handle:
            hashing = HashingWriter(handle)
            writer = CompressingWriter(hashing, compression, level)
            pump_file(copy, writer, progress)
            # the copy is no longer needed: drop it while zstd finishes and the
            # store fsyncs
            remover = threading.Thread(target=_remove_quietly, args=(copy,),
                                       name="pitstop-backup-cleanup", daemon=True)
            remover.start()
            writer.finish()
    finally:
        if remover is not None:
            remover.join()
        _remove_quietly(copy)
    return writer.raw, hashing.count, hashing.digest.hexdigest()


def _remember_failure(store: Storage, database: str, when: datetime, error: str) -> None:
    data = {"at": when.isoformat(), "database": database, "error": error}
    with contextlib.suppress(Exception):
        store.write_bytes(FAILURE_MARKER, json.dumps(data).encode())


def sweep_interrupted(store: Storage) -> list[inflight.Interrupted]:
    """Remove what backups killed mid-way left behind and record each as a failed
    backup (a warning says so); see :mod:`pitstop.backup.inflight`."""
    try:
        found = inflight.sweep(store)
    except PermissionDeniedError as exc:  # a read-only look at someone else's store
        log.debug("cannot sweep interrupted backups: %s", exc)
        return []
    for item in found:
        log.warning("%s; removed %d partial file(s) (%d bytes); recorded as a failed "
                    "backup", item.error, item.removed_files, item.freed_bytes)
        _remember_failure(store, item.database, item.started_at, item.error)
    return found


def last_failure(settings: Settings) -> dict[str, str] | None:
    """The last failed backup attempt, if it came after the last successful one."""
    store = open_store(settings)
    if not store.exists(FAILURE_MARKER):
        return None
    try:
        data = json.loads(store.read_bytes(FAILURE_MARKER))
    except (ValueError, BackupError):
        return {"at": "unknown", "database": "unknown", "error": "unreadable failure marker"}
    return {str(k): str(v) for k, v in data.items()}


def list_backups(settings: Settings, *, progress: Progress | None = None) -> BackupList:
    """Every complete backup in the store (safety backups included), oldest first.
    Unreadable manifests are skipped with a warning; backups killed mid-way are
    cleaned up and recorded as failed first."""
    return BackupList(tuple(stored_backups(settings)))


def stored_backups(settings: Settings) -> list[Backup]:
    """:func:`list_backups` as a list (what the other verbs work from)."""
    store = open_store(settings)
    sweep_interrupted(store)
    backups: list[Backup] = []
    for name in store.names(MANIFEST_SUFFIX):
        try:
            backups.append(Backup.from_json(json.loads(store.read_bytes(name))))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("skipping unreadable manifest %s/%s: %s", store.location, name, exc)
    backups.sort(key=lambda b: (b.created_at, b.id))
    return backups


def find_backup(settings: Settings, *, progress: Progress | None = None,
                backup_id: str = "latest", include_safety: bool = False) -> Backup:
    """The backup with id ``backup_id``, a unique prefix of one, or ``latest``: the
    newest backup that is not a safety backup (``include_safety``: the newest of all)."""
    ref = backup_id
    backups = stored_backups(settings)
    if not backups:
        raise BackupNotFoundError(f"no backups in {open_store(settings).location}",
                                  hint="create one with `pitstop backup create`")
    if ref == "latest":
        chosen = [b for b in backups if include_safety or not b.is_safety]
        if not chosen:
            raise BackupNotFoundError(
                literal(f"no backups in {open_store(settings).location} but safety backups "
                        f"(the newest: {backups[-1].id})"),
                hint="name one by its id, or pass {include_safety}",
                options=("include_safety",))
        return chosen[-1]
    exact = [b for b in backups if b.id == ref]
    matches = exact or [b for b in backups if b.id.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise BackupNotFoundError(f"no backup with id {ref!r} in {open_store(settings).location}",
                                  hint="see `pitstop backup list`")
    raise OptionError(f"{{backup_id}} {literal(repr(ref))} matches {len(matches)} backups",
                      options=("backup_id",), hint="give more characters of the id")


@recorded("backup", "delete")
def delete_backup(settings: Settings, *, progress: Progress | None = None,
                  backup_id: str) -> DeleteResult:
    """Remove one backup (manifest first, so a half-deleted backup is not listed)."""
    backup = find_backup(settings, backup_id=backup_id)
    store = open_store(settings)
    store.delete(backup.id + MANIFEST_SUFFIX)
    store.delete(backup.file)
    log.debug("deleted backup %s", backup.id)
    return DeleteResult(backup.id, backup.file, backup.size)
