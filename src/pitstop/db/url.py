"""Database URLs: dialect detection, driver selection, engines with clear errors.

``postgres://``/``postgresql://`` use psycopg 3, ``mysql://``/``mariadb://`` use
PyMySQL, ``sqlite:///path`` the standard library.  A missing driver is a
:class:`~pitstop.errors.DependencyError` naming the extra to install; a server that
cannot be reached is a :class:`~pitstop.errors.ConnectError` naming the host.
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
    return sqlalchemy.create_engine(
        db.sqlalchemy_url, connect_args=connect_args, **kwargs
    )


def translate_error(exc: BaseException, db: DatabaseURL) -> Exception:
    """Map a driver/SQLAlchemy connection error to a pitstop error naming the host."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc) else ""
    lowered = text.lower()
    where = f"{db.dialect} at {db.host}"
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
            hint="create it with `pitstop run db-init`",
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
    finally:
        engine.dispose()
