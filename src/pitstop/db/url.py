"""Database URLs: parsed without SQLAlchemy, their dialect found by scheme in the one
table (:data:`pitstop.db.dialects.TABLE`); engines and errors that say what is wrong.

``postgres://``/``postgresql://`` use psycopg 3, ``mysql://``/``mariadb://`` use
PyMySQL, ``sqlite:///path`` the standard library.  A missing driver is a
:class:`~pitstop.errors.DependencyError` naming the extra to install; a server that
cannot be reached is a :class:`~pitstop.errors.ConnectError` naming the host; a
database the server does not have is a :class:`DatabaseMissingError` (a
``ConnectError``); an option of the URL the driver rejects (``?sslmode=bogus``) is a
:class:`~pitstop.errors.ConfigError` naming the option.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop.db.dialects import BY_NAME, SCHEMES, DialectName, Entry
from pitstop.errors import ConfigError, ConnectError, DependencyError, PermissionDeniedError
from pitstop.redact import mask_url

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Engine

    from pitstop.db.dialects.interface import Dialect as DialectImpl

Dialect = DialectName
# (compiled on first use, by ``re``'s cache: only a failed connection needs them)
# a URL option the driver rejects, named in its message (libpq, psycopg, PyMySQL)
_OPTION_ERRORS = (
    r'invalid connection option "(?P<option>[^"]+)"',
    r'for connection option "(?P<option>[^"]+)"',
    r"\binvalid (?P<option>[a-z_]+) value: ",
    r"\bbad value for (?P<option>[a-z_]+)",
    r"unexpected keyword argument '(?P<option>\w+)'",
)
# the server refused a setting passed in ?options=-c name=value
_SETTING_ERRORS = (r'unrecognized configuration parameter "[^"]+"'
                   r'|invalid value for parameter "[^"]+"')
_MISSING_DATABASE = (r'database "(?P<pg>[^"]*)" does not exist'
                     r"|unknown database '(?P<my>[^']*)'")
_CHOICES = {
    "sslmode": "disable, allow, prefer, require, verify-ca, verify-full",
    "gssencmode": "disable, prefer, require",
    "target_session_attrs": "any, read-write, read-only, primary, standby, prefer-standby",
    "channel_binding": "disable, prefer, require",
    "load_balance_hosts": "disable, random",
}


class DatabaseMissingError(ConnectError):
    """The server answered, but has no database of that name (exit 4)."""

    def __init__(self, message: str, *, database: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.database = database


_URL_SHAPE = re.compile(
    r"(?P<scheme>[\w+]+)://"
    r"(?:(?P<user>[^:/]*)(?::(?P<password>[^@]*))?@)?"
    r"(?:(?:\[(?P<v6host>[^/?]+)\]|(?P<host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?"
    r"(?:/(?P<database>[^?]*))?"
    r"(?:\?(?P<query>.*))?\Z",
    re.DOTALL,
)


@dataclasses.dataclass(frozen=True)
class URLParts:
    """The pieces of a database URL, split the way SQLAlchemy's ``make_url`` splits
    them (user, password and database percent-decoded; repeated query keys kept
    as tuples) but without importing SQLAlchemy, so a command that only needs a
    driver connection starts fast."""

    username: str | None
    password: str | None
    hostname: str | None
    port: int | None
    database: str | None
    query: tuple[tuple[str, str | tuple[str, ...]], ...]


def _split(url: str) -> URLParts:
    """Split ``url`` into :class:`URLParts`; ``ValueError`` says what is malformed."""
    from urllib.parse import parse_qsl, unquote

    m = _URL_SHAPE.match(url)
    if m is None:
        raise ValueError("expected SCHEME://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE")
    host = m["v6host"] or m["host"]
    if host is not None and ("[" in host or "]" in host):
        raise ValueError("invalid IPv6 literal (expected [ADDRESS])")
    port: int | None = None
    if m["port"] is not None:
        try:
            port = int(m["port"])
        except ValueError:
            raise ValueError(f"port {m['port']!r} is not a number") from None
        if not 0 < port < 65536:
            raise ValueError(f"port {port} out of range 1-65535")
    query: dict[str, str | tuple[str, ...]] = {}
    for key, value in parse_qsl(m["query"] or ""):
        old = query.get(key)
        query[key] = value if old is None else (*((old,) if isinstance(old, str) else old), value)
    return URLParts(
        username=unquote(m["user"]) if m["user"] is not None else None,
        password=unquote(m["password"]) if m["password"] is not None else None,
        hostname=host,
        port=port,
        database=unquote(m["database"]) if m["database"] is not None else None,
        query=tuple(query.items()),
    )


@dataclasses.dataclass(frozen=True)
class DatabaseURL:
    """A parsed database URL.  ``str()`` never shows the password."""

    raw: str
    dialect: Dialect
    driver: str
    parts: URLParts

    @property
    def entry(self) -> Entry:
        """This dialect's row of :data:`pitstop.db.dialects.TABLE`."""
        return BY_NAME[self.dialect]

    @property
    def system(self) -> DialectImpl:
        """What this dialect does for each concern (:mod:`pitstop.db.dialects`)."""
        from pitstop.db.dialects import dialect_of

        return dialect_of(self)

    @functools.cached_property
    def sqlalchemy_url(self) -> URL:
        """The SQLAlchemy form (imports SQLAlchemy on first use)."""
        from sqlalchemy.engine import make_url

        return make_url(self.raw).set(drivername=self.driver)

    @property
    def masked(self) -> str:
        return mask_url(self.raw)

    @property
    def database(self) -> str | None:
        return self.parts.database

    @property
    def username(self) -> str | None:
        return self.parts.username

    @property
    def password(self) -> str | None:
        return self.parts.password

    @property
    def host(self) -> str:
        """Where the database is, for messages: ``host:port``, or the file."""
        if self.entry.file:
            return self.database or ":memory:"
        port = self.parts.port
        return f"{self.parts.hostname or 'localhost'}{f':{port}' if port else ''}"

    @property
    def sqlite_path(self) -> Path | None:
        """The file of a file database (``None`` in memory, or for a server)."""
        if not self.entry.file or not self.database or self.database == ":memory:":
            return None
        return Path(self.database)

    def with_database(self, name: str) -> DatabaseURL:
        """The same server with another database (used for scratch/admin connections)."""
        new = self.sqlalchemy_url.set(database=name)
        return parse_url(new.render_as_string(hide_password=False))

    def __str__(self) -> str:
        return self.masked


