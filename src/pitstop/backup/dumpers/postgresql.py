"""PostgreSQL through ``pg_dump -Fc`` and ``pg_restore``.

The custom format is written uncompressed (``-Z0``) when pitstop compresses the
stream itself, so the data is compressed once, by zstd.  The password travels in a
private temporary ``passfile``, never on the command line or in the environment.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from pitstop.backup.compress import Sink
from pitstop.backup.dumpers import DatabaseState, server
from pitstop.backup.dumpers import process as proc
from pitstop.backup.model import Progress
from pitstop.backup.settings import BackupSettings
from pitstop.db.url import DatabaseURL, connect_check
from pitstop.errors import BackupError, DependencyError

PACKAGE = "postgresql-client"
_TABLES = ("SELECT table_schema, table_name FROM information_schema.tables "
           "WHERE table_type = 'BASE TABLE' "
           "AND table_schema NOT IN ('pg_catalog', 'information_schema') "
           "ORDER BY 1, 2")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _major(version: str | None) -> str:
    match = re.search(r"(\d+)(?:\.\d+)*", version or "")
    return match.group(1) if match else "?"


class PostgresDumper:
    dialect = "postgresql"
    tool = "pg_dump"
    extension = ".pgdump"

    def __init__(self, settings: BackupSettings, workdir: Path) -> None:
        self.settings = settings
        self.workdir = workdir

    def _conninfo(self, db: DatabaseURL, passfile: str | None) -> str:
        """The URL for libpq without its password (that goes in ``passfile``)."""
        url = db.sqlalchemy_url.set(drivername="postgresql", password=None)
        query = {"connect_timeout": "10", "application_name": "pitstop",
                 **{k: v if isinstance(v, str) else v[-1] for k, v in url.query.items()}}
        if passfile is not None:
            query["passfile"] = passfile
        return url.set(query=query).render_as_string(hide_password=False)

    def _passfile(self, db: DatabaseURL) -> str | None:
        password = db.sqlalchemy_url.password
        if not password:
            return None
        escaped = str(password).replace("\\", "\\\\").replace(":", "\\:")
        return f"*:*:*:*:{escaped}\n"  # a file made for this one connection

    def _admin(self, db: DatabaseURL) -> DatabaseURL:
        return db.with_database("postgres")

    def versions(self, db: DatabaseURL) -> tuple[str | None, str | None]:
        server_version = connect_check(db)
        version = proc.tool_version(proc.find_binary(self.settings.pg_dump, PACKAGE))
        return server_version, version

    def dump(self, db: DatabaseURL, out: Sink, progress: Progress | None) -> None:
        binary = proc.find_binary(self.settings.pg_dump, PACKAGE)
        try:
            with proc.secret_file(self._passfile(db)) as passfile:
                argv = [binary, "--format=custom", "--no-password",
                        f"--dbname={self._conninfo(db, passfile)}"]
                if self.settings.compress != "none":
                    argv.insert(2, "--compress=0")
                proc.stream_out(argv, None, out, progress, self.settings.timeout)
        except BackupError as exc:
            if "version mismatch" in exc.message:
                server_version = connect_check(db)
                tool = proc.tool_version(binary)
                raise DependencyError(
                    f"{tool or 'pg_dump'} cannot dump {db.host}: the server runs PostgreSQL "
                    f"{server_version}, newer than the client",
                    hint=f"install postgresql-client-{_major(server_version)} "
                         "or set [backup] pg-dump to a matching pg_dump",
                ) from exc
            raise

    def ensure_database(self, db: DatabaseURL) -> None:
        exists = server.database_exists(
            db, self._admin(db), "SELECT 1 FROM pg_database WHERE datname = :name")
        if not exists:
            server.execute_admin(self._admin(db), f"CREATE DATABASE {_quote(db.database or '')}")

    def _drop_contents(self, db: DatabaseURL) -> None:
        """Empty ``db`` in one transaction: extensions (but plpgsql), every schema but
        ``public``, and the relations, routines and types of ``public``.  After that the
        restore leaves the database holding what the backup holds and nothing else
        (``pg_restore --clean`` only replaces the objects the dump contains, so a table
        a failed migration created would otherwise survive)."""
        import sqlalchemy
        from sqlalchemy.exc import SQLAlchemyError

        text = sqlalchemy.text
        relkinds = {"r": "TABLE", "p": "TABLE", "f": "FOREIGN TABLE", "v": "VIEW",
                    "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
        with server.connection(db) as conn:
            try:
                with conn.begin():
                    for (name,) in conn.execute(text(
                            "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'")):
                        conn.execute(text(f"DROP EXTENSION IF EXISTS {_quote(name)} CASCADE"))
                    for (name,) in conn.execute(text(
                            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                            "AND nspname NOT IN ('information_schema', 'public')")):
                        conn.execute(text(f"DROP SCHEMA IF EXISTS {_quote(name)} CASCADE"))
                    in_public = "n.nspname = 'public'"
                    rows = conn.execute(text(
                        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n "
                        f"ON n.oid = c.relnamespace WHERE {in_public} "
                        "AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S') "
                        "AND NOT c.relispartition")).all()
                    for name, kind in rows:
                        conn.execute(text(f"DROP {relkinds[str(kind)]} IF EXISTS "
                                          f"public.{_quote(name)} CASCADE"))
                    for name, kind in conn.execute(text(
                            "SELECT t.typname, t.typtype FROM pg_type t JOIN pg_namespace n "
                            f"ON n.oid = t.typnamespace WHERE {in_public} "
                            "AND t.typtype IN ('c', 'd', 'e', 'r') "  # multiranges go with ranges
                            "AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c "
                            "WHERE c.oid = t.typrelid) = 'c')")).all():
                        what = "DOMAIN" if kind == "d" else "TYPE"
                        conn.execute(text(f"DROP {what} IF EXISTS public.{_quote(name)} CASCADE"))
                    for signature, kind in conn.execute(text(
                            "SELECT p.oid::regprocedure::text, p.prokind FROM pg_proc p JOIN "
                            f"pg_namespace n ON n.oid = p.pronamespace WHERE {in_public} "
                            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = "
                            "'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i')")
                            ).all():
                        what = "AGGREGATE" if kind == "a" else "ROUTINE"
                        conn.execute(text(f"DROP {what} IF EXISTS {signature} CASCADE"))
            except SQLAlchemyError as exc:
                raise server.statement_error(exc, db, "cannot empty") from exc

    def restore(self, db: DatabaseURL, source: BinaryIO, *, clean: bool) -> None:
        binary = proc.find_binary(self.settings.pg_restore, PACKAGE)
        self.ensure_database(db)
        if clean:
            self._drop_contents(db)
        with proc.secret_file(self._passfile(db)) as passfile:
            argv = [binary, "--no-owner", "--exit-on-error", "--single-transaction",
                    "--no-password", f"--dbname={self._conninfo(db, passfile)}"]
            if clean:
                argv[1:1] = ["--clean", "--if-exists"]
            proc.stream_in(argv, None, source, None, self.settings.timeout)

    def inspect(self, db: DatabaseURL) -> DatabaseState:
        return server.inspect_server(db, _TABLES, _quote)

    @contextlib.contextmanager
    def scratch(self, db: DatabaseURL) -> Iterator[DatabaseURL]:
        name = server.scratch_name()
        admin = self._admin(db)
        server.execute_admin(admin, f"CREATE DATABASE {_quote(name)}")
        try:
            yield db.with_database(name)
        finally:
            server.execute_admin(admin, f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
