"""The ``db`` capability's verbs: ``init`` and ``extensions list/verify/deploy``.

Each is ``verb(settings, *, progress=None, **options) -> Result``; the CLI
(``pitstop db …``) and the built-in tasks (``db-init``, ``extensions-deploy``) call
them.  The database is :func:`pitstop.db.resolve.resolve_url` for the ``db`` table:
the ``database_url`` option, else ``database_url`` of the settings.  Required
extensions are ``[db.extensions] required`` unless ``names`` are given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pitstop.capability import Progress, Result, recorded
from pitstop.db.extensions import ExtensionStatus
from pitstop.errors import EXIT_DRY_RUN, EXIT_ERROR, EXIT_OK, UsageError

if TYPE_CHECKING:
    from pitstop.config import Settings
    from pitstop.db.url import DatabaseURL


@dataclasses.dataclass(frozen=True)
class InitResult(Result):
    """What ``db init`` found and did."""

    database: str
    """The database's URL, password masked."""
    dialect: str
    created: bool
    """Whether the database was (in a dry run: would be) created."""
    dry_run: bool = False

    @property
    def message(self) -> str:
        if not self.created:
            return f"{self.database} already exists"
        return f"would create {self.database}" if self.dry_run else f"created {self.database}"

    @property
    def exit_code(self) -> int:
        return EXIT_DRY_RUN if self.dry_run else EXIT_OK


@dataclasses.dataclass(frozen=True)
class InstalledExtension:
    name: str
    version: str


@dataclasses.dataclass(frozen=True)
class ExtensionList(Result):
    """Every installed extension, and the state of the required ones."""

    database: str
    installed: tuple[InstalledExtension, ...]
    required: tuple[ExtensionStatus, ...]


@dataclasses.dataclass(frozen=True)
class ExtensionsResult(Result):
    """The required extensions of one database: their state, and what ``deploy`` did
    (or, in a dry run, would do) to each."""

    database: str
    extensions: tuple[ExtensionStatus, ...]
    dry_run: bool = False
    derived = ("ok", "changed")

    @property
    def ok(self) -> bool:
        """Every required extension is installed at a matching version."""
        return all(s.state == "ok" for s in self.extensions)

    @property
    def changed(self) -> list[str]:
        """The extensions created or updated (in a dry run: that would be)."""
        return [s.name for s in self.extensions if s.action]

    @property
    def not_ready(self) -> list[ExtensionStatus]:
        return [s for s in self.extensions if s.state != "ok"]

    @property
    def exit_code(self) -> int:
        if self.dry_run:
            return EXIT_DRY_RUN
        return EXIT_OK if self.ok else EXIT_ERROR


def _database(settings: Settings, database_url: str | None) -> DatabaseURL:
    from pitstop.db.resolve import resolve_url

    return resolve_url(settings, "db", database_url)


def _required(settings: Settings, names: Sequence[str]) -> tuple[str, ...]:
    from pitstop.db.extensions import parse_requirement
    from pitstop.db.settings import extension_settings

    for name in names:
        try:
            parse_requirement(name)
        except ValueError as exc:
            raise UsageError(str(exc).removeprefix("required: ")) from None
    return tuple(names) or extension_settings(settings).required


def _timeout(settings: Settings) -> float:
    from pitstop.db.settings import DbSettings

    return settings.section(DbSettings).timeout


@recorded("db", "init")
def init(settings: Settings, *, progress: Progress | None = None,
         database_url: str | None = None, dry_run: bool | None = None) -> InitResult:
    """Create the database named in the URL if it does not exist (a SQLite file, a
    PostgreSQL or MySQL/MariaDB database); safe to run again.  ``dry_run`` (default:
    the settings') only says whether it would be created."""
    from pitstop.db.databases import create_database

    db = _database(settings, database_url)
    dry = settings.dry_run if dry_run is None else dry_run
    created = create_database(db, dry_run=dry, timeout=_timeout(settings))
    return InitResult(db.masked, db.dialect, created, dry)


def list_extensions(settings: Settings, *, progress: Progress | None = None,
                    database_url: str | None = None) -> ExtensionList:
    """Every extension installed in the database, and the state of the required ones
    (``[db.extensions] required``)."""
    from pitstop.db.extensions import extension_states, installed_extensions

    db = _database(settings, database_url)
    timeout = _timeout(settings)
    required = _required(settings, ())
    states = extension_states(db, required, timeout=timeout) if required else []
    installed = installed_extensions(db, timeout=timeout)
    return ExtensionList(db.masked, tuple(InstalledExtension(n, v) for n, v in installed),
                         tuple(states))


@recorded("db", "extensions-verify")
def verify_extensions(settings: Settings, *, progress: Progress | None = None,
                      database_url: str | None = None, names: Sequence[str] = ()
                      ) -> ExtensionsResult:
    """Whether every required extension (``names``, else ``[db.extensions] required``)
    is installed at a matching version; nothing is changed.  Exit code 1 when one is
    not."""
    from pitstop.db.extensions import extension_states

    db = _database(settings, database_url)
    required = _required(settings, names)
    states = extension_states(db, required, timeout=_timeout(settings)) if required else []
    return ExtensionsResult(db.masked, tuple(states))


@recorded("db", "extensions-deploy")
def deploy_extensions(settings: Settings, *, progress: Progress | None = None,
                      database_url: str | None = None, names: Sequence[str] = (),
                      schema: str | None = None, dry_run: bool | None = None
                      ) -> ExtensionsResult:
    """Create the missing required extensions (``names``, else ``[db.extensions]
    required``) and update the outdated ones the server ships a matching version of,
    in one transaction, in ``schema`` (else ``[db.extensions] schema``).  ``dry_run``
    (default: the settings') says what it would do and changes nothing.  A role
    without the privilege is exit 5 and a server that does not ship one of them exit
    2, with nothing changed; an extension that stays outdated makes the exit code 1."""
    from pitstop.db.extensions import apply_extensions
    from pitstop.db.settings import extension_settings

    db = _database(settings, database_url)
    required = _required(settings, names)
    dry = settings.dry_run if dry_run is None else dry_run
    if not required:
        return ExtensionsResult(db.masked, (), dry)
    states = apply_extensions(db, required, dry_run=dry, timeout=_timeout(settings),
                              schema=schema or extension_settings(settings).schema)
    return ExtensionsResult(db.masked, tuple(states), dry)


def describe(result: ExtensionsResult) -> str:
    """One line on what ``deploy`` did or would do."""
    if not result.extensions:
        return "no extensions required ([db.extensions] required is empty)"
    changed = ", ".join(result.changed)
    if result.dry_run:
        return f"dry run: would create or update {changed or 'nothing'}"
    if result.not_ready:
        return "not deployed: " + ", ".join(f"{s.name} ({s.state})" for s in result.not_ready)
    return f"deployed: {changed}" if changed else "all extensions already present"
