"""``[checks]``: what the health checks look at and how long each may take.

Every default lives here.  Example::

    [checks]
    timeout = "5s"

    [checks.env]
    python = ">=3.11,<3.14"
    required_env = ["DATABASE_URL", "SECRET_KEY"]
    executables = ["pg_dump"]
    min_free_disk = "1GB"

    [checks.redis]
    cache = true               # warn on maxmemory-policy noeviction

    [checks.extensions]
    timeout = "10s"            # the extensions listed in [db.extensions] required

    [checks.schema]
    models = "app.models:Base"

    [checks.http.api]
    url = "http://127.0.0.1:8000/health"
    expect_status = 200
    timeout = "2s"

    [checks.tcp.smtp]
    address = "127.0.0.1:25"
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pitstop.config_types import ByteSize, Duration

DEFAULT_TIMEOUT = 5.0


def _positive_timeout(timeout: float | None) -> None:
    if timeout is not None and timeout <= 0:
        raise ValueError("timeout: expected a duration above zero, e.g. '5s'")


@dataclasses.dataclass(frozen=True)
class EnvCheckSettings:
    """``[checks.env]``: the local environment."""

    enabled: bool = True
    """Run this check when every check runs (``false``: only when named)."""
    python: str | None = None
    """A version specifier such as ``">=3.11,<3.14"``."""
    required_env: tuple[str, ...] = ()
    """Environment variables that must be set (and not empty)."""
    require_virtualenv: bool = False
    """Fail unless pitstop runs inside a virtualenv."""
    executables: tuple[str, ...] = ()
    """Programs that must be on ``PATH`` (``pg_dump``, ``redis-cli`` …)."""
    min_free_disk: ByteSize | None = None
    """Fail when the disk holding ``disk_path`` has less free space than this."""
    disk_path: Path | None = None
    """Where to measure free space (default: the project directory)."""
    timeout: Duration | None = None
    """This check's time limit (default ``[checks] timeout``)."""

    def __post_init__(self) -> None:
        _positive_timeout(self.timeout)
        if self.python is not None:
            from packaging.specifiers import InvalidSpecifier, SpecifierSet

            try:
                SpecifierSet(self.python)
            except InvalidSpecifier:
                raise ValueError(
                    f"python: expected a version range such as '>=3.11,<3.14', "
                    f"got {self.python!r}"
                ) from None


@dataclasses.dataclass(frozen=True)
class DatabaseCheckSettings:
    """``[checks.database]``: the application database (``database_url`` by default)."""

    enabled: bool = True
    """Run this check when every check runs (``false``: only when named)."""
    url: str | None = None
    """The database to check (default ``database_url``)."""
    connections_warn: float = 0.8
    """Warn when connections in use reach this share of ``max_connections``."""
    max_replication_lag: Duration = 30.0
    """On a replica, warn when replay lags the primary by more than this."""
    max_transaction_age: Duration = 300.0
    """Warn when a transaction has been open longer than this."""
    timeout: Duration | None = None
    """This check's time limit (default ``[checks] timeout``)."""

    def __post_init__(self) -> None:
        _positive_timeout(self.timeout)
        if not 0 < self.connections_warn <= 1:
            raise ValueError("connections_warn: expected a share between 0 and 1, e.g. 0.8")


@dataclasses.dataclass(frozen=True)
class RedisCheckSettings:
    """``[checks.redis]``: Redis or Dragonfly (``redis_url`` by default)."""

    enabled: bool = True
    """Run this check when every check runs (``false``: only when named)."""
    url: str | None = None
    """The Redis/Dragonfly to check (default ``redis_url``)."""
    cache: bool = False
    """The instance is a cache: warn when its eviction policy is ``noeviction``."""
    memory_warn: float = 0.9
    """Warn when used memory reaches this share of ``maxmemory``."""
    timeout: Duration | None = None
    """This check's time limit (default ``[checks] timeout``)."""

    def __post_init__(self) -> None:
        _positive_timeout(self.timeout)
        if not 0 < self.memory_warn <= 1:
            raise ValueError("memory_warn: expected a share between 0 and 1, e.g. 0.9")


@dataclasses.dataclass(frozen=True)
class ExtensionsCheckSettings:
    """``[checks.extensions]``: the ``extensions`` check (of ``[db.extensions]``)."""

    required: tuple[str, ...] = ()
    """Deprecated: ``[db.extensions] required`` (still read, with a warning)."""
    schema: str | None = None
    """Deprecated: ``[db.extensions] schema`` (still read, with a warning)."""
    timeout: Duration | None = None
    """This check's time limit (default ``[checks] timeout``)."""

    def __post_init__(self) -> None:
        _positive_timeout(self.timeout)
        from pitstop.db.extensions import parse_requirement

        for item in self.required:
            parse_requirement(item)  # raises ValueError naming the bad entry


