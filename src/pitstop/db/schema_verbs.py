"""The ``db`` capability's schema verbs: ``inspect`` and ``export``.

``inspect`` reads the live schema with SQLAlchemy's inspector, every table at once
(:func:`pitstop.db.inspect_schema.read_schema`); ``export`` writes it sorted and stable
(JSON, or SQL like dbmate's ``schema.sql``) and, with ``check``, says whether a
committed export still matches the database.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pitstop.capability import Progress, Result, recorded
from pitstop.errors import EXIT_ERROR, EXIT_OK, ConfigError, PitstopError, UsageError

if TYPE_CHECKING:
    from pitstop.config import Settings
    from pitstop.db.url import DatabaseURL

ExportFormat = Literal["json", "sql"]
DIFF_LINES = 200
"""How many lines of a failed ``export --check`` the result keeps."""


@dataclasses.dataclass(frozen=True)
class SchemaResult(Result):
    """The schema of one database: tables, views, sequences, enum types."""

    database: str
    dialect: str
    schema: Mapping[str, Any]
    derived = ("table_count",)

    @property
    def table_count(self) -> int:
        return len(self.schema.get("tables") or {})

    def summary(self) -> dict[str, Any]:
        return {"database": self.database, "dialect": self.dialect,
                "tables": self.table_count, "views": len(self.schema.get("views") or [])}


@dataclasses.dataclass(frozen=True)
class ExportResult(Result):
    """An export written (to ``path``, else ``text`` is for stdout) or checked."""

    database: str
    format: ExportFormat
    path: Path | None
    tables: int
    text: str = dataclasses.field(default="", repr=False)
    checked: bool = False
    """``True`` for ``--check``: ``path`` was compared, not written."""
    matches: bool = True
    difference: tuple[str, ...] = ()
    """For a failed check: the unified diff (file → database), at most
    :data:`DIFF_LINES` lines."""

    def data(self) -> dict[str, Any]:
        data = super().data()
        if self.path is not None or self.checked:
            data.pop("text")
        return data

    def summary(self) -> dict[str, Any]:
        data = self.to_dict()
        data.pop("text", None)
        return data

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.matches else EXIT_ERROR


def database_for(settings: Settings, database_url: str | None) -> DatabaseURL:
    from pitstop.db.resolve import resolve_url

    return resolve_url(settings, "db", database_url)


def timeout_for(settings: Settings) -> float:
    from pitstop.db.settings import DbSettings

    return settings.section(DbSettings).timeout


def ignored_tables(settings: Settings) -> tuple[str, ...]:
    """Bookkeeping tables left out of every schema: pitstop's own (and the migration
    history, whatever ``[migrate] table`` names it), Alembic's version table."""
    from pitstop.db.inspect_schema import IGNORED

    table = (settings.raw_sections.get("migrate") or {}).get("table")
    return (*IGNORED, table) if isinstance(table, str) and table else IGNORED


def read_database(settings: Settings, db: DatabaseURL, *, tables: Sequence[str] = (),
                  progress: Progress | None = None) -> dict[str, Any]:
    """The schema of ``db`` in the JSON form (:mod:`pitstop.db.metadata_json`)."""
    from pitstop.db.connect import session
    from pitstop.db.inspect_schema import read_schema

    with session(db, timeout=timeout_for(settings), must_exist=True) as conn:
        return read_schema(conn, tables=tables, exclude=ignored_tables(settings),
                           progress=progress)


@recorded("db", "inspect")
def inspect(settings: Settings, *, progress: Progress | None = None,
            database_url: str | None = None, tables: Sequence[str] = ()) -> SchemaResult:
    """The database's tables (columns with type, nullability, default, identity and
    comment; primary key; indexes — unique, partial, expression; foreign keys with
    their actions; unique and check constraints), views, sequences and enum types,
    read in one round trip per kind of object.  ``tables`` limits it to those; one
    that does not exist is a usage error (exit 3)."""
    db = database_for(settings, database_url)
    schema = read_database(settings, db, tables=tables, progress=progress)
    views = {v["name"] for v in schema["views"]}
    missing = [t for t in tables if t not in schema["tables"] and t not in views]
    if missing:
        raise UsageError(f"{db.masked}: no table or view named {', '.join(missing)}",
                         hint="`pitstop db inspect` without names lists them all")
    return SchemaResult(db.masked, db.dialect, schema)


