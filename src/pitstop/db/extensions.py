"""Database extensions (PostgreSQL's ``CREATE EXTENSION``): parse requirements
(``"pg_trgm>=1.6"``), read what a database has, and deploy what it lacks in one
transaction.

:func:`extension_states` and :func:`apply_extensions` work on one URL and return
:class:`ExtensionStatus` rows; the verbs (:mod:`pitstop.db.verbs`) and the
``extensions`` health check call them.  What ``deploy`` would do is decided once,
by :func:`plan`, for the dry run and the real run alike.  A role without the
privilege is a :class:`~pitstop.errors.PermissionDeniedError` (exit 5) and a server
that does not ship an extension a :class:`~pitstop.errors.DependencyError` (exit 2):
in both cases nothing is changed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from pitstop.errors import ConfigError, DependencyError, PermissionDeniedError

if TYPE_CHECKING:
    from pitstop.db.dialects.interface import Extensions
    from pitstop.db.url import DatabaseURL

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_][A-Za-z0-9_\-]*)\s*(?:(>=|<=|==|!=|>|<|=)\s*"
                          r"([0-9][0-9A-Za-z.\-]*))?\s*$")
State = Literal["ok", "missing", "outdated", "unavailable"]
Action = Literal["created", "updated"]


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
    action: Action | None = None
    """What ``deploy`` did (or, in a dry run, would do)."""

    @property
    def name(self) -> str:
        return self.requirement.name

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "required": str(self.requirement), "state": self.state,
                "installed": self.installed, "available": self.available,
                "action": self.action}


def _support(db: DatabaseURL) -> Extensions:
    support = db.system.extensions
    if support is None:
        raise ConfigError(f"extensions are a PostgreSQL feature; the database is {db.dialect} "
                          f"({db.masked})",
                          hint="point the database URL at PostgreSQL, or leave [db.extensions] "
                               "required empty")
    return support


def _states(support: Extensions, conn: Any, requirements: Sequence[Requirement]
            ) -> list[ExtensionStatus]:
    known = support.available(conn, [r.name for r in requirements])
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


def plan(db: DatabaseURL, states: Sequence[ExtensionStatus]) -> list[ExtensionStatus]:
    """What ``deploy`` does to each extension: create the missing ones, update the
    outdated ones whose shipped version satisfies the requirement (the others stay
    outdated).  A server that does not ship one of them is a :class:`DependencyError`
    before anything is done."""
    unavailable = [s.name for s in states if s.state == "unavailable"]
    if unavailable:
        raise DependencyError(
            f"postgresql at {db.host} does not ship {', '.join(unavailable)}; "
            "nothing was changed",
            hint="install the package that provides them on the database server "
                 "(e.g. postgresql-contrib, postgis)")
    planned = []
    for item in states:
        if item.state == "missing":
            item = dataclasses.replace(item, action="created")
        elif item.state == "outdated" and item.available \
                and item.requirement.matches(item.available):
            item = dataclasses.replace(item, action="updated")
        planned.append(item)
    return planned


def requirements(texts: Sequence[str | Requirement]) -> list[Requirement]:
    return [parse_requirement(t) if isinstance(t, str) else t for t in texts]


def extension_states(url: str | DatabaseURL, required: Sequence[str | Requirement], *,
                     timeout: float = 10.0) -> list[ExtensionStatus]:
    """The state of every required extension (nothing is changed)."""
    from pitstop.db.connect import session
    from pitstop.db.url import parse_url

    db = parse_url(url)
    support = _support(db)
    with session(db, timeout=timeout) as conn:
        return _states(support, conn, requirements(required))


def installed_extensions(url: str | DatabaseURL, *, timeout: float = 10.0
                         ) -> list[tuple[str, str]]:
    """``(name, version)`` of every extension installed in the database."""
    from pitstop.db.connect import session
    from pitstop.db.url import parse_url

    db = parse_url(url)
    support = _support(db)
    with session(db, timeout=timeout) as conn:
        return support.installed(conn)


def apply_extensions(url: str | DatabaseURL, required: Sequence[str | Requirement], *,
                     schema: str | None = None, dry_run: bool = False,
                     timeout: float = 10.0) -> list[ExtensionStatus]:
    """Create the missing extensions and update the outdated ones :func:`plan` picks,
    all in one transaction; the states after, each with what was done.  ``dry_run``:
    the states now, each with what would be done."""
    from sqlalchemy.exc import DBAPIError

    from pitstop.db.connect import session
    from pitstop.db.url import parse_url

    db = parse_url(url)
    support = _support(db)
    reqs = requirements(required)
    with session(db, timeout=timeout) as conn:
        todo = plan(db, _states(support, conn, reqs))
        if dry_run:
            return todo
        try:
            for item in todo:
                if item.action == "created":
                    support.create(conn, item.name, schema)
                elif item.action == "updated":
                    support.update(conn, item.name)
            conn.commit()
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != "42501":
                raise
            # insufficient_privilege: nothing was committed
            user = db.username or "the current role"
            raise PermissionDeniedError(
                f"postgresql at {db.host}: role {user} may not create these extensions: "
                f"{str(exc.orig).strip().splitlines()[0]}",
                hint="run `pitstop db extensions deploy` as a superuser (or the database "
                     "owner for trusted extensions), or ask your DBA to run CREATE EXTENSION",
            ) from exc
        after = {s.name: s for s in _states(support, conn, reqs)}
    return [dataclasses.replace(after[d.name], action=d.action) for d in todo]
