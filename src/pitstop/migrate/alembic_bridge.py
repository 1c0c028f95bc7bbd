"""Alembic projects: delegate to Alembic's own command API, under pitstop's lock, with
pitstop's history rows, results, exit codes and JSON.

A target is an Alembic project when ``[migrate] layout = "alembic"``, or (``auto``) when
the migrations directory holds an ``env.py``, or an ``alembic.ini`` sits in the project
directory and the migrations directory holds no ``.sql`` file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop.errors import MigrationError, PitstopError, UsageError
from pitstop.migrate import records as hist
from pitstop.migrate.layouts import unreadable
from pitstop.migrate.results import (
    AppliedMigration,
    MigrationEntry,
    MigrationStatus,
    NewResult,
    PlanStep,
    RunResult,
)

if TYPE_CHECKING:
    from alembic.config import Config

    from pitstop.migrate.target import Target


def _ini(target: Target) -> Path | None:
    for candidate in (target.options.alembic_ini, target.project_dir / "alembic.ini",
                      target.directory / "alembic.ini"):
        if candidate is not None:
            path = candidate if candidate.is_absolute() else target.project_dir / candidate
            if path.is_file():
                return path
    return None


def detect(target: Target) -> bool:
    if target.options.layout == "alembic":
        return True
    if target.options.layout != "auto":
        return False
    try:
        if (target.directory / "env.py").is_file():
            return True
        has_sql = target.directory.is_dir() and any(target.directory.glob("*.sql"))
        return _ini(target) is not None and not has_sql
    except OSError as exc:  # a directory pitstop may not look into
        raise unreadable(target.directory, exc) from None


def _config(target: Target) -> Config:
    from alembic.config import Config

    from pitstop.db.url import parse_url

    ini = _ini(target)
    cfg = Config(str(ini)) if ini else Config()
    location = cfg.get_main_option("script_location") if ini else None
    if location is None or (target.directory / "env.py").is_file():
        cfg.set_main_option("script_location", str(target.directory))
    elif not Path(location).is_absolute() and ini is not None and ":" not in location:
        cfg.set_main_option("script_location", str(ini.parent / location))
    url = parse_url(target.url).sqlalchemy_url.render_as_string(hide_password=False)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _call(func: Any, *args: Any, **kwargs: Any) -> Any:
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return func(*args, **kwargs)
    except CommandError as exc:
        if "can't locate revision" in str(exc).lower():
            raise UsageError(f"alembic: {exc}",
                             hint="see the revisions with `pitstop migrate status`") from exc
        raise MigrationError(f"alembic: {exc}") from exc
    except SQLAlchemyError as exc:
        text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise MigrationError(f"alembic: {text}",
                             hint="fix the revision and run `pitstop migrate up` again") from exc
    except PitstopError:
        raise
    except Exception as exc:  # env.py or a revision file raised
        text = (str(exc).strip().splitlines() or [""])[0]
        raise MigrationError(f"alembic: {_user_frame(exc)}{type(exc).__name__}: {text}",
                             hint="fix that file (env.py or the revision) and run the "
                                  "command again") from exc


def _user_frame(exc: BaseException) -> str:
    """``file:line: `` of the project's own code that raised (not Alembic's or ours)."""
    import traceback

    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}: "
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        name = frame.filename
        if "site-packages" not in name and "/pitstop/" not in name and \
                not name.startswith("<"):
            return f"{name}:{frame.lineno}: "
    return ""


def _revisions(target: Target) -> tuple[list[Any], set[str], list[str]]:
    """All revisions base→head, the applied ones, and the current heads."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from pitstop.db.url import create_engine

    cfg = _config(target)
    scripts = _call(ScriptDirectory.from_config, cfg)
    revisions = list(reversed(_call(lambda: list(scripts.walk_revisions()))))
    current: list[str] = []
    if not target.dialect.database_missing(target.url):
        from sqlalchemy.exc import SQLAlchemyError

        from pitstop.db.url import parse_url, translate_error

        engine = create_engine(target.url)
        try:
            with engine.connect() as conn:
                current = list(MigrationContext.configure(conn).get_current_heads())
        except SQLAlchemyError as exc:  # unreachable, refused, unknown database…
            raise translate_error(exc, parse_url(target.url)) from exc
        finally:
            engine.dispose()
    applied: set[str] = set()
    for head in current:
        applied.update(r.revision for r in
                       _call(lambda h=head: list(scripts.iterate_revisions(h, "base"))))
    return revisions, applied, current


