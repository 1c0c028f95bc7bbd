"""Database URLs: dialect detection, driver selection, engines with clear errors.

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
from typing import TYPE_CHECKING, Any, Literal

from pitstop.errors import ConfigError, ConnectError, DependencyError, PermissionDeniedError
from pitstop.redact import mask_url

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Engine

    from pitstop.config import Settings

Dialect = Literal["sqlite", "postgresql", "mysql"]

_SCHEMES: dict[str, tuple[Dialect, str]] = {
    "sqlite": ("sqlite", "sqlite"),
    "postgres": ("postgresql", "postgresql+psycopg"),
    "postgresql": ("postgresql", "postgresql+psycopg"),
    "postgresql+psycopg": ("postgresql", "postgresql+psycopg"),
    "mysql": ("mysql", "mysql+pymysql"),
    "mariadb": ("mysql", "mysql+pymysql"),
    "mysql+pymysql": ("mysql", "mysql+pymysql"),
    "mariadb+pymysql": ("mysql", "mysql+pymysql"),
}
_DRIVERS: dict[Dialect, tuple[str, str]] = {
    "postgresql": ("psycopg", "postgres"),
    "mysql": ("pymysql", "mysql"),
}
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
_MYSQL_FILES = ("ssl_ca", "ssl_cert", "ssl_key", "ssl_capath", "read_default_file")


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
        if self.dialect == "sqlite":
            return self.database or ":memory:"
        port = self.parts.port
        return f"{self.parts.hostname or 'localhost'}{f':{port}' if port else ''}"

    @property
    def sqlite_path(self) -> Path | None:
        """The file of a SQLite URL (``None`` for in-memory or other dialects)."""
        if self.dialect != "sqlite" or not self.database or self.database == ":memory:":
            return None
        return Path(self.database)

    def with_database(self, name: str) -> DatabaseURL:
        """The same server with another database (used for scratch/admin connections)."""
        new = self.sqlalchemy_url.set(database=name)
        return parse_url(new.render_as_string(hide_password=False))

    def __str__(self) -> str:
        return self.masked


def parse_url(url: str) -> DatabaseURL:
    """Parse and normalise ``url``; :class:`ConfigError` when it is not a database URL."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in _SCHEMES:
        raise ConfigError(
            f"unsupported database URL {mask_url(url)!r}: expected sqlite:///PATH, "
            "postgresql://USER@HOST/DB or mysql://USER@HOST/DB",
            key="database_url",
        )
    dialect, driver = _SCHEMES[scheme]
    try:
        parts = _split(url)
    except ValueError as exc:
        raise ConfigError(f"malformed database URL {mask_url(url)!r}: {exc}", key="database_url",
                          hint="e.g. postgresql://USER@HOST:5432/DB or mysql://USER@HOST/DB"
                          ) from None
    return DatabaseURL(url, dialect, driver, parts)


def check_setting_url(url: str, key: str, settings: Settings) -> None:
    """Raise :class:`ConfigError` naming where the URL of setting ``key`` came from (the
    file and dotted key, the variable, the ``.env`` file) when pitstop cannot use it."""
    from pitstop.config import where_from

    try:
        parse_url(url)
    except ConfigError as exc:
        message = exc.message.removeprefix("database_url: ")
        file, where = where_from(settings.origins, key, settings.config_file)
        raise ConfigError(message, file=file, key=where, hint=exc.hint) from None
def _option_error(db: DatabaseURL, option: str, why: str) -> ConfigError:
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
            return _option_error(db, match["option"], first.rpartition("failed: ")[2] or first)
    if "options" in query and re.search(_SETTING_ERRORS, text):
        return _option_error(db, "options", first.rpartition("FATAL:")[2].strip() or first)
    if isinstance(exc, OSError) and exc.filename is not None:
        for name, value in query.items():
            if value == exc.filename:
                return _option_error(db, name, f"{exc.filename}: {exc.strerror}")
    if isinstance(exc, (ValueError, TypeError)):  # a value the driver could not convert
        for name, value in query.items():
            if isinstance(value, str) and value and repr(value) in text:
                return _option_error(db, name, first)
    return None


