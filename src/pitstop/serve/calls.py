"""The one place the web page calls other capabilities' verbs, through the registry.

Every page and API route that shows or does something another capability owns comes
here, so a verb whose signature changes is adapted in one module.  Nothing here
re-implements a verb: each function loads the verb from its descriptor and calls it.

Where a verb is not yet in the one shape (issue 15): ``backup verify`` and ``backup
restore`` take the backup id positionally, return ``to_json()`` rather than
``to_dict()`` and are not ``@recorded`` yet, so their calls are in the audit trail but
not (yet) in the history; :func:`result_data` reads either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pitstop.config import Settings
    from pitstop.engine.params import Parameter
    from pitstop.engine.planner import Plan


def _verb(capability: str, name: str) -> Any:
    from pitstop import registry

    return registry.verb(capability, name).load()


def verb_level(capability: str, name: str) -> str:
    """The level (read, write, admin) the verb's descriptor declares."""
    from pitstop import registry

    return registry.verb(capability, name).level


def result_data(result: Any) -> dict[str, Any]:
    """A verb result as JSON-ready data (``to_dict``, or the older ``to_json``)."""
    for method in ("to_dict", "to_json"):
        func = getattr(result, method, None)
        if callable(func):
            data: dict[str, Any] = func()
            return data
    from pitstop.capability import jsonable

    value: dict[str, Any] = jsonable(result)
    return value


# -- migrations ----------------------------------------------------------------------
def migration_status(settings: Settings) -> Any:
    """``migrate status`` for the configured database, as a view: not recorded (the
    dashboard shows it on every visit)."""
    from pitstop.capability import invocation

    with invocation(record=False):
        return _verb("migrate", "status")(settings)


def migrate_up(settings: Settings) -> Any:
    return _verb("migrate", "up")(settings, dry_run=False)


def migrate_down(settings: Settings, *, steps: int = 1) -> Any:
    return _verb("migrate", "down")(settings, steps=steps, dry_run=False)


def database_name(settings: Settings) -> str:
    """The name of the configured database, as a person types it to confirm (the
    database of a server URL, the file name of SQLite)."""
    from pitstop.db.url import parse_url

    db = parse_url(settings.database_url)
    if db.sqlite_path is not None:
        return db.sqlite_path.name
    return db.database or db.masked


def database_label(settings: Settings) -> str:
    """The configured database as the page shows it (no password)."""
    from pitstop.serve.display import db_label

    return db_label(settings.database_url, settings.project_dir)


# -- backups -------------------------------------------------------------------------
def backups(settings: Settings) -> list[Any]:
    """``backup list``: every backup, safety backups included, oldest first."""
    found: list[Any] = _verb("backup", "list")(settings)
    return found


def verify_backup(settings: Settings, backup_id: str) -> Any:
    return _verb("backup", "verify")(settings, backup_id, include_safety=True)


def restore_backup(settings: Settings, backup_id: str) -> Any:
    """Restore into the configured database, replacing what it holds (the page asked
    for the database name to be typed first); a safety backup is taken first."""
    return _verb("backup", "restore")(settings, backup_id, yes=True, include_safety=True)


# -- runbooks ------------------------------------------------------------------------
def runbook_plan(settings: Settings, name: str,
                 params: Mapping[str, str] | None = None) -> Plan:
    """The validated plan of workflow ``name`` (raises ConfigError); with ``params``
    bound to those values (unknown, invalid or missing ones are a ConfigError)."""
    from pitstop import engine, registry

    return engine.plan(settings, name, registry.tasks(), params)


def runbook_parameters(settings: Settings, name: str) -> tuple[Parameter, ...]:
    """What workflow ``name`` declares, for its form (secret defaults masked)."""
    from pitstop import engine

    return engine.parameters(settings, name)


def run_runbook(settings: Settings, name: str, *, user: str, on_event: Any,
                params: Mapping[str, str] | None = None) -> Any:
    """Run workflow ``name`` as ``user`` with trigger ``web`` (blocks until it ends)."""
    from pitstop import engine, registry

    return engine.run(settings, name, registry.tasks(), trigger="web", user=user,
                      environ=settings.environ, on_event=on_event, params=params or {})


# -- schedules -----------------------------------------------------------------------
def schedules(settings: Settings) -> Any:
    """``schedule list`` with each schedule's next firing (a view: not recorded)."""
    from pitstop.capability import invocation

    with invocation(record=False):
        return _verb("schedule", "list")(settings, count=1)
