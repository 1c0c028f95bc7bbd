"""``--wait SECONDS``: poll the database until it answers (through the one
wait-for-service helper, :func:`pitstop.waiting.wait_until`)."""

from __future__ import annotations

import logging

from pitstop.errors import ConnectError

log = logging.getLogger("pitstop.migrate")


def wait_for_database(database_url: str, timeout: float, *, interval: float = 0.5) -> float:
    """Call :func:`pitstop.db.url.connect_check` until it succeeds; return the seconds
    waited.  Raises the last :class:`ConnectError` (exit 4) when ``timeout`` passes,
    and any other error at once.  A server that answers that the database does not
    exist is up: the command that follows creates the database (``migrate up``) or
    says it is missing."""
    from pitstop.db.url import DatabaseMissingError, connect_check, parse_url
    from pitstop.waiting import wait_until

    if parse_url(database_url).entry.file:
        return 0.0  # a file, not a server: nothing to wait for (and up may create it)

    def attempt(seconds: float) -> None:
        try:
            connect_check(database_url, timeout=max(1.0, seconds))
        except DatabaseMissingError:
            return  # the server answered

    def told(_attempts: int, exc: BaseException) -> None:
        log.info("waiting for the database: %s", getattr(exc, "message", exc))

    waited = wait_until(attempt, timeout=timeout, interval=interval,
                        retry=lambda exc: isinstance(exc, ConnectError), on_retry=told)
    if waited.ready:
        return waited.seconds
    error = waited.error
    if waited.gave_up and error is not None:
        raise error
    if isinstance(error, ConnectError):
        raise ConnectError(f"{error.message} (waited {timeout:g}s)", hint=error.hint) from error
    raise ConnectError(f"the database did not answer within {timeout:g}s")
