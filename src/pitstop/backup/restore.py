"""Verifying, restoring and pruning database backups."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

from pitstop.backup.archive import (
    MANIFEST_SUFFIX,
    backup_settings,
    create_backup,
    dumper_for,
    find_backup,
    last_failure,
    open_store,
    stored_backups,
    sweep_interrupted,
    write_manifest,
)
from pitstop.backup.compress import decompressing_reader, sha256_of
from pitstop.backup.dumpers import DatabaseState, Dumper
from pitstop.backup.model import (
    KIND_SAFETY,
    Backup,
    PruneResult,
    RestoreResult,
    VerifyResult,
)
from pitstop.backup.retention import KeepPolicy, apply_policy
from pitstop.backup.storage import Storage
from pitstop.capability import Progress, recorded
from pitstop.config import Settings
from pitstop.db.dialects import BY_NAME
from pitstop.db.url import DatabaseURL, parse_url
from pitstop.errors import BackupError, ConnectError, PitstopError, UsageError, literal

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
                option: str = "database_url") -> DatabaseURL:
    """The server ``url`` (the verb's option ``option``) names, else the configured
    database; it must be of the backup's dialect."""
    from pitstop.db.resolve import resolve_url

    db = resolve_url(settings, "backup", url)
    if db.dialect != backup.database:
        raise UsageError(
            literal(f"backup {backup.id} is a {backup.database} backup but the database is "
                    f"{db.dialect} ({db.masked})"),
            hint=f"pass {{{option}}} with a {backup.database} URL", options=(option,),
        )
    return db


@recorded("backup", "verify")
def verify_backup(
    settings: Settings,
    *,
    progress: Progress | None = None,
    backup_id: str = "latest",
    database_url: str | None = None,
    restore: bool = True,
    include_safety: bool = False,
) -> VerifyResult:
    """Check the checksum, then restore into a scratch database (a temporary SQLite
    file, or a PostgreSQL/MySQL database on the server of ``database_url`` created
    and dropped) and count its tables.  A failed check is a result, not an error.
    ``latest`` never names a safety backup unless ``include_safety``."""
    backup = find_backup(settings, backup_id=backup_id, include_safety=include_safety)
    store = open_store(settings)
    problem = _checksum(store, backup)
    if problem is not None:
        return VerifyResult(backup, False, False, False, problems=(problem,))
    if not restore:
        return VerifyResult(backup, True, True, False)
    if BY_NAME[backup.database].file and database_url is None:  # no server needed
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


@contextlib.contextmanager
def target_lock(settings: Settings, target: DatabaseURL,
                timeout: float | None = None) -> Iterator[None]:
    """Hold the migration runner's lock of ``target`` (a PostgreSQL advisory lock,
    MySQL ``GET_LOCK``, a file lock next to a SQLite file), taken through the
    migration engine's own functions: one restore at a time, and no ``migrate`` while
    it runs.  Waits up to ``timeout`` (default ``[migrate] lock_timeout``), then
    raises :class:`ConnectError` (exit 4) naming the holder."""
    from pitstop.db.lock import lock as take
    from pitstop.db.lock import migration_lock_name, owner
    from pitstop.migrate.settings import MigrateSettings

    options = settings.section(MigrateSettings)
    wait = options.lock_timeout if timeout is None else timeout
    try:
        lock = take(target, migration_lock_name(options.table), wait,
                    holder=owner("pitstop-restore"),
                    others="a migration or another restore")
    except ConnectError as exc:
        message = f"cannot restore into {target.masked}: {exc.message}"
        if "holds the lock" not in exc.message:
            raise ConnectError(message, hint=exc.hint) from exc
        raise ConnectError(literal(message), options=("lock_timeout",),
                           hint="a restore or a migration of this database is running; "
                                "wait for it to finish, or raise {lock_timeout}") from exc
    try:
        yield
    finally:
        lock.release()


def _partial_warning(target: DatabaseURL, safety: bool) -> str:
    way_back = ("the safety backup taken first brings it back" if safety
                else "without a safety backup there is no way back")
    return (f"MySQL/MariaDB cannot restore in one transaction (its DDL commits "
            f"implicitly): a failure midway leaves {target.masked} partly restored; "
            f"{way_back}")


def _after_failure(exc: PitstopError, dumper: Dumper, target: DatabaseURL,
                   safety: Backup | None, clean: bool) -> None:
    """Say in the error's hint what state the failed restore left the target in."""
    if dumper.atomic_restore:
        state = (f"nothing was changed: the restore ran in one transaction and "
                 f"{target.masked} keeps its old contents")
    elif not clean:
        state = f"{target.masked} may hold part of the backup"
    elif safety is not None:
        state = (f"{target.masked} may be partly restored; `pitstop backup restore "
                 f"{safety.id} --yes` brings back what it held")
    else:
        state = f"{target.masked} may be partly restored (no safety backup was taken)"
    exc.hint = f"{exc.hint}; {state}" if exc.hint else state


@recorded("backup", "restore")
def restore_backup(
    settings: Settings,
    *,
    backup_id: str,
    to: str | None = None,
    yes: bool = False,
    safety_backup: bool = True,
    progress: Progress | None = None,
    lock_timeout: float | None = None,
    include_safety: bool = False,
) -> RestoreResult:
    """Restore a backup into ``to`` (default: the configured database).

    Holds the target's lock (:func:`target_lock`) throughout.  Refuses a corrupted
    backup, and a non-empty target unless ``yes``; before overwriting a non-empty
    target it takes a safety backup of it (unless ``safety_backup`` is False) whose id
    is in the result.  PostgreSQL and SQLite restore all or nothing: a failure leaves
    the old contents.  MySQL cannot (its DDL commits implicitly): a warning says so
    before it starts.  ``backup_id`` ``latest`` never names a safety backup unless
    ``include_safety``.
    """
    backup = find_backup(settings, backup_id=backup_id, include_safety=include_safety)
    store = open_store(settings)
    problem = _checksum(store, backup)
    if problem is not None:
        raise BackupError(f"refusing to restore backup {backup.id}: {problem}",
                          hint="pick another backup (`pitstop backup list`)")
    target = _server_for(settings, backup, to, "to")
    dumper = dumper_for(settings, target, store)
    dumper.ensure_database(target)
    with target_lock(settings, target, lock_timeout):
        before = _state_or_empty(dumper, target)
        non_empty = before.tables > 0
        if non_empty and not yes:
            partial = ("" if dumper.atomic_restore
                       else f"; {_partial_warning(target, safety_backup)}")
            raise RestoreRefusedError(
                literal(f"refusing to restore over {target.masked}: it has {before.tables} "
                        f"tables ({before.rows} rows){partial}"),
                hint="pass {yes} to replace its contents"
                     + (" (a safety backup is taken first)" if safety_backup else ""),
                options=("yes",),
            )
        if non_empty and not dumper.atomic_restore:
            log.warning("%s", _partial_warning(target, safety_backup))
        safety = None
        if non_empty and safety_backup:
            safety = create_backup(settings, database_url=target.raw, kind=KIND_SAFETY,
                                   label=f"safety before restoring {backup.id}")
            log.debug("safety backup %s of %s", safety.id, target.masked)
        clock = time.monotonic()
        try:
            _load(dumper, store, backup, target, clean=non_empty, progress=progress)
        except PitstopError as exc:
            _after_failure(exc, dumper, target, safety, non_empty)
            raise
        after = dumper.inspect(target)
    return RestoreResult(backup, target.masked, safety, after.tables, after.rows,
                         time.monotonic() - clock)


def policy_from_settings(settings: Settings) -> KeepPolicy:
    conf = backup_settings(settings)
    return KeepPolicy(last=conf.keep_last, hourly=conf.keep_hourly, daily=conf.keep_daily,
                      weekly=conf.keep_weekly, monthly=conf.keep_monthly,
                      yearly=conf.keep_yearly)


@recorded("backup", "prune")
def prune_backups(
    settings: Settings,
    *,
    progress: Progress | None = None,
    policy: KeepPolicy | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> PruneResult:
    """Remove the backups ``policy`` (default: the ``[backup] keep-*`` settings) does
    not keep.  Never removes the newest verified backup; refuses to run while the
    last backup attempt has failed (``force`` overrides)."""
    policy = policy if policy is not None and not policy.empty else policy_from_settings(settings)
    sweep_interrupted(open_store(settings))  # a backup killed mid-way is a failed one
    failure = last_failure(settings)
    if failure is not None and not force:
        raise BackupError(
            literal(f"the last backup attempt failed ({failure.get('at')}: "
                    f"{failure.get('error')}); not pruning"),
            hint="fix the backup and run it again, or pass {force}", options=("force",),
        )
    backups = stored_backups(settings)
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
