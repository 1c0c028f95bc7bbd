"""Alembic projects: delegate to Alembic's own command API, under pitstop's lock, with
pitstop's history rows, results, exit codes and JSON.

A target is an Alembic project when ``[migrate] layout = "alembic"``, or (``auto``) when
the migrations directory holds an ``env.py``, or an ``alembic.ini`` sits in the project
directory and the migrations directory holds no ``.sql`` file.

Alembic runs in the project's interpreter (:mod:`pitstop.project_python`: ``[project]
python``, ``$VIRTUAL_ENV``, ``.venv``/``venv``, else pitstop's own), where ``env.py`` and
the revisions can import the application; pitstop's own Alembic is used only when that
interpreter is pitstop's.  One helper process per command reads the revisions and the
current heads (through ``env.py``, as ``alembic current`` does) and runs the upgrade or
downgrade; pitstop holds its lock around it and writes its history rows.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop.errors import MigrationError, UsageError
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
    from pitstop.db.url import DatabaseURL
    from pitstop.migrate.target import Target
    from pitstop.project_python import Interpreter, ProjectCodeError


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


@dataclasses.dataclass(frozen=True)
class _Revision:
    revision: str
    doc: str
    path: str


@dataclasses.dataclass(frozen=True)
class _State:
    """All revisions base→head, the applied ones, and the database's current heads."""

    revisions: list[_Revision]
    applied: set[str]
    heads: list[str]

    @classmethod
    def of(cls, data: dict[str, Any]) -> _State:
        revisions = [_Revision(str(r["revision"]), str(r.get("doc") or ""), str(r["path"]))
                     for r in data.get("revisions") or ()]
        return cls(revisions, set(data.get("applied") or ()), list(data.get("heads") or ()))


def interpreter(target: Target) -> Interpreter:
    """The interpreter Alembic runs in for ``target``."""
    from pitstop.project_python import find_interpreter, interpreter_for

    if target.settings is not None:
        return interpreter_for(target.settings)
    return find_interpreter(target.project_dir)


def _helper(target: Target, op: str, **request: Any) -> Any:
    """Run ``op`` of the Alembic helper in the project's interpreter."""
    from pitstop.db.url import parse_url
    from pitstop.project_python import ProjectCodeError, run_helper

    db = parse_url(target.url)
    ini = _ini(target)
    payload = {"op": op, "directory": str(target.directory),
               "ini": str(ini) if ini else None, "url": target.url, "dialect": db.dialect,
               **request}
    try:
        return run_helper(interpreter(target), "alembic_ops", payload,
                          cwd=ini.parent if ini else target.project_dir,
                          secrets=[db.password] if db.password else [], what="alembic")
    except ProjectCodeError as exc:
        raise _translate(exc, db) from exc


def _translate(exc: ProjectCodeError, db: DatabaseURL) -> Exception:
    """An error from Alembic, the database or the project's ``env.py``/revisions."""
    from pitstop.db.url import translate_error

    if exc.kind == "alembic":
        if "can't locate revision" in exc.text.lower():
            return UsageError(f"alembic: {exc.text}",
                              hint="see the revisions with `pitstop migrate status`")
        return MigrationError(f"alembic: {exc.text}")
    if exc.kind == "connect":
        return translate_error(RuntimeError(exc.text), db)
    if exc.kind == "sql":
        return MigrationError(exc.message,
                              hint="fix the revision and run `pitstop migrate up` again")
    return MigrationError(exc.message, hint="fix that file (env.py or the revision) and run "
                                            "the command again")


def _state(target: Target) -> _State:
    read_heads = not target.dialect.database_missing(target.url)
    return _State.of(_helper(target, "state", read_heads=read_heads))


def _name(target: Target, path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(target.directory.resolve()))
    except ValueError:
        return path


