"""Scratch databases: a temporary database next to a real one, dropped afterwards
(Atlas calls it the dev database).  ``migrate new --autogenerate`` builds the schema
the migrations make in one, and ``db diff`` materialises a schema that is no database
in one, so that SQLAlchemy's and Alembic's comparisons always have a live side."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from pitstop.db.url import DatabaseURL, parse_url

PREFIX = "pitstop_scratch_"


@contextlib.contextmanager
def scratch_database(near: str | DatabaseURL, *, timeout: float = 10.0) -> Iterator[DatabaseURL]:
    """A new, empty database of ``near``'s dialect — on the same server, or a SQLite
    file in a temporary directory — dropped when the block ends, however it ends.  A
    role that may not create databases is a
    :class:`~pitstop.errors.PermissionDeniedError` (exit 5)."""
    from pitstop.db.databases import create_database, drop_database

    db = parse_url(near)
    if db.entry.file:
        with tempfile.TemporaryDirectory(prefix=PREFIX) as folder:
            yield parse_url(f"sqlite:///{Path(folder) / 'scratch.db'}")
        return
    scratch = db.with_database(f"{PREFIX}{uuid.uuid4().hex[:12]}")
    create_database(scratch, timeout=timeout)
    try:
        yield scratch
    finally:
        drop_database(scratch, timeout=timeout)