def check_options(db: DatabaseURL, engine: Engine | None = None) -> None:
    """Refuse URL options PyMySQL would stumble on with a traceback instead of an error
    (an unknown keyword, a value of the wrong type, an unknown charset, a certificate
    file that is not there), as a :class:`ConfigError` naming the option.  PostgreSQL
    needs nothing here: libpq names a bad option itself (see :func:`translate_error`).
    With ``engine`` (a SQLAlchemy engine for ``db``) the keywords it would pass are
    checked too."""
    query = dict(db.parts.query)
    if db.dialect != "mysql" or not query:
        return
    charset = query.get("charset")
    if isinstance(charset, str):
        from pymysql.charset import charset_by_name

        if charset_by_name(charset) is None:
            raise _option_error(db, "charset", f"unknown character set {charset!r}")
    for name in _MYSQL_FILES:
        value = query.get(name)
        if isinstance(value, str) and not Path(value).exists():
            raise _option_error(db, name, f"{value}: no such file")
    if engine is None:
        return
    import inspect

    import pymysql

    try:
        _, params = engine.dialect.create_connect_args(engine.url)
    except (ValueError, TypeError) as exc:
        raise option_error(exc, db) or _option_error(db, ", ".join(query), str(exc)) from None
    accepted = inspect.signature(pymysql.connections.Connection.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
        return
    for name in params:
        if name not in accepted:
            raise _option_error(db, name, "PyMySQL has no such connection option")


def require_driver(dialect: Dialect) -> None:
    """Raise :class:`DependencyError` when the driver for ``dialect`` is not installed."""
    if dialect == "sqlite":
        return
    module, extra = _DRIVERS[dialect]
    if importlib.util.find_spec(module) is None:
        raise DependencyError(
            f"the {dialect} driver ({module}) is not installed",
            hint=f"install it with: pip install 'pitstop[{extra}]'",
        )


def create_engine(
    url: str | DatabaseURL, *, connect_timeout: float = 10.0, **kwargs: Any
) -> Engine:
    """A SQLAlchemy engine for ``url`` with a connect timeout and no pooling surprises."""
    import sqlalchemy

    db = url if isinstance(url, DatabaseURL) else parse_url(url)
    require_driver(db.dialect)
    connect_args: dict[str, Any] = dict(kwargs.pop("connect_args", {}))
    if db.dialect == "postgresql":
        connect_args.setdefault("connect_timeout", max(1, int(connect_timeout)))
        connect_args.setdefault("application_name", "pitstop")
    elif db.dialect == "mysql":
        connect_args.setdefault("connect_timeout", max(1, int(connect_timeout)))
    elif db.dialect == "sqlite":
        connect_args.setdefault("timeout", connect_timeout)
    check_options(db)
    try:  # SQLAlchemy converts the URL's options for the driver here
        engine = sqlalchemy.create_engine(db.sqlalchemy_url, connect_args=connect_args,
                                          **kwargs)
    except (ValueError, TypeError) as exc:
        bad = option_error(exc, db)
        if bad is None:
            raise
        raise bad from exc
    check_options(db, engine)
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
    """Open one connection and run ``SELECT 1``; return the server version string."""
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    db = url if isinstance(url, DatabaseURL) else parse_url(url)
    engine = create_engine(db, connect_timeout=timeout, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
            info = engine.dialect.server_version_info or ()
            return ".".join(str(p) for p in info)
    except SQLAlchemyError as exc:
        raise translate_error(exc, db) from exc
    except (ValueError, TypeError, OSError) as exc:  # the driver choking on a URL option
        bad = option_error(exc, db)
        if bad is None:
            raise
        raise bad from exc
    finally:
        engine.dispose()