def render(schema: Mapping[str, Any], fmt: ExportFormat) -> str:
    """``schema`` as export text in ``fmt``: sorted, byte-identical for equal schemas."""
    from pitstop.db.inspect_schema import dump_json, schema_sql

    return dump_json(dict(schema)) if fmt == "json" else schema_sql(dict(schema))


def format_of(path: Path, given: str | None) -> ExportFormat:
    """The export format of ``path``: ``given``, else by its suffix (``.json``), else SQL."""
    if given in ("json", "sql"):
        return given  # type: ignore[return-value]
    return "json" if path.suffix.lower() == ".json" else "sql"


def write_atomically(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all (a temporary file renamed over it)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise PitstopError(f"{path}: cannot be written: {exc.strerror}",
                           hint="choose another -o path, or fix its permissions") from None


@recorded("db", "export")
def export(settings: Settings, *, progress: Progress | None = None,
           database_url: str | None = None, format: ExportFormat | None = None,
           output: Path | None = None, check: Path | None = None) -> ExportResult:
    """The whole schema, sorted and stable so it diffs well in review: JSON, or the SQL
    that creates it (``schema.sql``, as dbmate dumps it).  Written to ``output`` (whole
    or not at all), else returned as ``text``.  With ``check`` (a committed export),
    nothing is written: the result says whether the database still matches it (exit
    code 1 when not) and how it differs."""
    import difflib

    db = database_for(settings, database_url)
    target = check or output
    fmt: ExportFormat = format_of(target, format) if target is not None else (format or "json")
    expected = None
    if check is not None:
        try:
            expected = check.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{check}: no such export file",
                              hint="write it first with `pitstop db export -o FILE`") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{check}: cannot be read: {exc}") from None
    schema = read_database(settings, db, progress=progress)
    text = render(schema, fmt)
    tables = len(schema["tables"])
    if check is not None:
        assert expected is not None
        if expected == text:
            return ExportResult(db.masked, fmt, check, tables, checked=True)
        lines = list(difflib.unified_diff(expected.splitlines(), text.splitlines(),
                                          fromfile=str(check), tofile=db.masked, lineterm=""))
        return ExportResult(db.masked, fmt, check, tables, checked=True, matches=False,
                            difference=tuple(lines[:DIFF_LINES]))
    if output is not None:
        write_atomically(output, text)
        return ExportResult(db.masked, fmt, output, tables)
    return ExportResult(db.masked, fmt, None, tables, text=text)


@dataclasses.dataclass(frozen=True)
class Difference:
    """One difference between two schemas, as ``db diff`` reports it."""

    kind: str
    table: str | None
    text: str
    sql: str
    destructive: bool


@dataclasses.dataclass(frozen=True)
class DiffResult(Result):
    """What it takes to go from ``source`` to ``target``."""

    source: str
    target: str
    dialect: str
    differences: tuple[Difference, ...]
    scratch: bool = False
    """Whether a scratch database was made (neither side was a database)."""
    derived = ("identical",)

    @property
    def identical(self) -> bool:
        return not self.differences

    def statements(self, *, allow_destructive: bool = True) -> str:
        """The SQL that takes ``source`` to ``target``, in the dialect of the compared
        database; destructive changes commented out unless ``allow_destructive``."""
        from pitstop.db.schema_diff import Change, script

        return script([Change(d.kind, d.table, d.text, d.sql, d.destructive)
                       for d in self.differences], allow_destructive=allow_destructive)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.identical else EXIT_ERROR