def _checksum(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def status(target: Target) -> MigrationStatus:
    state = _state(target)
    entries = [MigrationEntry(rev.revision, rev.doc, _name(target, rev.path),
                              "applied" if rev.revision in state.applied else "pending",
                              "alembic", checksum=_checksum(rev.path))
               for rev in state.revisions]
    return MigrationStatus(entries, "alembic", str(target.directory), target.masked,
                           "alembic_version", bool(state.heads), ",".join(state.heads) or None)


def _run(target: Target, direction: str, revision: str, lock_timeout: float | None
         ) -> RunResult:
    with target.session(lock_timeout) as conn:
        data = _helper(target, "upgrade" if direction == "up" else "downgrade",
                       revision=revision, read_heads=True)
        before, after = _State.of(data["before"]), _State.of(data["after"])
        changed = (after.applied - before.applied) if direction == "up" \
            else (before.applied - after.applied)
        hist.ensure_table(conn, target.dialect, target.table)
        cur = conn.cursor()
        done: list[AppliedMigration] = []
        for rev in [r for r in before.revisions if r.revision in changed]:
            cur.execute(hist.insert_sql(target.dialect, target.table), hist.insert_values(
                version=rev.revision, description=rev.doc,
                type="versioned" if direction == "up" else "undo",
                file=_name(target, rev.path), checksum=_checksum(rev.path),
                applied_by=target.dialect.user(target.url), execution_ms=None, success=True))
            done.append(AppliedMigration(rev.revision, rev.doc, _name(target, rev.path),
                                         direction, True, None, 0))  # type: ignore[arg-type]
        cur.close()
    plan = tuple(PlanStep(a.version, a.description, a.file, a.direction, True, None)
                 for a in done)
    return RunResult(False, plan, tuple(done), ",".join(after.heads) or None, None,
                     target.masked)


def up(target: Target, *, to: str | None, dry_run: bool, lock_timeout: float | None) -> RunResult:
    if dry_run:
        state = _state(target)
        plan = tuple(PlanStep(r.revision, r.doc, _name(target, r.path), "up", True, None)
                     for r in state.revisions if r.revision not in state.applied)
        return RunResult(True, plan, current_version=",".join(state.heads) or None,
                         database=target.masked)
    return _run(target, "up", to or "heads", lock_timeout)


def down(target: Target, *, steps: int | None, to: str | None, dry_run: bool,
         lock_timeout: float | None) -> RunResult:
    revision = to if to is not None else f"-{steps or 1}"
    if dry_run:
        return RunResult(True, _down_plan(target, steps, to), database=target.masked)
    return _run(target, "down", revision, lock_timeout)


def _down_plan(target: Target, steps: int | None, to: str | None) -> tuple[PlanStep, ...]:
    """What a downgrade would undo, newest first (linear histories)."""
    state = _state(target)
    done = [r for r in state.revisions if r.revision in state.applied][::-1]
    if to is not None:
        ids = [r.revision for r in done]
        done = done[: ids.index(to)] if to in ids else done
    else:
        done = done[: steps or 1]
    return tuple(PlanStep(r.revision, r.doc, _name(target, r.path), "down", True, None)
                 for r in done)


def redo(target: Target, *, dry_run: bool, lock_timeout: float | None) -> RunResult:
    if dry_run:
        plan = _down_plan(target, 1, None)
        redone = tuple(PlanStep(p.version, p.description, p.file, "up", True, None)
                       for p in plan)
        return RunResult(True, plan + redone, database=target.masked)
    undone = _run(target, "down", "-1", lock_timeout)
    again = _run(target, "up", "+1", lock_timeout)
    return RunResult(False, undone.plan + again.plan, undone.applied + again.applied,
                     again.current_version, None, target.masked)


def new(target: Target, name: str, *, autogenerate: bool) -> NewResult:
    made = _helper(target, "revision", message=name, autogenerate=autogenerate)
    return NewResult(str(made["revision"]), (str(made["path"]),), "alembic")
