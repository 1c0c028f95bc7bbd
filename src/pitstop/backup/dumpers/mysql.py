"""MySQL/MariaDB through ``mariadb-dump``/``mysqldump --single-transaction --routines
--triggers`` and the ``mariadb``/``mysql`` client.

The dump names no database (no ``CREATE DATABASE``/``USE``), so it restores into
any database.  The password travels in a private temporary option file
(``--defaults-extra-file``), never on the command line or in the environment.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import BinaryIO

from pitstop.backup.compress import Sink
from pitstop.backup.dumpers import DatabaseState, server
from pitstop.backup.dumpers import process as proc
from pitstop.backup.settings import BackupSettings
from pitstop.capability import Progress
from pitstop.db.url import DatabaseURL, connect_check
from pitstop.errors import BackupError, DependencyError, PitstopError

PACKAGE = "mariadb-client"
# what a dump tool says when it does not fit the server: MySQL 8's mysqldump against
# MariaDB or an older MySQL, and an old client against MySQL 8's default authentication
_MISMATCH = ("COLUMN_STATISTICS", "caching_sha2_password", "sha256_password")
_FALLBACK = {"mariadb-dump": "mysqldump", "mariadb": "mysql"}


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class MySQLDumper:
    dialect = "mysql"
    tool = "mariadb-dump"
    extension = ".sql"
    atomic_restore = False  # DDL commits implicitly: a failure leaves a partial restore

    def __init__(self, settings: BackupSettings, workdir: Path) -> None:
        self.settings = settings
        self.workdir = workdir

    def _binary(self, name: str) -> str:
        if shutil.which(name) is None and name in _FALLBACK \
                and shutil.which(_FALLBACK[name]) is not None:
            name = _FALLBACK[name]
        return proc.find_binary(name, PACKAGE)

    def _connection_args(self, db: DatabaseURL) -> list[str]:
        url = db.sqlalchemy_url
        args = [f"--host={url.host or 'localhost'}"]
        if url.port:
            args.append(f"--port={url.port}")
        if url.host and url.host != "localhost":
            args.append("--protocol=TCP")
        if url.username:
            args.append(f"--user={url.username}")
        return args

    def _options(self, db: DatabaseURL) -> str | None:
        """An option file with the password (read through --defaults-extra-file)."""
        password = db.sqlalchemy_url.password
        if not password:
            return None
        quoted = str(password).replace("\\", "\\\\").replace('"', '\\"')
        return f'[client]\npassword="{quoted}"\n'

    @staticmethod
    def _with_options(binary: str, options: str | None, rest: list[str]) -> list[str]:
        # --defaults-extra-file must be the very first option
        return [binary, *([f"--defaults-extra-file={options}"] if options else []), *rest]

    def versions(self, db: DatabaseURL) -> tuple[str | None, str | None]:
        binary = self._binary(self.settings.mysql_dump)  # missing: exit 2, before connecting
        server_version = connect_check(db)
        return server_version, proc.tool_version(binary)

    def dump(self, db: DatabaseURL, out: Sink, progress: Progress | None) -> None:
        binary = self._binary(self.settings.mysql_dump)
        self.tool = Path(binary).name
        with proc.secret_file(self._options(db)) as options:
            argv = self._with_options(binary, options, [
                *self._connection_args(db), "--single-transaction", "--routines",
                "--triggers", "--hex-blob", "--default-character-set=utf8mb4",
                "--skip-dump-date", "--", db.database or ""])
            try:
                proc.stream_out(argv, None, out, progress, self.settings.timeout)
            except BackupError as exc:
                mismatch = self._mismatch(db, binary, exc.message)
                if mismatch is not None:
                    raise mismatch from exc
                raise

    def _mismatch(self, db: DatabaseURL, binary: str, message: str) -> DependencyError | None:
        """The dump tool and the server are of different families or eras."""
        if not any(p in message for p in _MISMATCH):
            return None
        import sqlalchemy
        from sqlalchemy.exc import SQLAlchemyError

        server_version = None
        with contextlib.suppress(PitstopError, SQLAlchemyError), server.connection(db) as conn:
            server_version = str(conn.execute(sqlalchemy.text("SELECT VERSION()")).scalar())
        tool = proc.tool_version(binary) or Path(binary).name
        mariadb = "mariadb" in (server_version or "").lower()
        server_version = (server_version or "").split("-")[0] or None
        server_name = f"{'MariaDB' if mariadb else 'MySQL'} {server_version or '?'}"
        package = "mariadb-client" if mariadb else "mysql-client (or default-mysql-client)"
        return DependencyError(
            f"{Path(binary).name} cannot dump {db.host}: it does not match the server, "
            f"{server_name} ({tool})",
            hint=f"install the client of the server's family and version ({package}), "
                 "or set [backup] mysql-dump to a matching dump tool")

    def ensure_database(self, db: DatabaseURL) -> None:
        from pitstop.db.databases import create_database

        create_database(db)

    def _drop_contents(self, db: DatabaseURL) -> None:
        """Drop every table, view, sequence and routine of ``db``, so that after a
        clean restore it holds what the backup holds and nothing else (a table a
        failed non-transactional migration created would otherwise stay)."""
        import sqlalchemy
        from sqlalchemy.exc import SQLAlchemyError

        kinds = {"VIEW": "VIEW", "SEQUENCE": "SEQUENCE"}
        with server.connection(db, autocommit=True) as conn:
            try:
                params = {"schema": db.database}
                tables = conn.execute(sqlalchemy.text(
                    "SELECT table_name, table_type FROM information_schema.tables "
                    "WHERE table_schema = :schema"), params).all()
                routines = conn.execute(sqlalchemy.text(
                    "SELECT routine_name, routine_type FROM information_schema.routines "
                    "WHERE routine_schema = :schema"), params).all()
                conn.execute(sqlalchemy.text("SET FOREIGN_KEY_CHECKS = 0"))
                for name, kind in tables:
                    conn.execute(sqlalchemy.text(
                        f"DROP {kinds.get(str(kind), 'TABLE')} IF EXISTS {_quote(str(name))}"))
                for name, kind in routines:
                    if kind in ("PROCEDURE", "FUNCTION"):
                        conn.execute(sqlalchemy.text(
                            f"DROP {kind} IF EXISTS {_quote(str(name))}"))
            except SQLAlchemyError as exc:
                raise server.statement_error(exc, db, "cannot empty") from exc

    def restore(self, db: DatabaseURL, source: BinaryIO, *, clean: bool) -> None:
        binary = self._binary(self.settings.mysql_client)
        if clean:
            self._drop_contents(db)
        with proc.secret_file(self._options(db)) as options:
            argv = self._with_options(binary, options, [
                *self._connection_args(db), "--batch", "--default-character-set=utf8mb4",
                f"--database={db.database}"])
            proc.stream_in(argv, None, source, None, self.settings.timeout)

    def inspect(self, db: DatabaseURL) -> DatabaseState:
        schema = (db.database or "").replace("\\", "\\\\").replace("'", "''")
        sql = ("SELECT table_schema, table_name FROM information_schema.tables "
               f"WHERE table_type = 'BASE TABLE' AND table_schema = '{schema}' "
               "ORDER BY 2")
        return server.inspect_server(db, sql, _quote)

    def scratch(self, db: DatabaseURL) -> contextlib.AbstractContextManager[DatabaseURL]:
        return server.scratch(db)


DUMPER = MySQLDumper