@dataclasses.dataclass(frozen=True)
class SchemaCheckSettings:
    """``[checks.schema]``: the live database against the SQLAlchemy models."""

    models: str | None = None
    """``"package.module:Base"`` (a declarative base or a ``MetaData``)."""
    ignore_tables: tuple[str, ...] = ("alembic_version", "pitstop_migrations",
                                      "pitstop_migrations_lock", "schema_migrations",
                                      "flyway_schema_history")
    """Tables in the database that no model describes on purpose."""
    compare_types: bool = True
    """Report columns whose type differs from the model's."""
    compare_server_default: bool = False
    """Report columns whose server default differs from the model's."""
    timeout: Duration | None = None
    """This check's time limit (default ``[checks] timeout``)."""

    def __post_init__(self) -> None:
        _positive_timeout(self.timeout)
        if self.models is not None and (":" not in self.models or self.models.endswith(":")):
            raise ValueError(
                f"models: expected 'package.module:Base', got {self.models!r}"
            )


@dataclasses.dataclass(frozen=True)
class MigrationsCheckSettings:
    """``[checks.migrations]``: pending migrations and checksum drift."""

    enabled: bool = True
    """Run this check when every check runs (``false``: only when named)."""
    timeout: Duration | None = None
    """This check's time limit (default ``[checks] timeout``)."""

    def __post_init__(self) -> None:
        _positive_timeout(self.timeout)


@dataclasses.dataclass(frozen=True)
class HttpCheckSettings:
    """``[checks.http.NAME]``: one HTTP endpoint."""

    url: str = ""
    """The endpoint (``http://`` or ``https://``); required."""
    method: Literal["GET", "HEAD"] = "GET"
    """``GET`` or ``HEAD``."""
    expect_status: int | tuple[int, ...] = 200
    """The status, or the list of statuses, that count as healthy."""
    expect_body: str | None = None
    """A substring the response body must contain."""
    headers: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    """Request headers (``Authorization`` …; their values are never shown)."""
    verify_tls: bool = True
    """Verify the server's TLS certificate."""
    timeout: Duration | None = None
    """This check's time limit (default ``[checks] timeout``)."""

    def __post_init__(self) -> None:
        _positive_timeout(self.timeout)
        if not self.url:
            raise ValueError("url: required, e.g. url = \"http://127.0.0.1:8000/health\"")
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url: expected an http:// or https:// URL, got {self.url!r}")
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(self.url)
            parts.port  # noqa: B018 - raises ValueError for a port out of range
        except ValueError as exc:
            raise ValueError(f"url: {exc} in {self.url!r}") from None
        if not parts.hostname:
            raise ValueError(f"url: no host in {self.url!r}, e.g. 'http://127.0.0.1:8000/health'")
        bad = [code for code in self.expected if not 100 <= code <= 599]
        if bad:
            raise ValueError(f"expect_status: {bad[0]} is not an HTTP status (100-599)")

    @property
    def expected(self) -> tuple[int, ...]:
        return (self.expect_status,) if isinstance(self.expect_status, int) \
            else self.expect_status


@dataclasses.dataclass(frozen=True)
class TcpCheckSettings:
    """``[checks.tcp.NAME]``: one TCP port that must accept connections."""

    address: str = ""
    """``HOST:PORT`` that must accept connections; required."""
    timeout: Duration | None = None
    """This check's time limit (default ``[checks] timeout``)."""

    def __post_init__(self) -> None:
        _positive_timeout(self.timeout)
        from pitstop.checks.tcp import parse_address

        parse_address(self.address)  # raises ValueError naming the problem


@dataclasses.dataclass(frozen=True)
class ChecksSettings:
    """``[checks]``."""

    timeout: Duration = DEFAULT_TIMEOUT
    """Per-check time limit unless a check sets its own."""
    env: EnvCheckSettings = EnvCheckSettings()
    """``[checks.env]``."""
    database: DatabaseCheckSettings = DatabaseCheckSettings()
    """``[checks.database]``."""
    redis: RedisCheckSettings = RedisCheckSettings()
    """``[checks.redis]``."""
    extensions: ExtensionsCheckSettings = ExtensionsCheckSettings()
    """``[checks.extensions]``."""
    schema: SchemaCheckSettings = SchemaCheckSettings()
    """``[checks.schema]``."""
    migrations: MigrationsCheckSettings = MigrationsCheckSettings()
    """``[checks.migrations]``."""
    http: Mapping[str, HttpCheckSettings] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    """``[checks.http.NAME]``: HTTP endpoints, each its own check ``http.NAME``."""
    tcp: Mapping[str, TcpCheckSettings] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )
    """``[checks.tcp.NAME]``: TCP ports, each its own check ``tcp.NAME``."""

    def __post_init__(self) -> None:
        if self.timeout <= 0:
            raise ValueError("timeout: expected a duration above zero, e.g. '5s'")