def parse_url(url: str | DatabaseURL) -> DatabaseURL:
    """Parse and normalise ``url`` (a parsed one is returned as it is);
    :class:`ConfigError` when it is not a database URL."""
    if isinstance(url, DatabaseURL):
        return url
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    entry = SCHEMES.get(scheme)
    if entry is None:
        raise ConfigError(
            f"unsupported database URL {mask_url(url)!r}: expected sqlite:///PATH, "
            "postgresql://USER@HOST/DB or mysql://USER@HOST/DB",
            key="database_url",
        )
    try:
        parts = _split(url)
    except ValueError as exc:
        raise ConfigError(f"malformed database URL {mask_url(url)!r}: {exc}", key="database_url",
                          hint="e.g. postgresql://USER@HOST:5432/DB or mysql://USER@HOST/DB"
                          ) from None
    return DatabaseURL(url, entry.name, entry.sqlalchemy, parts)


def option_problem(db: DatabaseURL, option: str, why: str) -> ConfigError:
    """The :class:`ConfigError` for option ``option`` of ``db``'s URL, saying ``why``."""
    query = dict(db.parts.query)
    value = query.get(option)
    shown = f"{option}={value}" if isinstance(value, str) else option
    choices = _CHOICES.get(option)
    hint = (f"{option} takes one of: {choices}" if choices else
            "fix or remove it in the URL (see the driver's list of connection options)")
    return ConfigError(f"option {mask_url(shown)} of {db.masked}: {mask_url(why)}",
                       key="database_url", hint=hint)


def option_error(exc: BaseException, db: DatabaseURL) -> ConfigError | None:
    """The :class:`ConfigError` naming the URL option behind ``exc`` (a driver's refusal
    of ``?sslmode=bogus``, an unknown keyword, a value of the wrong type), or ``None``
    when ``exc`` is not about an option of the URL."""
    query = dict(db.parts.query)
    if not query:
        return None
    text = str(getattr(exc, "orig", None) or exc).strip()
    first = text.splitlines()[0] if text else ""
    for pattern in _OPTION_ERRORS:
        match = re.search(pattern, text)
        if match and match["option"] in query:  # else the environment (PGSSLMODE…) set it
            return option_problem(db, match["option"], first.rpartition("failed: ")[2] or first)
    if "options" in query and re.search(_SETTING_ERRORS, text):
        return option_problem(db, "options", first.rpartition("FATAL:")[2].strip() or first)
    if isinstance(exc, OSError) and exc.filename is not None:
        for name, value in query.items():
            if value == exc.filename:
                return option_problem(db, name, f"{exc.filename}: {exc.strerror}")
    if isinstance(exc, (ValueError, TypeError)):  # a value the driver could not convert
        for name, value in query.items():
            if isinstance(value, str) and value and repr(value) in text:
                return option_problem(db, name, first)
    return None


