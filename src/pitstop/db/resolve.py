"""Which database a command works on: one precedence, and one error that says where
an unusable URL came from.

Precedence, highest first:

1. the URL given to the call as an option, or ``database_url`` given as a
   command-line flag (``--database``);
2. the ``url`` key of the table the purpose names, where that table has one
   (``[checks.database] url``: the database the health checks look at);
3. ``database_url``: the environment (``DATABASE_URL``), ``.env``, the file, the
   default.

Every command that works on the application database resolves it here, so
``migrate``, ``backup``, ``check``, ``wait`` and ``db`` agree on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pitstop.db.url import DatabaseURL, parse_url
from pitstop.errors import ConfigError

if TYPE_CHECKING:
    from pitstop.config import Settings


def _table_url(settings: Settings, purpose: str) -> str | None:
    """``[<purpose>] url`` (a dotted table: ``checks.database``), when that table has
    such a key and the file sets it."""
    head, *rest = purpose.split(".")
    if head not in settings.sections:
        return None
    table: Any = settings.section_named(head)
    for part in rest:
        table = getattr(table, part, None)
    url = getattr(table, "url", None)
    return url if isinstance(url, str) and url else None


def _unusable(exc: ConfigError, file: Any, key: str | None) -> ConfigError:
    return ConfigError(exc.message.removeprefix("database_url: "), file=file, key=key,
                       hint=exc.hint)


def configured_url(settings: Settings, purpose: str) -> str:
    """The URL the settings give ``purpose`` (a command-line flag, ``[<purpose>] url``,
    ``database_url``), as written: :func:`resolve_url` without parsing it."""
    return _configured(settings, purpose)[0]


def _configured(settings: Settings, purpose: str) -> tuple[str, str]:
    """``(url, the setting it comes from)``."""
    from pitstop.config import _resolve_sqlite

    own = _table_url(settings, purpose)
    if own is not None and settings.origins.get("database_url") != "flag":
        return _resolve_sqlite(own, settings.project_dir), f"{purpose}.url"
    return settings.database_url, "database_url"


def resolve_url(settings: Settings, purpose: str, url: str | None = None) -> DatabaseURL:
    """The database URL for ``purpose`` (``"migrate"``, ``"backup"``, ``"db"``,
    ``"checks.database"`` …: the settings table that may name a database of its own),
    parsed.  ``url`` is the caller's option, which wins over everything.

    A URL pitstop cannot use (an unknown scheme, a malformed port) is a
    :class:`ConfigError` naming where it came from: the file and key, the variable,
    the ``.env`` file, or the option."""
    from pitstop.config import where_from

    if url is not None:
        try:
            return parse_url(url)
        except ConfigError as exc:
            raise _unusable(exc, None, None) from None
    chosen, key = _configured(settings, purpose)
    if key != "database_url":  # a key of a capability's table: always from the file
        try:
            return parse_url(chosen)
        except ConfigError as exc:
            raise _unusable(exc, settings.config_file, key) from None
    return _setting(chosen, key, settings, where_from)


def check_setting_url(url: str, key: str, settings: Settings) -> None:
    """Raise :class:`ConfigError` naming where the URL of setting ``key`` came from (the
    file and dotted key, the variable, the ``.env`` file) when pitstop cannot use it."""
    from pitstop.config import where_from

    _setting(url, key, settings, where_from)


def _setting(url: str, key: str, settings: Settings, where_from: Any) -> DatabaseURL:
    try:
        return parse_url(url)
    except ConfigError as exc:
        file, where = where_from(settings.origins, key, settings.config_file)
        raise _unusable(exc, file, where) from None
