"""PostgreSQL extensions: parse requirements (``"pg_trgm>=1.6"``), verify that they are
installed at a matching version, and deploy the missing or outdated ones in one
transaction.

``verify`` and ``deploy`` return :class:`ExtensionStatus` rows; a role without the
privilege to create an extension gets a :class:`~pitstop.errors.PermissionDeniedError`
(exit 5) with a hint, and nothing is changed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from pitstop.checks.base import missing_module
from pitstop.db.url import DatabaseURL, create_engine, translate_error
from pitstop.errors import ConfigError, DependencyError, PermissionDeniedError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_][A-Za-z0-9_\-]*)\s*(?:(>=|<=|==|!=|>|<|=)\s*"
                          r"([0-9][0-9A-Za-z.\-]*))?\s*$")
State = Literal["ok", "missing", "outdated", "unavailable"]


@dataclasses.dataclass(frozen=True)
class Requirement:
    name: str
    op: str | None = None
    version: str | None = None

    def matches(self, version: str) -> bool:
        if self.op is None or self.version is None:
            return True
        have, want = version_key(version), version_key(self.version)
        return {
            ">=": have >= want, "<=": have <= want, ">": have > want, "<": have < want,
            "==": have == want, "=": have == want, "!=": have != want,
        }[self.op]

    def __str__(self) -> str:
        return f"{self.name}{self.op or ''}{self.version or ''}"


def version_key(version: str) -> tuple[int, ...]:
    """``"1.6"`` → ``(1, 6)``; extension versions are not always PEP 440."""
    return tuple(int(part) for part in re.findall(r"\d+", version))


def parse_requirement(text: str) -> Requirement:
    """Parse ``"name"``, ``"name>=1.6"``, ``"uuid-ossp==1.1"``; :class:`ValueError`
    naming the entry otherwise."""
    match = _REQUIREMENT.match(text)
    if not match:
        raise ValueError(f"required: {text!r} is not an extension requirement such as "
                         "'pg_trgm' or 'pg_trgm>=1.6'")
    return Requirement(match.group(1), match.group(2), match.group(3))


@dataclasses.dataclass(frozen=True)
class ExtensionStatus:
    """One required extension on one database."""

    requirement: Requirement
    state: State
    installed: str | None
    available: str | None
    """The server's default version for ``CREATE EXTENSION`` (``None``: not shipped)."""
    action: str | None = None
    """What ``deploy`` did: ``created``, ``updated`` or ``None``."""

    @property
    def name(self) -> str:
        return self.requirement.name


def _postgres(url: str | DatabaseURL) -> DatabaseURL:
    from pitstop.checks.database import parse_database_url  # (imports this module)

    db = url if isinstance(url, DatabaseURL) else parse_database_url(url)
    if db.dialect != "postgresql":
        raise ConfigError(f"extensions are a PostgreSQL feature; the database is {db.dialect} "
                          f"({db.masked})", key="checks.extensions",
                          hint="remove [checks.extensions] required or point database_url "
                               "at PostgreSQL")
    return db


def _states(conn: Connection, requirements: Sequence[Requirement]) -> list[ExtensionStatus]:
    import sqlalchemy

    rows = conn.execute(sqlalchemy.text(
        "SELECT a.name, a.default_version, e.extversion FROM pg_available_extensions a "
        "FULL JOIN pg_extension e ON e.extname = a.name "
        "WHERE coalesce(a.name, e.extname) = ANY(:names)"),
        {"names": [r.name for r in requirements]}).all()
    known = {str(r[0]): (r[1], r[2]) for r in rows}
    result = []
    for req in requirements:
        available, installed = known.get(req.name, (None, None))
        state: State
        if installed is not None and req.matches(installed):
            state = "ok"
        elif installed is not None:
            state = "outdated"
        elif available is None:
            state = "unavailable"
        else:
            state = "missing"
        result.append(ExtensionStatus(req, state, installed, available))
    return result