def require_driver(dialect: Dialect) -> None:
    """Raise :class:`DependencyError` when the driver for ``dialect`` is not installed."""
    entry = BY_NAME[dialect]
    if entry.driver is not None and importlib.util.find_spec(entry.driver) is None:
        raise DependencyError(
            f"the {dialect} driver ({entry.driver}) is not installed",
            hint=f"install it with: pip install 'pitstop[{entry.extra}]'",
        )


def driver_unloadable(exc: ImportError, db: DatabaseURL) -> DependencyError:
    """A driver that is installed but cannot be imported (psycopg without libpq)."""
    entry = db.entry
    name = (exc.name or entry.driver or "").split(".")[0] or "the driver"
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return DependencyError(f"cannot import {name}: {reason}",
                           hint=f"install it with: pip install 'pitstop[{entry.extra}]'"
                           if entry.extra else "reinstall Python with its sqlite3 module")


def create_engine(
    url: str | DatabaseURL, *, connect_timeout: float = 10.0,
    query_timeout: float | None = None, shared: bool = False, **kwargs: Any
) -> Engine:
    """A SQLAlchemy engine for ``url`` with a connect timeout (and a statement timeout
    with ``query_timeout``) and no pooling surprises; ``shared``: an engine several
    processes write through at once (the state store).  A driver that cannot be loaded
    is a :class:`DependencyError` naming the extra to install."""
    import sqlalchemy

    db = parse_url(url)
    require_driver(db.dialect)
    system = db.system
    connect_args: dict[str, Any] = {
        **system.engine_args(db, connect_timeout=connect_timeout, query_timeout=query_timeout),
        **kwargs.pop("connect_args", {})}
    system.check_options(db)
    try:  # SQLAlchemy loads the driver and converts the URL's options for it here
        engine = sqlalchemy.create_engine(db.sqlalchemy_url, connect_args=connect_args,
                                          **kwargs)
    except ImportError as exc:
        raise driver_unloadable(exc, db) from exc
    except (ValueError, TypeError) as exc:
        bad = option_error(exc, db)
        if bad is None:
            raise
        raise bad from exc
    system.check_options(db, engine)
    system.prepare_engine(engine, shared=shared)
    return engine


def translate_error(exc: BaseException, db: DatabaseURL) -> Exception:
    """Map a driver/SQLAlchemy connection error to a pitstop error naming the host
    (a :class:`ConfigError` naming the option when the URL's options are at fault)."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc) else ""
    lowered = text.lower()
    where = f"{db.dialect} at {db.host}"
    bad_option = option_error(exc, db)
    if bad_option is not None:
        return bad_option
    missing = re.search(_MISSING_DATABASE, text, re.IGNORECASE)
    if missing:
        name = missing["pg"] if missing["pg"] is not None else missing["my"]
        return DatabaseMissingError(
            f"{where}: database {name!r} does not exist", database=name,
            hint="create it with `pitstop db init` (`pitstop migrate up` creates it too)")
    refused = any(s in lowered for s in ("permission denied", "access denied", "must be owner",
                                         "insufficient privilege", "readonly database",
                                         "attempt to write a readonly"))
    login = "password authentication failed" in lowered or "using password" in lowered
    if refused and not login:
        return PermissionDeniedError(f"{where}: {mask_url(text)}")
    if any(s in lowered for s in ("password authentication failed", "access denied for user")):
        return ConnectError(
            f"{where}: authentication failed: {mask_url(text)}",
            hint="check the user and password in DATABASE_URL",
        )
    if any(s in lowered for s in ("does not exist", "unknown database")) and "database" in lowered:
        return ConnectError(
            f"{where}: {mask_url(text)}",
            hint="create it with `pitstop db init`",
        )
    if "unable to open database file" in lowered:
        return ConnectError(
            f"{where}: cannot open the SQLite file (does its directory exist and is it writable?)"
        )
    return ConnectError(f"cannot connect to {where}: {mask_url(text) or type(exc).__name__}",
                        hint="is the server running and the URL right?")


def connect_check(url: str | DatabaseURL, *, timeout: float = 5.0) -> str:
    """Open one connection and run ``SELECT 1``; return the server version string
    (:func:`pitstop.db.connect.server_version`)."""
    from pitstop.db.connect import server_version

    return server_version(url, timeout=timeout)
