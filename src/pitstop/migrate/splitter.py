"""Split a SQL script into statements.

Semicolons end statements except inside comments (``--``, ``/* */``, MySQL ``#``),
string literals (``'…'`` with ``''`` or backslash escapes, ``E'…'``), quoted
identifiers (``"…"``, ```…```), dollar-quoted bodies (``$$…$$``, ``$fn$…$fn$``) and
compound bodies of routines written without ``DELIMITER`` (``CREATE PROCEDURE … BEGIN
…; …; END``, ``CREATE TRIGGER … BEGIN … END``, MariaDB ``BEGIN NOT ATOMIC … END``).
``CASE … END`` is tracked too, so ``END CASE``/``END IF``/``END LOOP`` keep the depth
right.  Unterminated literals run to the end of the script; the database reports them.

The splitter never changes the text: each :class:`Statement` is a slice of the
script, so positions and line numbers stay exact.
"""

from __future__ import annotations

import dataclasses
import re

_TOKEN = re.compile(
    r"""
      (?P<line_comment>--[^\n]*)
    | (?P<block_comment>/\*.*?(?:\*/|\Z))
    | (?P<dollar>(?P<tag>\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$).*?(?:(?P=tag)|\Z))
    | (?P<estring>\b[eE]'(?:[^'\\]|\\.|'')*(?:'|\Z))
    | (?P<string>'(?:[^'\\]|\\.|'')*(?:'|\Z))
    | (?P<dquote>"(?:[^"]|"")*(?:"|\Z))
    | (?P<bquote>`(?:[^`]|``)*(?:`|\Z))
    | (?P<word>\b(?:BEGIN|END|CASE)\b)
    | (?P<semi>;)
    """,
    re.VERBOSE | re.DOTALL | re.IGNORECASE,
)
# In standard SQL strings a backslash is an ordinary character; the pattern above
# treats it as an escape, which only matters for a string ending in a backslash.
_STD_STRING = re.compile(r"'(?:[^']|'')*(?:'|\Z)", re.DOTALL)
_HASH_COMMENT = re.compile(r"#[^\n]*")
_SKIP = re.compile(r"(?:\s+|--[^\n]*|/\*.*?(?:\*/|\Z)|#[^\n]*)*", re.DOTALL)
_FIRST_WORDS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ROUTINE = re.compile(
    r"CREATE\b(?:(?!;).){0,200}?\b(?:PROCEDURE|FUNCTION|TRIGGER|EVENT)\b",
    re.IGNORECASE | re.DOTALL,
)
_COMPOUND_START = re.compile(r"BEGIN\s+NOT\s+ATOMIC\b", re.IGNORECASE)
_END_SUFFIX = re.compile(r"\s+(IF|LOOP|WHILE|REPEAT|FOR|CASE)\b", re.IGNORECASE)
_TX_CONTROL = {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"}


@dataclasses.dataclass(frozen=True)
class Statement:
    """One statement: ``text`` is ``script[start:end]`` with surrounding blanks removed."""

    text: str
    start: int
    end: int
    line: int
    """1-based line of the statement's first character within the script."""

    @property
    def keyword(self) -> str:
        """The first word, upper-cased (``""`` for an empty statement)."""
        body = _SKIP.match(self.text)
        match = _FIRST_WORDS.match(self.text, body.end() if body else 0)
        return match.group(0).upper() if match else ""

    @property
    def controls_transaction(self) -> bool:
        """``BEGIN``/``COMMIT``/``START TRANSACTION``… at top level of the script."""
        kw = self.keyword
        if kw not in _TX_CONTROL:
            return False
        return not (kw == "BEGIN" and _COMPOUND_START.match(self.text, _skip_end(self.text, 0)))


def _skip_end(text: str, pos: int) -> int:
    match = _SKIP.match(text, pos)
    return match.end() if match else pos


def _is_blank(text: str) -> bool:
    match = _SKIP.match(text)
    return match is not None and match.end() == len(text)


_DELIMITER_LINE = re.compile(r"^[ \t]*DELIMITER[ \t]+(\S+)[ \t]*$", re.IGNORECASE | re.MULTILINE)


def split_sql(script: str, *, mysql: bool = False) -> list[Statement]:
    """Split ``script`` into statements (blank and comment-only pieces are dropped).

    ``mysql=True`` also treats ``#`` as a line comment, backslashes as escapes in
    every string literal, and honours the mysql client's ``DELIMITER x`` lines.
    """
    if mysql and _DELIMITER_LINE.search(script):
        return _split_delimited(script)
    return _split(script, mysql)


def _split_delimited(script: str) -> list[Statement]:
    out: list[Statement] = []
    pos, delimiter = 0, ";"
    for match in [*_DELIMITER_LINE.finditer(script), None]:
        end = match.start() if match else len(script)
        if delimiter == ";":
            pieces = _split(script[pos:end], True)
            out += [Statement(p.text, p.start + pos, p.end + pos, line_of(script, p.start + pos))
                    for p in pieces]
        else:
            cursor = pos
            while cursor < end:
                stop = script.find(delimiter, cursor, end)
                stop = end if stop == -1 else stop
                raw = script[cursor:stop]
                if raw.strip() and not _is_blank(raw):
                    start = cursor + _skip_end(raw, 0)
                    finish = cursor + len(raw.rstrip())
                    out.append(Statement(script[start:finish], start, finish,
                                         line_of(script, start)))
                cursor = stop + len(delimiter)
        if match:
            pos, delimiter = match.end(), match.group(1)
    return out


def _split(script: str, mysql: bool) -> list[Statement]:
    statements: list[Statement] = []
    pos = 0
    stmt_start = 0
    depth = 0
    routine: bool | None = None  # decided at the first BEGIN of each statement
    line = 1
    line_pos = 0
    length = len(script)

    def finish(end: int) -> None:
        nonlocal line, line_pos
        raw = script[stmt_start:end]
        if not raw or _is_blank(raw):
            return
        skip = _SKIP.match(raw)
        start = stmt_start + (skip.end() if skip else 0)
        line += script.count("\n", line_pos, start)
        line_pos = start
        end = stmt_start + len(raw.rstrip())
        statements.append(Statement(script[start:end], start, end, line))

    while pos < length:
        if mysql:
            hash_at = script.find("#", pos)
        match = _TOKEN.search(script, pos)
        if mysql and hash_at != -1 and (match is None or hash_at < match.start()):
            comment = _HASH_COMMENT.match(script, hash_at)
            assert comment is not None
            pos = comment.end()
            continue
        if match is None:
            break
        kind = match.lastgroup
        if kind == "tag":  # lastgroup reports the inner group for dollar quotes
            kind = "dollar"
        if kind == "string" and not mysql:
            std = _STD_STRING.match(script, match.start())
            assert std is not None
            pos = std.end()
            continue
        if kind == "semi":
            if depth == 0:
                finish(match.start())
                stmt_start = match.end()
                routine = None
            pos = match.end()
            continue
        if kind == "word":
            word = match.group("word").upper()
            if word == "CASE":
                depth += 1
            elif word == "BEGIN":
                if routine is None:
                    first = _skip_end(script, stmt_start)
                    routine = bool(_ROUTINE.match(script, first, match.start())) or (
                        first == match.start()
                        and bool(_COMPOUND_START.match(script, match.start()))
                    )
                if routine:
                    depth += 1
            else:
                suffix = _END_SUFFIX.match(script, match.end())
                if suffix is None or suffix.group(1).upper() == "CASE":
                    depth = max(0, depth - 1)  # END, END CASE, END label close a block
                if suffix is not None:
                    pos = suffix.end()
                    continue
        pos = match.end()
    finish(length)
    return statements


def line_of(script: str, offset: int) -> int:
    """1-based line number of character ``offset`` in ``script``."""
    return script.count("\n", 0, max(0, min(offset, len(script)))) + 1


_CLOSERS = {"block_comment": ("/* comment", "*/", 4), "estring": ("string", "'", 3),
            "string": ("string", "'", 2), "dquote": ('"quoted" identifier', '"', 2)}


def unterminated(script: str, *, dollar: bool = True) -> tuple[str, int] | None:
    """``(what, offset)`` of a comment, string, quoted identifier or dollar quote that
    is still open at the end of ``script`` (PostgreSQL/SQLite rules), else ``None``.

    Used to explain a failure: a server that gets the script with more SQL after it
    reports an error somewhere in that SQL, not where the quote was left open."""
    pos = 0
    while (match := _TOKEN.search(script, pos)) is not None:
        kind = match.lastgroup
        text = match.group(0)
        if kind == "string":  # standard strings: a backslash is an ordinary character
            std = _STD_STRING.match(script, match.start())
            assert std is not None
            text = std.group(0)
        if kind in ("tag", "dollar"):
            tag = match.group("tag")
            if not dollar:  # `$` is an ordinary character here: look past it
                pos = match.start() + 1
                continue
            if len(text) < 2 * len(tag) or not text.endswith(tag):
                return f"dollar quote {tag}", match.start()
        elif kind in _CLOSERS:
            what, closer, shortest = _CLOSERS[kind]
            if len(text) < shortest or not text.endswith(closer):
                return what, match.start()
        pos = match.start() + len(text)
    return None