def _name(target: Target, path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(target.directory.resolve()))
    except ValueError:
        return path


def _checksum(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def status(target: Target) -> MigrationStatus:
    revisions, applied, current = _revisions(target)
    entries = [MigrationEntry(rev.revision, (rev.doc or "").strip(), _name(target, rev.path),
                              "applied" if rev.revision in applied else "pending", "alembic",
                              checksum=_checksum(rev.path)) for rev in revisions]
    return MigrationStatus(entries, "alembic", str(target.directory), target.masked,
                           "alembic_version", bool(current), ",".join(current) or None)


def _run(target: Target, direction: str, revision: str, dry_run: bool,
         lock_timeout: float | None) -> RunResult:
    from alembic import command

    before_revs, before, _ = _revisions(target)
    by_id = {r.revision: r for r in before_revs}
    cfg = _config(target)
    if dry_run:
        return RunResult(True, (), current_version=None, database=target.masked)
    with target.session(lock_timeout) as conn:
        if direction == "up":
            _call(command.upgrade, cfg, revision)
        else:
            _call(command.downgrade, cfg, revision)
        _, after, current = _revisions(target)
        changed = (after - before) if direction == "up" else (before - after)
        hist.ensure_table(conn, target.dialect, target.table)
        cur = conn.cursor()
        done: list[AppliedMigration] = []
        for rev_id in [r.revision for r in before_revs if r.revision in changed]:
            rev = by_id[rev_id]
            cur.execute(hist.insert_sql(target.dialect, target.table), hist.insert_values(
                version=rev_id, description=(rev.doc or "").strip(),
                type="versioned" if direction == "up" else "undo",
                file=_name(target, rev.path), checksum=_checksum(rev.path),
                applied_by=target.dialect.user(target.url), execution_ms=None, success=True))
            done.append(AppliedMigration(rev_id, (rev.doc or "").strip(),
                                         _name(target, rev.path), direction,  # type: ignore[arg-type]
                                         True, None, 0))
        cur.close()
    plan = tuple(PlanStep(a.version, a.description, a.file, a.direction, True, None)
                 for a in done)
    return RunResult(False, plan, tuple(done), ",".join(current) or None, None, target.masked)


def up(target: Target, *, to: str | None, dry_run: bool, lock_timeout: float | None) -> RunResult:
    if dry_run:
        revisions, applied, current = _revisions(target)
        plan = tuple(PlanStep(r.revision, (r.doc or "").strip(), _name(target, r.path), "up",
                              True, None) for r in revisions if r.revision not in applied)
        return RunResult(True, plan, current_version=",".join(current) or None,
                         database=target.masked)
    return _run(target, "up", to or "heads", False, lock_timeout)


def down(target: Target, *, steps: int | None, to: str | None, dry_run: bool,
         lock_timeout: float | None) -> RunResult:
    revision = to if to is not None else f"-{steps or 1}"
    if dry_run:
        return RunResult(True, _down_plan(target, steps, to), database=target.masked)
    return _run(target, "down", revision, False, lock_timeout)


def _down_plan(target: Target, steps: int | None, to: str | None) -> tuple[PlanStep, ...]:
    """What a downgrade would undo, newest first (linear histories)."""
    revisions, applied, _ = _revisions(target)
    done = [r for r in revisions if r.revision in applied][::-1]
    if to is not None:
        ids = [r.revision for r in done]
        done = done[: ids.index(to)] if to in ids else done
    else:
        done = done[: steps or 1]
    return tuple(PlanStep(r.revision, (r.doc or "").strip(), _name(target, r.path), "down",
                          True, None) for r in done)


def redo(target: Target, *, dry_run: bool, lock_timeout: float | None) -> RunResult:
    if dry_run:
        plan = _down_plan(target, 1, None)
        redone = tuple(PlanStep(p.version, p.description, p.file, "up", True, None)
                       for p in plan)
        return RunResult(True, plan + redone, database=target.masked)
    undone = _run(target, "down", "-1", False, lock_timeout)
    again = _run(target, "up", "+1", False, lock_timeout)
    return RunResult(False, undone.plan + again.plan, undone.applied + again.applied,
                     again.current_version, None, target.masked)


def new(target: Target, name: str, *, autogenerate: bool) -> NewResult:
    from alembic import command

    script = _call(command.revision, _config(target), message=name, autogenerate=autogenerate)
    return NewResult(script.revision, (script.path,), "alembic")
