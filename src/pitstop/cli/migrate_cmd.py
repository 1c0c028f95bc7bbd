"""``pitstop migrate``: thin commands over :mod:`pitstop.migrate`.

Each command parses its options, calls the verb of the same name, renders the result
(a table, or ``--json``: the result's ``to_dict()``) and returns the exit code.  An
option the library names in an error (``to``) is shown as its flag (``--to``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import click

from pitstop.cli.common import (
    DURATION,
    AppContext,
    SpellingGroup,
    database_option,
    json_option,
    pass_app,
)
from pitstop.errors import EXIT_ERROR, EXIT_OK
from pitstop.output import emit_json, error, info


class MigrateGroup(SpellingGroup):
    """``migrate``: errors name options as flags (``--to``, ``--dir``, ``--from``)."""

    flags: ClassVar[Mapping[str, str]] = {**SpellingGroup.flags, "source": "--from",
                                          "name": "NAME"}


def target_options(func: Callable[..., int]) -> Callable[..., int]:
    """``--database``, ``--dir`` and ``--wait``, turned into settings and keywords."""

    def wrapper(app: AppContext, database: str | None, directory: Path | None,
                wait: float | None, **kwargs: Any) -> int:
        settings = app.settings(database_url=database)
        folder = None if directory is None else (
            directory if directory.is_absolute() else app.cwd / directory)
        if wait:
            from pitstop.migrate import wait_for_database

            wait_for_database(settings.database_url, wait)
        return func(settings=settings, directory=folder, **kwargs)

    functools.update_wrapper(wrapper, func)
    decorated: Callable[..., int] = pass_app(wrapper)
    decorated = click.option("--wait", "wait", type=DURATION, default=None,
                             metavar="DURATION",
                             help="Wait up to DURATION (seconds, or 30s, 2m) for the database "
                                  "to answer first.")(decorated)
    # readable=False: an unreadable directory is the library's exit 5, naming it
    decorated = click.option("--dir", "directory",
                             type=click.Path(path_type=Path, readable=False), default=None,
                             help="Migrations directory [config migrate.dir; default "
                                  "migrations].")(decorated)
    return database_option(decorated)


def lock_option(func: Callable[..., int]) -> Callable[..., int]:
    return click.option("--lock-timeout", type=DURATION, default=None,
                        metavar="DURATION",
                        help="Wait at most DURATION (seconds, or 30s, 2m) for another "
                             "runner's lock, then exit 4 [config migrate.lock_timeout; "
                             "60s].")(func)


def dry_option(func: Callable[..., int]) -> Callable[..., int]:
    return click.option("--dry-run", is_flag=True, default=None,
                        help="Print the plan, change nothing (not even the history table), "
                             "exit 10 [env DRY_RUN].")(func)


@click.group(cls=MigrateGroup)
def migrate() -> None:
    """Apply, roll back and inspect SQL migrations (Flyway, dbmate, golang-migrate,
    diesel and plain layouts read as they are; Alembic projects through Alembic).

    Exit codes: 0 ok · 1 a migration failed or files and history disagree · 2 driver
    or backup module missing · 3 bad usage or configuration · 4 database unreachable
    or lock not granted · 5 permission denied · 10 dry run done · 130 interrupted.
    """


def _plan_rows(steps: Any) -> list[list[Any]]:
    return [[s.direction, s.version or "R", s.description, s.file,
             "yes" if s.transactional else "NO", "" if s.statements is None else s.statements]
            for s in steps]


def _count(steps: Any, verb: str) -> int:
    """How many migrations ``steps`` (plan or applied) are: ``redo`` lists each twice,
    down then up."""
    return sum(1 for s in steps if s.direction == "up") if verb == "redone" else len(steps)


def _render_run(result: Any, as_json: bool, verb: str) -> int:
    from pitstop.migrate.results import counted

    if as_json:
        emit_json(result.to_dict())
    elif result.dry_run:
        if result.created_database:
            info(f"dry run: {result.database} does not exist yet; it would be created")
        if result.plan:
            from pitstop.cli.migrate_tables import PLAN, fitted_table

            fitted_table(["dir", "version", "description", "file", "in transaction",
                          "statements"], _plan_rows(result.plan), PLAN,
                         title="plan (dry run, nothing changed)")
        info(f"dry run: {counted(_count(result.plan, verb), 'migration')} would be {verb}")
    else:
        if result.created_database:
            info(f"created the database {result.database}")
        for done in result.applied:
            tx = "" if done.transactional else " (outside a transaction)"
            info(f"{'applied' if done.direction == 'up' else 'rolled back'} {done.file} "
                 f"in {done.execution_ms} ms{tx}")
        if result.backup_id:
            info(f"backup {result.backup_id} taken first")
        info(f"{counted(_count(result.applied, verb), 'migration')} {verb}; current version "
             f"{result.current_version or '(none)'}")
    return int(result.exit_code)


def _failing(func: Callable[[], Any], as_json: bool) -> Any:
    """Run ``func``; on a failed migration with ``--json``, still print what happened."""
    from pitstop.migrate import MigrationFailedError

    try:
        return func()
    except MigrationFailedError as exc:
        if as_json:
            emit_json(exc.to_dict())
        raise


@migrate.command()
@click.option("--to", "to", default=None, metavar="VERSION",
              help="Stop after this version, as the layout writes it (Flyway 2 or V2, "
                   "dbmate 20240101120000, ...).")
@click.option("--backup/--no-backup", "backup", default=None,
              help="Back up the database before applying anything (only when something "
                   "is pending) [config migrate.backup_before].")
@dry_option
@lock_option
@json_option
@target_options
def up(settings: Any, directory: Path | None, to: str | None, backup: bool | None,
       dry_run: bool | None, lock_timeout: float | None, as_json: bool) -> int:
    """Apply pending migrations, each in its own transaction where the database allows.
    Creates the database first when it does not exist ([migrate] create_database)."""
    import pitstop.migrate as m
    from pitstop.backup.premigrate import before_apply_for

    hook = before_apply_for(settings, backup)
    result = _failing(lambda: m.up(settings, directory=directory, to=to, dry_run=dry_run,
                                   lock_timeout=lock_timeout, before_apply=hook), as_json)
    return _render_run(result, as_json, "applied")


@migrate.command()
@click.option("--steps", type=int, default=None, metavar="N", help="How many to roll back [1].")
@click.option("--to", "to", default=None, metavar="VERSION",
              help="Roll back every migration newer than VERSION, as the layout writes it "
                   "(0 or base: all).")
@dry_option
@lock_option
@json_option
@target_options
def down(settings: Any, directory: Path | None, steps: int | None, to: str | None,
         dry_run: bool | None, lock_timeout: float | None, as_json: bool) -> int:
    """Roll back the newest applied migration(s) with their down scripts."""
    import pitstop.migrate as m

    result = _failing(lambda: m.down(settings, directory=directory, steps=steps, to=to,
                                     dry_run=dry_run, lock_timeout=lock_timeout), as_json)
    return _render_run(result, as_json, "rolled back")


@migrate.command()
@dry_option
@lock_option
@json_option
@target_options
def redo(settings: Any, directory: Path | None, dry_run: bool | None,
         lock_timeout: float | None, as_json: bool) -> int:
    """Roll back the newest applied migration and apply it again."""
    import pitstop.migrate as m

    result = _failing(lambda: m.redo(settings, directory=directory, dry_run=dry_run,
                                     lock_timeout=lock_timeout), as_json)
    return _render_run(result, as_json, "redone")


@migrate.command()
@click.option("--exit-code", "exit_code", is_flag=True,
              help="Exit 1 when anything is pending, failed, changed or missing.")
@json_option
@target_options
def status(settings: Any, directory: Path | None, exit_code: bool, as_json: bool) -> int:
    """Show every migration and its state: applied, pending, failed, changed, missing."""
    import pitstop.migrate as m

    result = m.status(settings, directory=directory)
    if as_json:
        emit_json(result.to_dict())
    else:
        from pitstop.cli.migrate_tables import STATUS, fitted_table

        fitted_table(["version", "description", "state", "applied at", "file", "note"],
                     [[e.version or "R", e.description, e.state, e.applied_at or "",
                       e.file or "",
                       e.note or ("outside a transaction" if e.transactional is False else "")]
                      for e in result.migrations], STATUS)
        counts = {s: sum(1 for e in result.migrations if e.state == s)
                  for s in ("applied", "pending", "failed", "changed", "missing")}
        info(f"{result.layout} layout in {result.directory}; current version "
             f"{result.current_version or '(none)'}; "
             + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    return EXIT_ERROR if exit_code and result.needs_attention else EXIT_OK


@migrate.command()
@json_option
@target_options
def history(settings: Any, directory: Path | None, as_json: bool) -> int:
    """Show the history table: every run, undo, baseline and failure, oldest first."""
    import pitstop.migrate as m

    result = m.history(settings, directory=directory)
    if as_json:
        emit_json(result.to_dict())
        return EXIT_OK
    from pitstop.cli.migrate_tables import HISTORY, fitted_table

    fitted_table(["id", "version", "description", "type", "success", "applied at", "by", "ms",
                  "file"],
                 [[r.id, r.version or "", r.description, r.type, "yes" if r.success else "NO",
                   r.applied_at, r.applied_by or "",
                   "" if r.execution_ms is None else r.execution_ms, r.file or ""]
                  for r in result.records], HISTORY)
    return EXIT_OK


@migrate.command()
@click.argument("name")
@click.option("--autogenerate", is_flag=True,
              help="Write the statements that bring the schema the migrations make to the "
                   "models (any layout; Alembic projects through Alembic).")
@click.option("--allow-destructive", is_flag=True,
              help="With --autogenerate: write drops and narrowing type changes as "
                   "statements instead of commented out.")
@click.option("--models", "models", default=None, metavar="PKG.MOD:Base",
              help="With --autogenerate: the declarative base [default: [models] base, "
                   "else the models under [models] paths].")
@json_option
@target_options
def new(settings: Any, directory: Path | None, name: str, autogenerate: bool,
        allow_destructive: bool, models: str | None, as_json: bool) -> int:
    """Create the next migration file(s) named NAME in the project's layout."""
    import pitstop.migrate as m

    result = m.new(settings, name=name, directory=directory, autogenerate=autogenerate,
                   allow_destructive=allow_destructive, models=models)
    if as_json:
        emit_json(result.to_dict())
    elif autogenerate and not result.files:
        info("no changes: the migrations already match the models")
    else:
        for file in result.files:
            info(f"created {file}")
    return EXIT_OK