def _run(url: str | DatabaseURL, timeout: float, write: bool, requirements: Sequence[str],
         schema: str | None) -> list[ExtensionStatus]:
    import sqlalchemy
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    db = _postgres(url)
    reqs = [parse_requirement(r) if isinstance(r, str) else r for r in requirements]
    try:
        engine = create_engine(db, connect_timeout=timeout, poolclass=sqlalchemy.pool.NullPool)
    except ImportError as exc:  # installed, but cannot load (psycopg without libpq)
        raise missing_module(exc, "psycopg") from exc
    try:
        with engine.connect() as conn:
            states = _states(conn, reqs)
            if not write:
                return states
            unavailable = [s.name for s in states if s.state == "unavailable"]
            if unavailable:
                raise DependencyError(
                    f"postgresql at {db.host} does not ship {', '.join(unavailable)}; "
                    "nothing was changed",
                    hint="install the package that provides them on the database server "
                         "(e.g. postgresql-contrib, postgis)")
            done: list[ExtensionStatus] = []
            for item in states:
                quoted = '"' + item.name.replace('"', '""') + '"'
                if item.state == "missing":
                    where = ' SCHEMA "' + schema.replace('"', '""') + '"' if schema else ""
                    conn.execute(sqlalchemy.text(f"CREATE EXTENSION IF NOT EXISTS {quoted}{where}"))
                    item = dataclasses.replace(item, action="created")
                elif item.state == "outdated" and item.available \
                        and item.requirement.matches(item.available):
                    conn.execute(sqlalchemy.text(f"ALTER EXTENSION {quoted} UPDATE"))
                    item = dataclasses.replace(item, action="updated")
                done.append(item)
            conn.commit()
            after = {s.name: s for s in _states(conn, reqs)}
            return [dataclasses.replace(after[d.name], action=d.action) for d in done]
    except DBAPIError as exc:
        code = getattr(exc.orig, "sqlstate", None)
        if code == "42501":  # insufficient_privilege: nothing was committed
            user = db.sqlalchemy_url.username or "the current role"
            raise PermissionDeniedError(
                f"postgresql at {db.host}: role {user} may not create these extensions: "
                f"{str(exc.orig).strip().splitlines()[0]}",
                hint="run `pitstop db extensions deploy` as a superuser (or the database "
                     "owner for trusted extensions), or ask your DBA to run CREATE EXTENSION",
            ) from exc
        raise translate_error(exc, db) from exc
    except SQLAlchemyError as exc:
        raise translate_error(exc, db) from exc
    except ImportError as exc:  # installed, but cannot load (psycopg without libpq)
        raise missing_module(exc, "psycopg") from exc
    finally:
        engine.dispose()


def verify(url: str | DatabaseURL, requirements: Sequence[str], *,
           timeout: float = 10.0) -> list[ExtensionStatus]:
    """The state of every required extension (nothing is changed)."""
    return _run(url, timeout, False, requirements, None)


def deploy(url: str | DatabaseURL, requirements: Sequence[str], *, schema: str | None = None,
           timeout: float = 10.0) -> list[ExtensionStatus]:
    """Create the missing extensions and update outdated ones whose shipped version
    satisfies the requirement, all in one transaction.  When the server does not ship
    one of them, :class:`DependencyError` (exit 2) is raised before anything changes;
    an outdated one that cannot be updated far enough stays ``outdated``."""
    return _run(url, timeout, True, requirements, schema)


def installed(url: str | DatabaseURL, *, timeout: float = 10.0) -> list[tuple[str, str]]:
    """``(name, version)`` of every extension installed in the database."""
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    db = _postgres(url)
    try:
        engine = create_engine(db, connect_timeout=timeout, poolclass=sqlalchemy.pool.NullPool)
    except ImportError as exc:  # installed, but cannot load (psycopg without libpq)
        raise missing_module(exc, "psycopg") from exc
    try:
        with engine.connect() as conn:
            rows = conn.execute(sqlalchemy.text(
                "SELECT extname, extversion FROM pg_extension ORDER BY extname")).all()
            return [(str(r[0]), str(r[1])) for r in rows]
    except SQLAlchemyError as exc:
        raise translate_error(exc, db) from exc
    except ImportError as exc:  # installed, but cannot load (psycopg without libpq)
        raise missing_module(exc, "psycopg") from exc
    finally:
        engine.dispose()
