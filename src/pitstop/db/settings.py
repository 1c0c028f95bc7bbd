"""``[db]``: the application database's own settings.  Every default lives here::

    [db]
    timeout = "10s"

    [db.extensions]
    required = ["pg_trgm>=1.6", "uuid-ossp"]
    schema = "extensions"

``[checks.extensions] required`` and ``schema``, where the extensions were listed
before, are still read (with a warning naming the new key) when ``[db.extensions]``
does not list them itself.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from pitstop.config_types import Duration

if TYPE_CHECKING:
    from pitstop.config import Settings

log = logging.getLogger("pitstop.db")
_LEGACY = ("checks", "extensions")
_warned: set[tuple[str, str, str]] = set()


@dataclasses.dataclass(frozen=True)
class ExtensionSettings:
    """``[db.extensions]``: PostgreSQL extensions the application needs."""

    required: tuple[str, ...] = ()
    """Requirements such as ``"pg_trgm>=1.6"`` or ``"uuid-ossp"``: what ``db extensions
    verify`` and ``deploy``, the ``extensions-deploy`` task and the ``extensions`` check
    look at."""
    schema: str | None = None
    """The schema ``db extensions deploy`` creates them in (default: the server's
    choice, the first schema on the search path)."""

    def __post_init__(self) -> None:
        from pitstop.db.extensions import parse_requirement

        for item in self.required:
            parse_requirement(item)  # raises ValueError naming the bad entry


@dataclasses.dataclass(frozen=True)
class DbSettings:
    """``[db]``."""

    timeout: Duration = 10.0
    """How long ``db init`` and ``db extensions`` wait for a connection."""
    extensions: ExtensionSettings = ExtensionSettings()

    def __post_init__(self) -> None:
        if self.timeout <= 0:
            raise ValueError("timeout: expected a duration above zero, e.g. '10s'")


def extension_settings(settings: Settings) -> ExtensionSettings:
    """``[db.extensions]``, or what the older ``[checks.extensions]`` lists where
    ``[db.extensions]`` does not set a key (with a warning naming the new key)."""
    from pitstop.config_types import SchemaContext, parse_table

    own = settings.section(DbSettings).extensions
    table = settings.raw_sections.get(_LEGACY[0], {}).get(_LEGACY[1], {})
    legacy = {key: table[key] for key in ("required", "schema") if key in table}
    if not legacy:
        return own
    new = settings.raw_sections.get("db", {}).get("extensions", {})
    where = str(settings.config_file or "the configuration")
    for key in legacy:
        state = "is ignored: [db.extensions] sets it" if key in new else "is deprecated"
        if (where, key, state) not in _warned:
            _warned.add((where, key, state))
            log.warning("%s: [checks.extensions] %s %s; move it to [db.extensions] %s",
                        where, key, state, key)
    moved = {key: value for key, value in legacy.items() if key not in new}
    if not moved:
        return own
    ctx = SchemaContext(settings.config_file, settings.project_dir)
    old = parse_table(ExtensionSettings, moved, "checks.extensions", ctx)
    return dataclasses.replace(own, **{key: getattr(old, key) for key in moved})
