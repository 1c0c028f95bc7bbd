"""Version strings: normalising, ordering, and reading the ones people type.

Versions compare numerically where they are numeric (``2 < 10``, ``1.9 < 1.10``,
``20240101 < 20240102``) and as text elsewhere (the plain layout's file names sort
naturally: ``2_b.sql`` before ``10_a.sql``).

A version given on the command line (``baseline --version``, ``up --to``, ``down
--to``) is read with the rules of the directory's layout (:func:`parse_version`), so
``V2`` on a Flyway project is version ``2``, and a value the layout cannot have is a
usage error instead of a version that sorts after every number.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from pitstop.errors import OptionError, literal

_RUNS = re.compile(r"(\d+)")
_DOTTED = re.compile(r"\d+(?:[._]\d+)*")
_SEPARATOR = re.compile(r"[._]")

VersionKey = tuple[tuple[int, int | str], ...]

# what each layout accepts from people (the version part only: the group)
_FORMS = {
    "flyway": re.compile(r"[Vv]?(\d+(?:[._]\d+)*)"),
    "dbmate": re.compile(r"(\d+)"),
    "golang-migrate": re.compile(r"(\d+)"),
    "diesel": re.compile(r"(\d[\d-]*\d|\d)"),
}
EXPECTED = {
    "flyway": "a Flyway version: numbers separated by . or _, with or without the V "
              "(2, 2.1, V2, V2_1)",
    "dbmate": "a dbmate version: the digits a file name starts with (20240101120000)",
    "golang-migrate": "a golang-migrate version: the digits a file name starts with "
                      "(3, 000003, 20240101120000)",
    "diesel": "a diesel version: the date part of a folder name "
              "(2024-01-01-120000 or 20240101120000)",
    "plain": "a file name of the directory, with or without .sql (001_init.sql, 001_init, "
             "or its number 1 when one file starts with it)",
}


def version_key(version: str) -> VersionKey:
    """A sort key: digit runs compare as numbers, everything else as lower-case text."""
    parts: list[tuple[int, int | str]] = []
    for i, run in enumerate(_RUNS.split(version)):
        if not run:
            continue
        if i % 2:
            parts.append((0, int(run)))
        else:
            parts.append((1, run.lower()))
    return tuple(parts)


def normalize_version(version: str) -> str:
    """Drop leading zeros of numeric runs and use ``.`` between them.

    ``"0001"`` → ``"1"``; Flyway's ``"1_2"`` → ``"1.2"``; ``"2024-01-01-120000"``
    stays (diesel writes dates with dashes).
    """
    version = version.strip()
    if version.isdigit():
        return str(int(version))
    if _DOTTED.fullmatch(version):
        return ".".join(str(int(part)) for part in _SEPARATOR.split(version))
    return version


def is_numeric(version: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:\.\d+)*", version))


def parse_version(layout: str, value: str, known: Collection[str] = (), *,
                  option: str = "version") -> str:
    """``value`` as a version of ``layout``, normalised like the versions read from file
    names; ``known`` (the directory's versions) lets a diesel date without dashes and a
    plain file's number find their file.  A value the layout cannot have is a
    :class:`~pitstop.errors.OptionError` (exit 3) naming ``option``, the value and the
    form expected."""
    found = _parse(layout, value.strip(), known)
    if found is None:
        raise OptionError(f"{{{option}}} {literal(repr(value))}: not a {layout} version",
                          options=(option,),
                          hint=f"expected {EXPECTED.get(layout, 'a version of the layout')}; "
                               "see the versions with `pitstop migrate status`")
    return found



def _parse(layout: str, text: str, known: Collection[str]) -> str | None:
    if layout == "plain":
        stem = text[:-4] if text.lower().endswith(".sql") else text
        if not stem or "/" in stem or "\\" in stem:
            return None
        if stem not in known and stem.isdigit():  # "3" for 003_orders.sql
            number = int(stem)
            same = [k for k in known if (m := _RUNS.match(k)) and int(m.group(0)) == number]
            if len(same) == 1:
                return same[0]
        return stem
    form = _FORMS.get(layout)
    match = form.fullmatch(text) if form is not None else None
    if match is None:
        return None
    version = normalize_version(match.group(1))
    if layout == "diesel" and version not in known:  # 20240101120000 for 2024-01-01-120000
        digits = version.replace("-", "")
        same = [k for k in known if k.replace("-", "") == digits]
        if len(same) == 1:
            return same[0]
    return version


def parse_stored_baseline(layout: str, version: str) -> str | None:
    """A baseline version read back from the history, in ``layout``'s normal form;
    ``None`` when it cannot be a version of the layout (an older pitstop recorded
    ``baseline --version`` without checking it)."""
    return _parse(layout, version.strip(), ())
