"""``--wait SECONDS``: poll the database until it answers."""

from __future__ import annotations

import logging
import time

from pitstop.errors import ConnectError, PitstopError

log = logging.getLogger("pitstop.migrate")


def wait_for_database(database_url: str, timeout: float, *, interval: float = 0.5) -> float:
    """Call :func:`pitstop.db.url.connect_check` until it succeeds; return the seconds
    waited.  Raises the last :class:`ConnectError` (exit 4) when ``timeout`` passes.
    A server that answers that the database does not exist is up: the command that
    follows creates the database (``migrate up``) or says it is missing."""
    from pitstop.db.url import DatabaseMissingError, connect_check, parse_url

    if parse_url(database_url).entry.file:
        return 0.0  # a file, not a server: nothing to wait for (and up may create it)
    started = time.monotonic()
    deadline = started + timeout
    while True:
        try:
            connect_check(database_url, timeout=max(1.0, min(5.0, timeout)))
            return time.monotonic() - started
        except DatabaseMissingError:
            return time.monotonic() - started
        except ConnectError as exc:
            if time.monotonic() + interval > deadline:
                raise ConnectError(f"{exc.message} (waited {timeout:g}s)", hint=exc.hint) from exc
            log.info("waiting for the database: %s", exc.message)
            time.sleep(interval)
        except PitstopError:
            raise
