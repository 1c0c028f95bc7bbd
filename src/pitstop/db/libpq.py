"""A read-only PostgreSQL connection straight over libpq, for the commands that only
read the history table (``status``, ``validate``, the check ``up`` makes before it
takes the lock).

Importing psycopg costs about 100 ms, more than the rest of a no-op ``migrate up``
from the command line; libpq itself (the very library psycopg drives) loads in a few.
This module calls libpq through :mod:`ctypes` for those few reads: connect, run a
query, read text values.  It is used only while psycopg has not been imported yet and
only for reading; everything that writes goes through psycopg.  Connection and query
failures raise :class:`LibpqError` carrying libpq's own message, which
:func:`pitstop.db.url.translate_error` maps like psycopg's.

The connection is made and queries are waited on with non-blocking libpq calls and
``select``, so Ctrl-C interrupts a connect to a host that does not answer.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import select
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

_OK, _BAD = 0, 1  # ConnStatusType
_POLL_FAILED, _POLL_READING, _POLL_WRITING, _POLL_OK = 0, 1, 2, 3
_COMMAND_OK, _TUPLES_OK = 1, 2
_BOOL, _INT8, _INT2, _INT4, _OID = 16, 20, 21, 23, 26
_TIMESTAMP, _TIMESTAMPTZ = 1114, 1184

_lib: Any = None
_tried = False


class LibpqError(Exception):
    """A failed connect or query, with libpq's message (and SQLSTATE when known)."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def _candidates() -> list[str]:
    """The libpq that psycopg's binary package ships, then the system's."""
    found: list[str] = []
    import importlib.util

    spec = importlib.util.find_spec("psycopg_binary")
    for location in (spec.submodule_search_locations or []) if spec else []:
        libs = os.path.join(os.path.dirname(location), "psycopg_binary.libs")
        try:
            names = sorted(n for n in os.listdir(libs) if n.startswith("libpq"))
        except OSError:
            continue
        found += [os.path.join(libs, n) for n in names]
    found += ["libpq.5.dylib", "libpq.dylib"] if sys.platform == "darwin" else ["libpq.so.5"]
    return found


def _load() -> Any:
    global _lib, _tried
    if _tried:
        return _lib
    _tried = True
    for candidate in _candidates():
        try:
            lib = ctypes.CDLL(candidate)
        except OSError:
            continue
        p, c, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        signatures: dict[str, tuple[Any, list[Any]]] = {
            "PQconnectStartParams": (p, [ctypes.POINTER(c), ctypes.POINTER(c), i]),
            "PQconnectPoll": (i, [p]),
            "PQstatus": (i, [p]),
            "PQsocket": (i, [p]),
            "PQerrorMessage": (c, [p]),
            "PQfinish": (None, [p]),
            "PQsendQueryParams": (i, [p, c, i, p, ctypes.POINTER(c), p, p, i]),
            "PQconsumeInput": (i, [p]),
            "PQisBusy": (i, [p]),
            "PQgetResult": (p, [p]),
            "PQresultStatus": (i, [p]),
            "PQresultErrorMessage": (c, [p]),
            "PQresultErrorField": (c, [p, i]),
            "PQntuples": (i, [p]),
            "PQnfields": (i, [p]),
            "PQftype": (ctypes.c_uint, [p, i]),
            "PQgetisnull": (i, [p, i, i]),
            "PQgetvalue": (c, [p, i, i]),
            "PQclear": (None, [p]),
            "PQsetnonblocking": (i, [p, i]),
        }
        try:
            for name, (restype, argtypes) in signatures.items():
                func = getattr(lib, name)
                func.restype, func.argtypes = restype, argtypes
        except AttributeError:  # a libpq too old for one of them
            continue
        _lib = lib
        break
    return _lib


def available() -> bool:
    """True when a usable libpq was found and psycopg is not loaded already (then it
    costs nothing more and is the better driver)."""
    return "psycopg" not in sys.modules and _load() is not None


def _text(raw: bytes | None) -> str:
    return (raw or b"").decode("utf-8", "replace").strip()


def _timestamp(raw: bytes) -> Any:
    text = raw.decode()
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:  # 'infinity', a BC date
        return text


_CONVERTERS: dict[int, Callable[[bytes], Any]] = {
    _BOOL: lambda raw: raw == b"t",
    _INT2: int, _INT4: int, _INT8: int, _OID: int,
    _TIMESTAMP: _timestamp, _TIMESTAMPTZ: _timestamp,
}
"""Text output to Python values, by type oid; other types stay text."""


