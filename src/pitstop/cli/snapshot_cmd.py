"""``pitstop snapshot``: deduplicated snapshots of the git-tracked tree."""

from __future__ import annotations

from pathlib import Path

import click

from pitstop.cli.backup_cmd import human_size, keep_options, render_prune, when
from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.cli.progress import progress_bar
from pitstop.errors import EXIT_OK
from pitstop.output import echo, emit_json, info, table


@click.group()
def snapshot() -> None:
    """Deduplicated snapshots of the git-tracked files of the repository.

    Stored under [snapshot] dir (default .pitstop/snapshots): each distinct file
    content once, zstd-compressed, and one tree object per directory listing, shared
    by every snapshot in which that directory is unchanged.  IDs may be shortened to a
    unique prefix; `latest` names the newest snapshot.
    """


@snapshot.command("create")
@click.option("--force", is_flag=True, help="Snapshot even with uncommitted changes.")
@click.option("--label", default=None, help="A note stored with the snapshot.")
@json_option
@pass_app
def create(app: AppContext, force: bool, label: str | None, as_json: bool) -> int:
    """Snapshot the git-tracked files (refuses a dirty tree unless --force).

    Exits 1 with the snapshot marked partial when a file could not be read.
    """
    from pitstop.backup import create_snapshot

    with progress_bar("snapshot", unit="files") as progress:
        result = create_snapshot(app.settings(), force=force, label=label, progress=progress)
    if as_json:
        emit_json(result.to_json())
    else:
        echo(f"created snapshot {result.id}: {result.files} files, {human_size(result.size)}; "
             f"added {result.new_blobs} blobs and {result.new_trees} trees, "
             f"{human_size(result.added_bytes)} in {result.duration_seconds:.1f}s")
        for path, why in result.errors:
            info(f"  could not read {path}: {why}")
        if result.partial:
            info(f"snapshot {result.id} is PARTIAL: {len(result.errors)} file(s) missing")
    return 1 if result.partial else EXIT_OK


@snapshot.command("list")
@json_option
@pass_app
def list_(app: AppContext, as_json: bool) -> int:
    """List snapshots, oldest first."""
    from pitstop.backup import list_snapshots

    snapshots = list_snapshots(app.settings())
    if as_json:
        emit_json({"snapshots": [s.to_json() for s in snapshots]})
        return EXIT_OK
    rows = [(s.id, when(s.created_at), (s.commit or "")[:10], s.files, human_size(s.size),
             human_size(s.added_bytes), "partial" if s.partial else
             ("dirty" if s.dirty else ""), s.label or "") for s in snapshots]
    table(["id", "created", "commit", "files", "size", "added", "state", "label"], rows)
    return EXIT_OK


@snapshot.command("restore")
@click.argument("snapshot_id", metavar="ID")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@json_option
@pass_app
def restore(app: AppContext, snapshot_id: str, directory: Path, as_json: bool) -> int:
    """Write the files of snapshot ID into DIR (new or empty), with their modes."""
    from pitstop.backup import restore_snapshot

    with progress_bar("restore", unit="files") as progress:
        result = restore_snapshot(app.settings(), snapshot_id, directory.absolute(),
                                  progress=progress)
    if as_json:
        emit_json(result.to_json())
    else:
        echo(f"restored snapshot {result.snapshot.id} into {result.destination}: "
             f"{result.files} files, {human_size(result.bytes)}")
    return EXIT_OK


@snapshot.command("diff")
@click.argument("old", metavar="ID")
@click.argument("new", metavar="[ID2]", required=False)
@json_option
@pass_app
def diff(app: AppContext, old: str, new: str | None, as_json: bool) -> int:
    """Show files added, removed, modified or with a new mode between snapshot ID and
    ID2 (default: the current work tree)."""
    from pitstop.backup import diff_snapshots

    result = diff_snapshots(app.settings(), old, new)
    if as_json:
        emit_json(result.to_json())
        return EXIT_OK
    for sign, paths in (("+", result.added), ("-", result.removed), ("M", result.modified),
                        ("m", result.mode_changed)):
        for path in paths:
            echo(f"{sign} {path}")
    if not result.changed:
        info(f"no differences between {result.old} and {result.new}")
    return EXIT_OK


@snapshot.command("prune")
@keep_options
@click.option("--keep-within", default=None, metavar="DURATION",
              help="Keep every snapshot this close to the newest one (e.g. 24h, 7d).")
@click.option("--dry-run", is_flag=True, help="Show what would go; remove nothing (exit 10).")
@json_option
@pass_app
def prune(app: AppContext, keep_last: int | None, keep_hourly: int | None,
          keep_daily: int | None, keep_weekly: int | None, keep_monthly: int | None,
          keep_yearly: int | None, keep_within: str | None, dry_run: bool,
          as_json: bool) -> int:
    """Remove snapshots no keep rule keeps, then blobs (file contents and trees) no
    remaining snapshot references.

    Without --keep-* options the [snapshot] keep-* settings apply.
    """
    from pitstop.backup import KeepPolicy, prune_snapshots
    from pitstop.schema import parse_duration

    within = None
    if keep_within is not None:
        try:
            within = parse_duration(keep_within)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--keep-within") from None
    policy = KeepPolicy(last=keep_last, hourly=keep_hourly, daily=keep_daily,
                        weekly=keep_weekly, monthly=keep_monthly, yearly=keep_yearly,
                        within=within)
    result = prune_snapshots(app.settings(), policy, dry_run=dry_run)
    return render_prune(result, as_json, "snapshot")
