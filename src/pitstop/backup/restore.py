"""Verifying, restoring and pruning database backups."""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import UTC, datetime
from typing import BinaryIO

from pitstop.backup.backups import (
    MANIFEST_SUFFIX,
    backup_settings,
    create_backup,
    dumper_for,
    find_backup,
    last_failure,
    list_backups,
    open_store,
    write_manifest,
)
from pitstop.backup.compress import decompressing_reader, sha256_of
from pitstop.backup.dumpers import DatabaseState, Dumper
from pitstop.backup.model import Backup, Progress, PruneResult, RestoreResult, VerifyResult
from pitstop.backup.retention import KeepPolicy, apply_policy
from pitstop.backup.storage import Storage
from pitstop.config import Settings
from pitstop.db.url import DatabaseURL, parse_url
from pitstop.errors import BackupError, ConnectError, UsageError

log = logging.getLogger("pitstop.backup")


class RestoreRefusedError(BackupError):
    """The target database is not empty and overwriting it was not confirmed."""


class CountingReader:
    """Reads ``source`` and reports bytes read so far to ``progress``."""

    def __init__(self, source: BinaryIO, total: int, progress: Progress | None) -> None:
        self.source = source
        self.total = total
        self.done = 0
        self.progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.done += len(data)
        if self.progress is not None and data:
            self.progress(self.done, self.total)
        return data

    def readable(self) -> bool:
        return True


def _checksum(store: Storage, backup: Backup) -> str | None:
    """``None`` when the stored file matches its manifest, else what is wrong."""
    if not store.exists(backup.file):
        return f"the data file {backup.file} is missing"
    with store.open(backup.file) as handle:
        actual = sha256_of(handle)
    if actual != backup.sha256:
        return (f"sha256 mismatch for {backup.file}: manifest {backup.sha256[:16]}…, "
                f"file {actual[:16]}… (the file was changed or damaged)")
    return None


def _load(dumper: Dumper, store: Storage, backup: Backup, target: DatabaseURL, *,
          clean: bool, progress: Progress | None) -> None:
    import zstandard

    with store.open(backup.file) as raw:
        counted = CountingReader(raw, backup.size, progress)
        stream = decompressing_reader(counted, backup.compression)  # type: ignore[arg-type]
        try:
            dumper.restore(target, stream, clean=clean)
        except (zstandard.ZstdError, OSError, EOFError) as exc:
            raise BackupError(f"cannot decompress {backup.file}: {exc}") from exc


def _server_for(settings: Settings, backup: Backup, url: str | None,
                flag: str = "--database") -> DatabaseURL:
    db = parse_url(url or settings.database_url)
    if db.dialect != backup.database:
        raise UsageError(
            f"backup {backup.id} is a {backup.database} backup but the database is "
            f"{db.dialect} ({db.masked})",
            hint=f"pass {flag} with a {backup.database} URL",
        )
    return db


def verify_backup(
    settings: Settings,
    backup_id: str,
    *,
    database_url: str | None = None,
    restore: bool = True,
    progress: Progress | None = None,
) -> VerifyResult:
    """Check the checksum, then restore into a scratch database (a temporary SQLite
    file, or a PostgreSQL/MySQL database on the server of ``database_url`` created
    and dropped) and count its tables.  A failed check is a result, not an error."""
    backup = find_backup(settings, backup_id)
    store = open_store(settings)
    problem = _checksum(store, backup)
    if problem is not None:
        return VerifyResult(backup, False, False, False, problems=(problem,))
    if not restore:
        return VerifyResult(backup, True, True, False)
    if backup.database == "sqlite" and database_url is None:
        server = parse_url(f"sqlite:///{store.scratch_dir() / 'scratch.db'}")  # any file
    else:
        server = _server_for(settings, backup, database_url)
    dumper = dumper_for(settings, server, store)
    state = DatabaseState(0, 0, "")
    try:
        with dumper.scratch(server) as scratch:
            _load(dumper, store, backup, scratch, clean=False, progress=progress)
            state = dumper.inspect(scratch)
    except (ConnectError, UsageError):
        raise
    except BackupError as exc:
        return VerifyResult(backup, False, True, False, problems=(f"restore failed: {exc}",))
    if state.integrity != "ok":
        return VerifyResult(backup, False, True, True, state.tables, state.rows,
                            state.integrity, (f"integrity check: {state.integrity}",))
    verified = dataclasses.replace(backup, verified_at=datetime.now(UTC))
    write_manifest(store, verified)
    return VerifyResult(verified, True, True, True, state.tables, state.rows, state.integrity)