@migrate.command()
@json_option
@target_options
def current(settings: Any, directory: Path | None, as_json: bool) -> int:
    """Print the applied version on one line (nothing when none is), for scripts."""
    import pitstop.migrate as m

    result = m.status(settings, directory=directory)
    if as_json:
        emit_json({"current_version": result.current_version, "database": result.database})
    elif result.current_version:
        click.echo(result.current_version)
    return EXIT_OK


@migrate.command()
@json_option
@target_options
def validate(settings: Any, directory: Path | None, as_json: bool) -> int:
    """Check applied files are unchanged and present, and nothing failed (exit 1 if not)."""
    import pitstop.migrate as m
    from pitstop.migrate.results import counted

    result = m.validate(settings, directory=directory)
    if as_json:
        emit_json(result.to_dict())
    elif result.ok:
        info(f"ok: {counted(result.checked, 'migration')} "
             f"{'matches' if result.checked == 1 else 'match'} the history")
    else:
        for problem in result.problems:
            error(f"{problem.file or problem.version}: {problem.message}")
    return int(result.exit_code)


@migrate.command()
@dry_option
@lock_option
@json_option
@target_options
def repair(settings: Any, directory: Path | None, dry_run: bool | None,
           lock_timeout: float | None, as_json: bool) -> int:
    """Accept the files as they are: forget failed runs and missing files, record new
    checksums.  Lists every change; with --dry-run changes nothing."""
    import pitstop.migrate as m

    result = m.repair(settings, directory=directory, dry_run=dry_run, lock_timeout=lock_timeout)
    if as_json:
        emit_json(result.to_dict())
    else:
        for action in result.actions:
            info(f"{'would ' if result.dry_run else ''}{action.action}: "
                 f"{action.file or action.version}: {action.detail}")
        if not result.actions:
            info("nothing to repair")
    return int(result.exit_code)


