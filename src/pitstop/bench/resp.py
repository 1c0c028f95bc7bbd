"""The little of RESP2 the benchmark needs: encoding commands and counting complete
replies in a receive buffer without building Python objects for them."""

from __future__ import annotations

from collections.abc import Sequence


def encode(*args: str | bytes) -> bytes:
    """One command as a RESP array of bulk strings."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg.encode() if isinstance(arg, str) else arg
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def encode_many(commands: Sequence[Sequence[str | bytes]]) -> bytes:
    return b"".join(encode(*c) for c in commands)


class ReplyCounter:
    """Feeds on received bytes; counts complete top-level replies and errors.

    Only the reply shapes of PING/SET/GET/AUTH/SELECT appear here: simple strings,
    errors, integers and bulk strings (arrays are not needed and not supported)."""

    __slots__ = ("_buf", "_expected", "errors", "first_error")

    def __init__(self, expected: bytes | None = None) -> None:
        self._buf = b""
        self._expected = expected
        """The reply every request should get: chunks made only of it are counted
        by one comparison instead of parsing each reply."""
        self.errors = 0
        self.first_error: str | None = None

    def feed(self, data: bytes) -> int:
        """Add ``data``; return how many replies it completed."""
        expected = self._expected
        if expected and not self._buf:
            n, rest = divmod(len(data), len(expected))
            if not rest and data == expected * n:
                return n
        buf = self._buf + data if self._buf else data
        pos = 0
        count = 0
        end = len(buf)
        while pos < end:
            kind = buf[pos]
            line_end = buf.find(b"\r\n", pos)
            if line_end < 0:
                break
            if kind == 36:  # b"$": bulk string
                size = int(buf[pos + 1:line_end])
                nxt = line_end + 2 if size < 0 else line_end + 2 + size + 2
                if nxt > end:
                    break
                pos = nxt
            elif kind in (43, 58):  # b"+", b":"
                pos = line_end + 2
            elif kind == 45:  # b"-": error
                self.errors += 1
                if self.first_error is None:
                    self.first_error = buf[pos + 1:line_end].decode(errors="replace")
                pos = line_end + 2
            else:
                raise ValueError(f"unexpected reply type {chr(kind)!r} (is this a Redis server?)")
            count += 1
        self._buf = buf[pos:] if pos < end else b""
        return count
