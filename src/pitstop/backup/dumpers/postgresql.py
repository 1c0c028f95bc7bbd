"""PostgreSQL through ``pg_dump -Fc``, and ``pg_restore | psql`` in one transaction.

The custom format is written uncompressed (``-Z0``) when pitstop compresses the
stream itself, so the data is compressed once, by zstd.  The password travels in a
private temporary ``passfile``, never on the command line or in the environment.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import BinaryIO

from pitstop.backup.compress import Sink
from pitstop.backup.dumpers import DatabaseState, server
from pitstop.backup.dumpers import process as proc
from pitstop.backup.settings import BackupSettings
from pitstop.capability import Progress
from pitstop.db.url import DatabaseURL, connect_check
from pitstop.errors import BackupError, DependencyError

PACKAGE = "postgresql-client"
# The start of the one restore transaction.  pg_restore's own BEGIN then only warns
# (silenced here; pg_restore sets client_min_messages itself right after).
_PRELUDE = """SET client_min_messages = error;
SET search_path = pg_catalog;
BEGIN;
"""

# Empty the target inside that transaction: extensions (but plpgsql) with what depends
# on them, every schema but public, then the relations, types and routines of public.
# psql's \gexec runs each row as a statement, so every list is read after the drops
# before it.  Partitions go with their parent; sequences behind an identity or serial
# column go with their table (dropping one first fails: "column … requires it");
# extension members go with their extension; CASCADE takes views over views, triggers,
# foreign keys and defaults with what they hang on; IF EXISTS skips what a CASCADE
# took already.
_EMPTY_TARGET = r"""SELECT format('DROP EXTENSION IF EXISTS %I CASCADE', extname)
  FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY oid
\gexec
SELECT format('DROP SCHEMA IF EXISTS %I CASCADE', nspname) FROM pg_namespace
 WHERE nspname NOT LIKE 'pg\_%' AND nspname NOT IN ('information_schema', 'public')
 ORDER BY nspname
\gexec
SELECT format('DROP %s IF EXISTS public.%I CASCADE',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                             WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                             ELSE 'TABLE' END, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
   AND NOT c.relispartition
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i')
                           AND d.refclassid = 'pg_class'::regclass)))
 ORDER BY c.oid
\gexec
SELECT format('DROP %s IF EXISTS public.%I CASCADE',
              CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.typname)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = 'public' AND t.typtype IN ('c', 'd', 'e', 'r')
   AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                      AND d.objid = t.oid AND d.deptype = 'e')
 ORDER BY t.oid
\gexec
SELECT format('DROP %s IF EXISTS %s CASCADE',
              CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END,
              p.oid::regprocedure)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                      AND d.objid = p.oid AND d.deptype IN ('i', 'e'))
 ORDER BY p.oid
\gexec
"""

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
    atomic_restore = True

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

    def versions(self, db: DatabaseURL) -> tuple[str | None, str | None]:
        binary = proc.find_binary(self.settings.pg_dump, PACKAGE)  # missing: exit 2, first
        server_version = connect_check(db)
        return server_version, proc.tool_version(binary)

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
        from pitstop.db.databases import create_database

        create_database(db)  # (a restore racing this one may create it: that is fine)

    def _psql(self, pg_restore: str) -> str:
        """psql of the same installation as ``pg_restore`` (it must understand the SQL
        that pg_restore writes, such as ``\\restrict``), unless one is configured."""
        if self.settings.psql != "psql":
            return proc.find_binary(self.settings.psql, PACKAGE)
        sibling = Path(pg_restore).with_name("psql")
        if sibling.is_file() and os.access(sibling, os.X_OK):
            return str(sibling)
        return proc.find_binary("psql", PACKAGE)

    def restore(self, db: DatabaseURL, source: BinaryIO, *, clean: bool) -> None:
        """``pg_restore --file=-`` turns the archive into SQL that goes straight into
        one ``psql`` session, after the statements that empty the target (``clean``):
        all of it is one transaction, committed by the ``COMMIT`` pg_restore writes at
        the very end.  A failed statement (``ON_ERROR_STOP``), a pg_restore that dies
        half-way (psql reaches the end of its input inside the transaction) or a killed
        pitstop all roll back: the target keeps its old contents."""
        pg_restore = proc.find_binary(self.settings.pg_restore, PACKAGE)
        psql = self._psql(pg_restore)
        prelude = _PRELUDE + (_EMPTY_TARGET if clean else "")
        with proc.secret_file(self._passfile(db)) as passfile, \
                proc.secret_file(prelude) as prelude_file:
            to_sql = [pg_restore, "--no-owner", "--exit-on-error", "--single-transaction",
                      "--file=-"]
            if clean:
                # also drop what the dump holds outside the schemas emptied above
                to_sql += ["--clean", "--if-exists"]
            apply = [psql, "--no-psqlrc", "--quiet", "--no-password",
                     "--set=ON_ERROR_STOP=1", f"--dbname={self._conninfo(db, passfile)}",
                     f"--file={prelude_file}", "--file=-"]
            proc.stream_pipeline([to_sql, apply], source, None, self.settings.timeout)

    def inspect(self, db: DatabaseURL) -> DatabaseState:
        return server.inspect_server(db, _TABLES, _quote)

    def scratch(self, db: DatabaseURL) -> contextlib.AbstractContextManager[DatabaseURL]:
        return server.scratch(db)


DUMPER = PostgresDumper
