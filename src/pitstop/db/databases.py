"""Creating and dropping databases, each dialect its own way (a SQLite file,
``CREATE DATABASE`` from PostgreSQL's ``postgres`` maintenance database, ``CREATE
DATABASE IF NOT EXISTS`` on MySQL/MariaDB).  ``pitstop db init``
(:func:`pitstop.db.verbs.init`), ``migrate up`` (``[migrate] create_database``) and
``backup restore`` create databases through :func:`create_database`; ``backup verify``
drops its scratch databases with :func:`drop_database`.
"""

from __future__ import annotations

from pitstop.db.url import DatabaseURL, parse_url


def create_database(url: str | DatabaseURL, *, dry_run: bool = False,
                    timeout: float = 10.0) -> bool:
    """Create the database of ``url`` if it does not exist; whether it was (with
    ``dry_run``: would be) created.  A role that may not create databases is a
    :class:`~pitstop.errors.PermissionDeniedError` (exit 5); a database name that is
    missing or unusual a :class:`~pitstop.errors.ConfigError`."""
    db = parse_url(url)
    return db.system.create_database(db, dry_run=dry_run, timeout=timeout)


def drop_database(url: str | DatabaseURL, *, timeout: float = 10.0) -> None:
    """Drop the database of ``url`` if it exists (scratch databases)."""
    db = parse_url(url)
    db.system.drop_database(db, timeout=timeout)