def _models_spec(spec: str) -> str | None:
    base = spec.partition(":")[2]
    return base or None


@recorded("db", "diff")
def diff(settings: Settings, *, progress: Progress | None = None, source: str,
         target: str, dev_url: str | None = None) -> DiffResult:
    """Every difference between two schemas, and the SQL that takes ``source`` to
    ``target``.  Each side is a database URL, a ``db export`` file (JSON or SQL), or
    ``models:PKG.MOD:Base`` (``models:`` alone: ``[models] base``, else ``[checks.schema]
    models``, else the models found under ``[models] paths``), imported in the
    project's interpreter.  Compared with Alembic's autogenerate comparison (types and
    server defaults included), plus enum values and SQLite table rebuilds.  When
    neither side is a database, one is built in a scratch database (``dev_url``'s
    server, else the configured database's, else a SQLite file) and dropped.  Exit
    code 0 when identical, 1 when they differ."""
    from pitstop.db.models import load_models
    from pitstop.db.resolve import resolve_url
    from pitstop.db.schema_sources import classify, compare_sides

    old = classify(source, settings.project_dir)
    new = classify(target, settings.project_dir)
    dialect = next((s.dialect for s in (old, new, ) if s.dialect), None)
    if dialect is None:
        dialect = resolve_url(settings, "db", dev_url).dialect
    for side in (old, new):
        if side.kind == "models":
            found = load_models(settings, base=_models_spec(side.spec), dialect=dialect,
                                require=True)
            side.schema, side.dialect = dict(found.schema), dialect
    if progress is not None:
        progress(1, 2)
    compared = compare_sides(settings, old, new, exclude=ignored_tables(settings),
                             near=dev_url, timeout=timeout_for(settings))
    if progress is not None:
        progress(2, 2)
    return DiffResult(old.label, new.label, compared.dialect,
                      tuple(Difference(c.kind, c.table, c.text, c.sql, c.destructive)
                            for c in compared.changes), compared.scratch)


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """One mapped class."""

    name: str
    module: str
    table: str
    columns: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class ModelProblem:
    """A model module that failed to import, or two classes mapping one table."""

    kind: str
    message: str
    module: str | None = None
    file: str | None = None


@dataclasses.dataclass(frozen=True)
class ModelsResult(Result):
    """The declarative models found (``source``: the base, or ``[models] paths``)."""

    source: str
    models: tuple[ModelInfo, ...]
    problems: tuple[ModelProblem, ...]
    modules: tuple[str, ...]
    written: Path | None = None
    """The ``env.py`` whose marked block was updated (``None``: not asked, or already
    up to date is still named)."""
    changed: bool = False
    derived = ("imports",)

    @property
    def imports(self) -> list[str]:
        """One ``from MODULE import A, B`` line per module, sorted."""
        by_module: dict[str, list[str]] = {}
        for model in self.models:
            if "." not in model.name:  # nested classes are imported with their parent
                by_module.setdefault(model.module, []).append(model.name)
        return [f"from {module} import {', '.join(sorted(names))}"
                for module, names in sorted(by_module.items())]

    @property
    def exit_code(self) -> int:
        return EXIT_ERROR if self.problems else EXIT_OK


ENV_BEGIN = "# >>> pitstop models: written by `pitstop db models --write-env`; do not edit"
ENV_END = "# <<< pitstop models"


def env_with_imports(text: str, imports: Sequence[str]) -> str:
    """``text`` (an Alembic ``env.py``) with the marked block holding ``imports``:
    replaced where it is, else put before ``target_metadata =``, else after the last
    top-level import, else at the top."""
    import re

    block = "\n".join([ENV_BEGIN, *(f"{line}  # noqa: F401" for line in imports), ENV_END])
    lines = text.splitlines()
    if ENV_BEGIN in lines and ENV_END in lines:
        start, end = lines.index(ENV_BEGIN), lines.index(ENV_END)
        new = lines[:start] + block.splitlines() + lines[end + 1:]
    else:
        at = next((i for i, line in enumerate(lines)
                   if re.match(r"target_metadata\s*=", line)), None)
        if at is None:
            imports_at = [i for i, line in enumerate(lines)
                          if re.match(r"(import|from)\s+\S+", line)]
            at = imports_at[-1] + 1 if imports_at else 0
        new = lines[:at] + block.splitlines() + [""] + lines[at:]
    return "\n".join(new) + "\n"