class Cursor:
    """The part of a DB-API cursor the history reader uses."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._rows: list[tuple[Any, ...]] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        self._rows = self._conn.query(sql, params)
        return self

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def close(self) -> None:
        self._rows = []


class Connection:
    """One libpq connection, for reading; closed with :meth:`close`."""

    def __init__(self, params: Mapping[str, object], timeout: float) -> None:
        lib = _load()
        if lib is None:
            raise LibpqError("libpq is not available")
        self._lib = lib
        # text values parsed here: UTF-8, and ISO dates whatever the server's default
        options = f"{params.get('options') or ''} -c DateStyle=ISO".strip()
        items = [(k, str(v)) for k, v in params.items() if v is not None and k != "options"]
        items += [("client_encoding", "UTF8"), ("options", options)]
        keys = (ctypes.c_char_p * (len(items) + 1))(*[k.encode() for k, _ in items], None)
        values = (ctypes.c_char_p * (len(items) + 1))(*[v.encode() for _, v in items], None)
        self._conn = lib.PQconnectStartParams(keys, values, 0)
        if not self._conn:
            raise LibpqError("connection failed: out of memory")
        try:
            self._wait_connected(timeout)
        except BaseException:
            self.close()
            raise

    def _failure(self, prefix: str = "connection failed: ") -> LibpqError:
        return LibpqError(prefix + _text(self._lib.PQerrorMessage(self._conn)))

    def _wait(self, sock: int, reading: bool, deadline: float) -> None:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LibpqError("connection failed: timeout expired")
            ready = select.select([sock] if reading else [], [] if reading else [sock], [],
                                  min(left, 0.2))
            if ready[0] or ready[1]:
                return

    def _wait_connected(self, timeout: float) -> None:
        lib, deadline = self._lib, time.monotonic() + timeout
        if lib.PQstatus(self._conn) == _BAD:
            raise self._failure()
        state = _POLL_WRITING
        while True:
            if state == _POLL_OK:
                break
            if state == _POLL_FAILED:
                raise self._failure()
            self._wait(lib.PQsocket(self._conn), state == _POLL_READING, deadline)
            state = lib.PQconnectPoll(self._conn)
        lib.PQsetnonblocking(self._conn, 1)

    def cursor(self) -> Cursor:
        return Cursor(self)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return Cursor(self).execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of one statement; ``%s`` marks the text parameters, as for psycopg."""
        lib, conn = self._lib, self._conn
        parts = sql.split("%s")
        text = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))
        if len(parts) - 1 != len(params):
            raise LibpqError(f"{len(params)} parameters for {len(parts) - 1} placeholders")
        values = (ctypes.c_char_p * max(1, len(params)))(
            *[None if v is None else str(v).encode() for v in params])
        if not lib.PQsendQueryParams(conn, text.encode(), len(params), None, values,
                                     None, None, 0):
            raise self._failure("")
        sock = lib.PQsocket(conn)
        while lib.PQisBusy(conn):
            select.select([sock], [], [], 0.2)
            if not lib.PQconsumeInput(conn):
                raise self._failure("")
        rows: list[tuple[Any, ...]] = []
        error: LibpqError | None = None
        while True:
            result = lib.PQgetResult(conn)
            if not result:
                break
            try:
                status = lib.PQresultStatus(result)
                if status == _TUPLES_OK:
                    rows += self._rows(result)
                elif status != _COMMAND_OK and error is None:
                    state = lib.PQresultErrorField(result, ord("C"))
                    error = LibpqError(_text(lib.PQresultErrorMessage(result)),
                                       state.decode() if state else None)
            finally:
                lib.PQclear(result)
        if error is not None:
            raise error
        return rows

    def _rows(self, result: Any) -> list[tuple[Any, ...]]:
        lib = self._lib
        getvalue, isnull = lib.PQgetvalue, lib.PQgetisnull
        columns = range(lib.PQnfields(result))
        convert = [_CONVERTERS.get(lib.PQftype(result, c), bytes.decode) for c in columns]
        rows = []
        for r in range(lib.PQntuples(result)):
            row = []
            for c in columns:
                raw = getvalue(result, r, c)
                # NULL reads as b"": ask libpq only then (half the calls per row)
                row.append(None if not raw and isnull(result, r, c) else convert[c](raw))
            rows.append(tuple(row))
        return rows

    def close(self) -> None:
        if self._conn:
            self._lib.PQfinish(self._conn)
            self._conn = None