@migrate.command()
@click.option("--version", "version", required=True, metavar="VERSION",
              help="Everything up to and including VERSION counts as applied (a version "
                   "of the layout: Flyway 2 or V2, dbmate 20240101120000, ...).")
@click.option("--description", default="baseline", help="Recorded description.")
@dry_option
@lock_option
@json_option
@target_options
def baseline(settings: Any, directory: Path | None, version: str, description: str,
             dry_run: bool | None, lock_timeout: float | None, as_json: bool) -> int:
    """Adopt an existing database whose schema is already at VERSION."""
    import pitstop.migrate as m
    from pitstop.migrate.results import counted

    result = m.baseline(settings, version=version, description=description,
                        directory=directory, lock_timeout=lock_timeout, dry_run=dry_run)
    if as_json:
        emit_json(result.to_dict())
    else:
        info(f"{'dry run: would record ' if result.dry_run else ''}baseline {result.version}: "
             f"{counted(result.covered, 'migration file')} "
             f"{'counts' if result.covered == 1 else 'count'} as applied")
    return int(result.exit_code)


@migrate.command("import-history")
@click.option("--from", "source", required=True,
              type=click.Choice(["flyway", "dbmate", "golang-migrate", "diesel", "yoyo",
                                 "plain-file"]),
              help="The tool whose history to adopt.")
@click.option("--file", "file", type=click.Path(path_type=Path), default=None,
              help="plain-file: the list of applied files [migrations_applied.txt].")
@dry_option
@lock_option
@json_option
@target_options
def import_history(settings: Any, directory: Path | None, source: str, file: Path | None,
                   dry_run: bool | None, lock_timeout: float | None, as_json: bool) -> int:
    """Record as applied what another tool's history says ran (nothing is executed)."""
    import pitstop.migrate as m
    from pitstop.migrate.results import counted

    result = m.import_history(settings, source=source, file=file, directory=directory,
                              lock_timeout=lock_timeout, dry_run=dry_run)
    if as_json:
        emit_json(result.to_dict())
    else:
        for name in result.imported:
            info(f"  {'would record' if result.dry_run else 'recorded'} {name} as applied")
        info(f"{'dry run: would import' if result.dry_run else 'imported'} "
             f"{counted(len(result.imported), 'migration')} from {source}")
        for item in result.skipped:
            info(f"  no file matches {item}; skipped")
    return int(result.exit_code)