@recorded("db", "models")
def models(settings: Settings, *, progress: Progress | None = None, base: str | None = None,
           write_env: Path | None = None) -> ModelsResult:
    """The declarative models (SQLAlchemy or SQLModel) of the project — those of ``base``
    (``PKG.MOD:Base``), else of ``[models] base``, else every class mapped in the
    modules under ``[models] paths`` — imported in the project's interpreter: class,
    table, module, columns.  A model file that fails to import and two classes mapping
    one table are problems naming them (exit code 1).  ``write_env`` (Alembic's
    ``env.py``) gets a marked block importing every model, updated in place and
    idempotently; nothing is written when there are problems."""
    from pitstop.db.models import load_models

    found = load_models(settings, base=base)
    result = ModelsResult(
        found.source,
        tuple(ModelInfo(m["class"], m["module"], m["table"], tuple(m["columns"]))
              for m in found.models),
        tuple(ModelProblem(p["kind"], p["message"], p.get("module"), p.get("file"))
              for p in found.problems),
        found.modules)
    if write_env is None or result.problems:
        return result
    path = write_env if write_env.is_absolute() else settings.project_dir / write_env
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}",
                          hint="name Alembic's env.py, e.g. --write-env alembic/env.py") from None
    updated = env_with_imports(text, result.imports)
    if updated != text:
        write_atomically(path, updated)
    return dataclasses.replace(result, written=path, changed=updated != text)


@dataclasses.dataclass(frozen=True)
class CreateAllResult(Result):
    """The models' tables created (in a dry run: that would be) on an empty database."""

    database: str
    source: str
    tables: tuple[str, ...]
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        from pitstop.errors import EXIT_DRY_RUN

        return EXIT_DRY_RUN if self.dry_run else EXIT_OK


@recorded("db", "create-all")
def create_all(settings: Settings, *, progress: Progress | None = None,
               database_url: str | None = None, base: str | None = None,
               dry_run: bool | None = None) -> CreateAllResult:
    """Create every model's table (and PostgreSQL enum type) on an empty database, in
    one transaction where the database allows — what a project without migrations does
    at first start.  A database that already has tables (pitstop's and Alembic's own
    left aside) is refused, naming some of them (exit 1): use migrations there.  The
    models are those of ``base``, else ``[models] base``, else ``[models] paths``."""
    from pitstop.db.connect import session
    from pitstop.db.inspect_schema import ignored
    from pitstop.db.metadata_json import load_metadata
    from pitstop.db.models import load_models

    db = database_for(settings, database_url)
    dry = settings.dry_run if dry_run is None else dry_run
    found = load_models(settings, base=base, dialect=db.dialect, require=True)
    metadata = load_metadata(dict(found.schema))
    names = tuple(sorted(metadata.tables))
    import sqlalchemy

    exclude = ignored_tables(settings)
    with session(db, timeout=timeout_for(settings)) as conn:
        present = [t for t in sqlalchemy.inspect(conn).get_table_names()
                   if not ignored(t, exclude)]
        if present:
            shown = ", ".join(present[:5]) + (" …" if len(present) > 5 else "")
            raise PitstopError(f"{db.masked} is not empty: it has {len(present)} table(s) "
                               f"({shown}); create-all only creates a new schema",
                               hint="use migrations there: `pitstop migrate new NAME "
                                    "--autogenerate`, then `pitstop migrate up`")
        if not dry:
            metadata.create_all(conn)  # in the transaction the inspection began
            conn.commit()
    return CreateAllResult(db.masked, found.source, names, dry)