def _state_or_empty(dumper: Dumper, db: DatabaseURL) -> DatabaseState:
    try:
        return dumper.inspect(db)
    except ConnectError as exc:
        text = str(exc).lower()
        if "does not exist" in text or "unknown database" in text:
            return DatabaseState(0, 0)
        raise


def restore_backup(
    settings: Settings,
    backup_id: str,
    *,
    to: str | None = None,
    yes: bool = False,
    safety_backup: bool = True,
    progress: Progress | None = None,
) -> RestoreResult:
    """Restore a backup into ``to`` (default: the configured database).

    Refuses a corrupted backup, and a non-empty target unless ``yes``; before
    overwriting a non-empty target it takes a safety backup of it (unless
    ``safety_backup`` is False) whose id is in the result.
    """
    backup = find_backup(settings, backup_id)
    store = open_store(settings)
    problem = _checksum(store, backup)
    if problem is not None:
        raise BackupError(f"refusing to restore backup {backup.id}: {problem}",
                          hint="pick another backup (`pitstop backup list`)")
    target = _server_for(settings, backup, to, "--to")
    dumper = dumper_for(settings, target, store)
    before = _state_or_empty(dumper, target)
    non_empty = before.tables > 0
    if non_empty and not yes:
        raise RestoreRefusedError(
            f"refusing to restore over {target.masked}: it has {before.tables} tables "
            f"({before.rows} rows)",
            hint="pass --yes to replace its contents (a safety backup is taken first)",
        )
    safety = None
    if non_empty and safety_backup:
        safety = create_backup(settings, database_url=target.raw,
                               label=f"safety before restoring {backup.id}")
        log.info("safety backup %s of %s", safety.id, target.masked)
    clock = time.monotonic()
    _load(dumper, store, backup, target, clean=non_empty, progress=progress)
    after = dumper.inspect(target)
    return RestoreResult(backup, target.masked, safety, after.tables, after.rows,
                         time.monotonic() - clock)


def policy_from_settings(settings: Settings) -> KeepPolicy:
    conf = backup_settings(settings)
    return KeepPolicy(last=conf.keep_last, hourly=conf.keep_hourly, daily=conf.keep_daily,
                      weekly=conf.keep_weekly, monthly=conf.keep_monthly,
                      yearly=conf.keep_yearly)


def prune_backups(
    settings: Settings,
    policy: KeepPolicy | None = None,
    *,
    dry_run: bool = False,
    force: bool = False,
) -> PruneResult:
    """Remove the backups ``policy`` (default: the ``[backup] keep-*`` settings) does
    not keep.  Never removes the newest verified backup; refuses to run while the
    last backup attempt has failed (``force`` overrides)."""
    policy = policy if policy is not None and not policy.empty else policy_from_settings(settings)
    failure = last_failure(settings)
    if failure is not None and not force:
        raise BackupError(
            f"the last backup attempt failed ({failure.get('at')}: {failure.get('error')}); "
            "not pruning",
            hint="fix the backup and run it again, or pass --force",
        )
    backups = list_backups(settings)
    verified = [b for b in backups if b.verified_at is not None]
    protect = {verified[-1].id: "newest verified backup"} if verified else {}
    decisions = apply_policy([(b.id, b.created_at) for b in backups], policy, protect=protect)
    by_id = {b.id: b for b in backups}
    removed: list[str] = []
    freed = 0
    store = open_store(settings)
    for decision in decisions:
        if decision.keep:
            continue
        backup = by_id[decision.id]
        removed.append(backup.id)
        freed += backup.size
        if not dry_run:
            store.delete(backup.id + MANIFEST_SUFFIX)
            store.delete(backup.file)
    return PruneResult(tuple(decisions), tuple(removed), dry_run, freed)
