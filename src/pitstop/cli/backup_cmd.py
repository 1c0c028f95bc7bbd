"""``pitstop backup``: create, list, verify, restore, delete and prune database backups."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import click

from pitstop.cli.common import DURATION, AppContext, database_option, json_option, pass_app
from pitstop.cli.progress import progress_bar
from pitstop.errors import EXIT_DRY_RUN, EXIT_ERROR, EXIT_OK
from pitstop.output import (
    echo,
    emit_json,
    info,
    stdout_is_terminal,
    table,
)


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def when(t: datetime) -> str:
    return t.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def keep_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for name, what in reversed((("last", "the N newest"), ("hourly", "the newest of N hours"),
                                ("daily", "the newest of N days"),
                                ("weekly", "the newest of N ISO weeks"),
                                ("monthly", "the newest of N months"),
                                ("yearly", "the newest of N years"))):
        func = click.option(f"--keep-{name}", type=int, default=None, metavar="N",
                            help=f"Keep {what} (-1: no limit).")(func)
    return func


def render_prune(result: Any, as_json: bool, noun: str) -> int:
    if as_json:
        emit_json(result.to_json())
    else:
        rows = [(d.id, when(d.created_at), "keep" if d.keep else
                 ("would remove" if result.dry_run else "remove"), "; ".join(d.reasons))
                for d in result.decisions]
        table(["id", "created", "action", "why"], rows)
        verb = "would remove" if result.dry_run else "removed"
        extra = f", {result.blobs_removed} blobs" if noun == "snapshot" else ""
        info(f"{verb} {len(result.removed)} {noun}(s){extra}, "
             f"{human_size(result.freed_bytes)}; kept {len(result.kept)}")
    return EXIT_DRY_RUN if result.dry_run else EXIT_OK


@click.group()
def backup() -> None:
    """Create, verify, restore and prune database backups.

    Backups go to [backup] dir (default .pitstop/backups): a compressed dump plus a
    JSON manifest per backup.  IDs may be shortened to a unique prefix; `latest`
    names the newest backup that is not a safety backup.
    """


@backup.command("create")
@database_option
@click.option("--label", default=None, help="A note stored in the manifest.")
@click.option("--compress", type=click.Choice(["zstd", "gzip", "none"]), default=None,
              help="Compression [config backup.compress; zstd].")
@json_option
@pass_app
def create(app: AppContext, database: str | None, label: str | None, compress: str | None,
           as_json: bool) -> int:
    """Back up the database (SQLite online backup, pg_dump, mariadb-dump)."""
    from pitstop.backup import create_backup

    settings = app.settings(database_url=database)
    with progress_bar("backup", unit="bytes") as progress:
        result = create_backup(settings, label=label, compress=compress, progress=progress)
    if as_json:
        emit_json(result.to_json())
    else:
        echo(f"created backup {result.id} of {result.source}: {human_size(result.size)} "
             f"({human_size(result.size_raw)} raw, {result.compression}) "
             f"in {result.duration_seconds:.1f}s")
    return EXIT_OK


LIST_COLUMNS = ("id", "created", "kind", "database", "size", "raw", "verified", "migration",
                "label")
# what stays when the terminal is narrow, most needed first: the id (what `restore`
# takes) is never dropped, and the kind marks safety backups
LIST_PRIORITY = ("id", "kind", "created", "size", "verified", "migration", "label",
                 "database", "raw")


def fit_columns(columns: Sequence[str], rows: Sequence[Sequence[str]], priority: Sequence[str],
                width: int) -> list[str]:
    """The columns, in priority order, that fit whole into ``width`` terminal columns
    (a bordered table spends 3 columns per column plus 1); the first always stays."""
    natural = {c: max([len(c), *(len(row[i]) for row in rows)]) for i, c in enumerate(columns)}
    chosen: list[str] = []
    used = 1
    for name in priority:
        cost = natural[name] + 3
        if not chosen or used + cost <= width:
            chosen.append(name)
            used += cost
    return [c for c in columns if c in chosen]


@backup.command("list")
@json_option
@pass_app
def list_(app: AppContext, as_json: bool) -> int:
    """List backups, oldest first; safety backups (taken by `restore`) are marked.

    On a narrow terminal the less needed columns are left out, never the id.
    """
    import shutil

    from pitstop.backup import list_backups

    backups = list_backups(app.settings())
    if as_json:
        emit_json({"backups": [b.to_json() for b in backups]})
        return EXIT_OK
    rows = [(b.id, when(b.created_at), "safety" if b.is_safety else "", b.database,
             human_size(b.size), human_size(b.size_raw), "yes" if b.verified_at else "",
             b.migration_head or "", b.label or "") for b in backups]
    shown = list(LIST_COLUMNS)
    if stdout_is_terminal():
        shown = fit_columns(LIST_COLUMNS, rows, LIST_PRIORITY,
                            shutil.get_terminal_size().columns)
    index = [LIST_COLUMNS.index(c) for c in shown]
    table(shown, [tuple(row[i] for i in index) for row in rows])
    if not backups:
        info("no backups yet; create one with `pitstop backup create`")
    hidden = [c for c in LIST_COLUMNS if c not in shown]
    if backups and hidden:
        info(f"hidden to fit the terminal: {', '.join(hidden)} (`backup show ID` has all)")
    return EXIT_OK


def include_safety_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--include-safety", is_flag=True,
                        help="Let `latest` name a safety backup too (by default it names "
                             "the newest backup that is not one).")(func)


@backup.command("show")
@click.argument("backup_id", metavar="ID", default="latest")
@include_safety_option
@json_option
@pass_app
def show(app: AppContext, backup_id: str, include_safety: bool, as_json: bool) -> int:
    """Show the manifest of one backup (default: the newest)."""
    from pitstop.backup import find_backup

    result = find_backup(app.settings(), backup_id, include_safety=include_safety)
    data = result.to_json()
    if as_json:
        emit_json(data)
        return EXIT_OK
    width = max(len(key) for key in data)
    for key, value in data.items():
        echo(f"{key.ljust(width)}  {'' if value is None else value}")
    return EXIT_OK


@backup.command("verify")
@click.argument("backup_id", metavar="ID", default="latest")
@database_option
@click.option("--checksum-only", is_flag=True, help="Only check the sha256, do not restore.")
@include_safety_option
@json_option
@pass_app
def verify(app: AppContext, backup_id: str, database: str | None, checksum_only: bool,
           include_safety: bool, as_json: bool) -> int:
    """Check a backup's checksum, restore it into a scratch database and count its
    tables (exit 1 when a check fails).  ID defaults to the newest backup."""
    from pitstop.backup import verify_backup

    settings = app.settings(database_url=database)
    with progress_bar("verify", unit="bytes") as progress:
        result = verify_backup(settings, backup_id, restore=not checksum_only,
                               progress=progress, include_safety=include_safety)
    if as_json:
        emit_json(result.to_json())
    elif result.ok:
        restored = (f", restored: {result.tables} tables, {result.rows} rows"
                    if result.restored else "")
        echo(f"backup {result.backup.id} is sound: checksum ok{restored}")
    else:
        echo(f"backup {result.backup.id} FAILED verification:")
        for problem in result.problems:
            echo(f"  {problem}")
    return EXIT_OK if result.ok else EXIT_ERROR


@backup.command("restore")
@click.argument("backup_id", metavar="ID")
@click.option("--to", "to", metavar="URL", default=None,
              help="Restore into this database instead of the configured one.")
@click.option("--yes", is_flag=True, help="Replace the contents of a non-empty database.")
@click.option("--no-safety-backup", is_flag=True,
              help="Do not back up a non-empty target before overwriting it.")
@click.option("--lock-timeout", type=DURATION, default=None, metavar="DURATION",
              help="Wait at most DURATION (seconds, or 30s, 2m) for a restore or migration "
                   "of the same database to finish, then exit 4 "
                   "[config migrate.lock_timeout; 60s].")
@include_safety_option
@json_option
@pass_app
def restore(app: AppContext, backup_id: str, to: str | None, yes: bool,
            no_safety_backup: bool, lock_timeout: float | None, include_safety: bool,
            as_json: bool) -> int:
    """Restore a backup: all of it or, on failure, none of it (PostgreSQL, SQLite).

    Refuses a non-empty database without --yes, and then backs it up first (a
    safety backup). Holds the database's migration lock throughout, so a second
    restore or a `migrate` waits. MySQL/MariaDB cannot restore in one transaction:
    a warning says so before it starts. ID `latest` is the newest backup that is
    not a safety backup.
    """
    from pitstop.backup import restore_backup

    settings = app.settings()
    with progress_bar("restore", unit="bytes") as progress:
        result = restore_backup(settings, backup_id, to=to, yes=yes,
                                safety_backup=not no_safety_backup, progress=progress,
                                lock_timeout=lock_timeout, include_safety=include_safety)
    if as_json:
        emit_json(result.to_json())
        return EXIT_OK
    if result.safety_backup is not None:
        info(f"safety backup of the target: {result.safety_backup.id}")
    echo(f"restored backup {result.backup.id} into {result.target}: {result.tables} tables, "
         f"{result.rows} rows in {result.duration_seconds:.1f}s")
    return EXIT_OK


@backup.command("delete")
@click.argument("backup_id", metavar="ID")
@json_option
@pass_app
def delete(app: AppContext, backup_id: str, as_json: bool) -> int:
    """Delete one backup (dump and manifest)."""
    from pitstop.backup import delete_backup

    result = delete_backup(app.settings(), backup_id)
    if as_json:
        emit_json({"deleted": result.id})
    else:
        echo(f"deleted backup {result.id}")
    return EXIT_OK


@backup.command("prune")
@keep_options
@click.option("--dry-run", is_flag=True, help="Show what would go; remove nothing (exit 10).")
@click.option("--force", is_flag=True, help="Prune even though the last backup failed.")
@json_option
@pass_app
def prune(app: AppContext, keep_last: int | None, keep_hourly: int | None,
          keep_daily: int | None, keep_weekly: int | None, keep_monthly: int | None,
          keep_yearly: int | None, dry_run: bool, force: bool, as_json: bool) -> int:
    """Remove backups no keep rule keeps (restic's semantics; UTC periods).

    Without --keep-* options the [backup] keep-* settings apply.  The newest
    verified backup is never removed.
    """
    from pitstop.backup import KeepPolicy, prune_backups

    settings = app.settings()
    policy = KeepPolicy(last=keep_last, hourly=keep_hourly, daily=keep_daily,
                        weekly=keep_weekly, monthly=keep_monthly, yearly=keep_yearly)
    result = prune_backups(settings, policy, dry_run=dry_run, force=force)
    return render_prune(result, as_json, "backup")
