"""Reading a migrations directory as the tool that wrote it lays it out.

One reader per layout; :func:`detect_layout` picks one from the file names.  Every
``.sql`` file (and, for diesel, every sub-directory) must fit the layout's pattern:
a file that fits none is an error naming it, never silently skipped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pitstop.errors import ConfigError, MigrationError, PermissionDeniedError
from pitstop.migrate.versions import normalize_version, version_key

Kind = Literal["versioned", "repeatable"]

_FLYWAY = re.compile(r"^(?P<prefix>[VU])(?P<version>\d+(?:[._]\d+)*)__(?P<desc>.+)\.sql$")
_FLYWAY_R = re.compile(r"^R__(?P<desc>.+)\.sql$")
_DBMATE = re.compile(r"^(?P<version>\d+)_(?P<desc>.+)\.sql$")
_GOLANG = re.compile(r"^(?P<version>\d+)_(?P<desc>.+)\.(?P<dir>up|down)\.sql$")
_DIESEL = re.compile(r"^(?P<version>\d[\d-]*\d|\d)_(?P<desc>.+)$")
_MARKER_UP = re.compile(r"^--\s*migrate:up\b(?P<opts>[^\n]*)$", re.MULTILINE)
_MARKER_DOWN = re.compile(r"^--\s*migrate:down\b(?P<opts>[^\n]*)$", re.MULTILINE)
_NO_TX = re.compile(r"^--\s*pitstop:no-transaction\b", re.MULTILINE)
_FLYWAY_CONF_NO_TX = re.compile(r"^\s*executeInTransaction\s*=\s*false\s*$", re.MULTILINE | re.I)


@dataclasses.dataclass(frozen=True)
class Script:
    """One migration as found on disk."""

    version: str | None
    """Normalised version; ``None`` for a repeatable migration."""
    description: str
    kind: Kind
    name: str
    """Path relative to the migrations directory, as shown to people (``V1__init.sql``)."""
    path: Path
    checksum: str
    """sha256 of the file as read."""
    up_sql: str
    up_line: int = 1
    """Line of the file where ``up_sql`` starts."""
    down_path: Path | None = None
    down_sql: str | None = None
    down_line: int = 1
    transactional: bool | None = None
    """``False`` when marked no-transaction; ``None`` means decide from the statements."""
    down_transactional: bool | None = None
    """The same for the down script; ``None`` also means look for a marker in its text."""

    @property
    def sort_key(self) -> tuple[int, object]:
        if self.kind == "repeatable":
            return (1, self.description.lower())
        return (0, version_key(self.version or ""))

    @property
    def has_down(self) -> bool:
        return self.down_sql is not None or self.down_path is not None

    def read_down(self) -> tuple[str, int] | None:
        """The down SQL and the line it starts on, or ``None`` when there is none."""
        if self.down_sql is not None:
            return self.down_sql, self.down_line
        if self.down_path is not None:
            return _read_text(self.down_path), 1
        return None


def _read(path: Path) -> tuple[bytes, str]:
    try:  # os.read rather than open(): a third of the time for 1,000 small files
        fd = os.open(path, os.O_RDONLY)
        try:
            chunks = []
            while chunk := os.read(fd, 1 << 16):
                chunks.append(chunk)
        finally:
            os.close(fd)
        data = b"".join(chunks)
    except PermissionError as exc:
        raise PermissionDeniedError(f"{path}: cannot be read: {exc.strerror}",
                                    hint="give the user running pitstop read access") from None
    except OSError as exc:
        raise MigrationError(f"{path}: cannot be read: {exc.strerror}",
                             hint="is it a broken symlink or on an unavailable disk?") from None
    try:
        return data, data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MigrationError(f"{path}: is not UTF-8 text",
                             hint="save the file as UTF-8") from None


def _read_text(path: Path) -> str:
    return _read(path)[1]


def _desc(text: str) -> str:
    return text.replace("_", " ").strip()


def _unfit(path: Path, layout: str, expected: str) -> MigrationError:
    return MigrationError(
        f"{path}: does not fit the {layout} layout (expected {expected})",
        hint="rename or move the file, or set [migrate] layout to the layout it belongs to",
    )


def escaped(path: Path | str) -> str:
    """``path`` for messages, its bytes that are not UTF-8 written as ``\\xe9``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _utf8_name(name: str, path: str) -> None:
    """A migration whose name is not UTF-8 cannot be recorded in the history (nor
    printed): refuse it by name, before anything runs.  (Callers skip ASCII names.)"""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise MigrationError(
            f"{escaped(path)}: the name is not valid UTF-8",
            hint="rename it with UTF-8 characters (the history table and messages "
                 "record migration names as text)") from None


def _listing(directory: Path) -> Listing:
    """``(.sql files, sub-directories, every name)`` in one scan."""
    files, dirs, names = [], [], []
    with os.scandir(directory) as entries:
        for entry in entries:
            names.append(entry.name)
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                if not entry.name.isascii():
                    _utf8_name(entry.name, entry.path)
                dirs.append(Path(entry.path))
            elif entry.name.lower().endswith(".sql"):
                if not entry.name.isascii():
                    _utf8_name(entry.name, entry.path)
                files.append(Path(entry.path))
    return files, dirs, frozenset(names)


Listing = tuple[list[Path], list[Path], frozenset[str]]


def no_tx_marker(text: str) -> bool | None:
    """``False`` when ``text`` carries ``-- pitstop:no-transaction``, else ``None``."""
    return _no_tx_marker(text)


def _no_tx_marker(text: str) -> bool | None:
    return False if "pitstop:no-transaction" in text and _NO_TX.search(text) else None


def _nested_sql(dirs: list[Path]) -> list[Path]:
    """``.sql`` files anywhere below ``dirs`` (Flyway reads its locations recursively)."""
    found = []
    for top in dirs:
        for root, subdirs, names in os.walk(top, onerror=_raise):
            subdirs[:] = [d for d in subdirs if not d.startswith(".")]
            for name in subdirs:
                if not name.isascii():
                    _utf8_name(name, os.path.join(root, name))
            for name in names:
                if name.lower().endswith(".sql") and not name.startswith("."):
                    if not name.isascii():
                        _utf8_name(name, os.path.join(root, name))
                    found.append(Path(root) / name)
    return found


def read_flyway(directory: Path, listing: Listing | None = None) -> list[Script]:
    files, dirs, names = listing or _listing(directory)
    scripts: list[Script] = []
    undo: dict[str, Path] = {}
    nested = _nested_sql(dirs)
    for path in [*files, *nested]:
        top = not nested or path.parent == directory
        base = path.name
        name = base if top else path.relative_to(directory).as_posix()
        match = _FLYWAY.match(base)
        if match and match["prefix"] == "U":
            version = normalize_version(match["version"])
            if version in undo:
                raise MigrationError(f"{path}: undo migration for version {version}, like "
                                     f"{undo[version]}", hint="keep one U file per version")
            undo[version] = path
            continue
        raw, text = _read(path)
        checksum = hashlib.sha256(raw).hexdigest()
        tx = _no_tx_marker(text)
        if base + ".conf" in names or not top:
            conf = path.with_name(base + ".conf")
            if conf.is_file() and _FLYWAY_CONF_NO_TX.search(_read_text(conf)):
                tx = False
        if match:
            scripts.append(Script(normalize_version(match["version"]), _desc(match["desc"]),
                                  "versioned", name, path, checksum, text, transactional=tx))
            continue
        rmatch = _FLYWAY_R.match(base)
        if not rmatch:
            raise _unfit(path, "flyway", "V<version>__<desc>.sql, U<version>__<desc>.sql "
                         "or R__<desc>.sql")
        scripts.append(Script(None, _desc(rmatch["desc"]), "repeatable", name, path,
                              checksum, text, transactional=tx))
    by_version = {s.version: s for s in scripts if s.version is not None}
    for version, path in undo.items():
        script = by_version.get(version)
        if script is None:
            raise MigrationError(f"{path}: undo migration for version {version}, "
                                 "but there is no V file with that version")
        scripts[scripts.index(script)] = dataclasses.replace(script, down_path=path)
    return scripts


def _marker_tx(opts: str) -> bool | None:
    return False if "transaction:false" in opts.replace(" ", "") else None


def _dbmate_sections(path: Path, text: str
                     ) -> tuple[str, int, str | None, int, bool | None, bool | None]:
    """Up and down text with their first lines, and each section's own
    ``transaction:false`` (dbmate reads the option per marker line)."""
    up = _MARKER_UP.search(text)
    if up is None:
        raise MigrationError(f"{path}: no '-- migrate:up' line",
                             hint="dbmate files start their up part with '-- migrate:up'")
    down = _MARKER_DOWN.search(text)
    everywhere = _NO_TX.search(text) is not None
    tx = False if everywhere else _marker_tx(up["opts"])
    up_start = up.end() + 1
    if down is None:
        return text[up_start:], text.count("\n", 0, up_start) + 1, None, 1, tx, None
    if down.start() < up.start():
        raise MigrationError(f"{path}: '-- migrate:down' comes before '-- migrate:up'")
    down_tx = False if everywhere else _marker_tx(down["opts"])
    down_start = down.end() + 1
    return (text[up_start:down.start()], text.count("\n", 0, up_start) + 1,
            text[down_start:], text.count("\n", 0, down_start) + 1, tx,
            True if down_tx is None else down_tx)


def read_dbmate(directory: Path, listing: Listing | None = None) -> list[Script]:
    files, _, _ = listing or _listing(directory)
    scripts: list[Script] = []
    for path in files:
        match = _DBMATE.match(path.name)
        if not match:
            raise _unfit(path, "dbmate", "<version>_<name>.sql")
        raw, text = _read(path)
        up, up_line, down, down_line, tx, down_tx = _dbmate_sections(path, text)
        scripts.append(Script(normalize_version(match["version"]), _desc(match["desc"]),
                              "versioned", path.name, path, hashlib.sha256(raw).hexdigest(),
                              up, up_line, None, down, down_line, tx, down_tx))
    return scripts


def read_golang(directory: Path, listing: Listing | None = None) -> list[Script]:
    files, _, _ = listing or _listing(directory)
    ups: dict[str, tuple[Path, str]] = {}
    downs: dict[str, Path] = {}
    for path in files:
        match = _GOLANG.match(path.name)
        if not match:
            raise _unfit(path, "golang-migrate", "<version>_<name>.up.sql / .down.sql")
        version = normalize_version(match["version"])
        same = ups.get(version, (None,))[0] if match["dir"] == "up" else downs.get(version)
        if same is not None:
            raise MigrationError(f"{path}: version {version} is also used by {same}",
                                 hint="give each migration its own version")
        if match["dir"] == "up":
            ups[version] = (path, match["desc"])
        else:
            downs[version] = path
    scripts = []
    for version, (path, desc) in ups.items():
        raw, text = _read(path)
        scripts.append(Script(version, _desc(desc), "versioned", path.name, path,
                              hashlib.sha256(raw).hexdigest(), text,
                              down_path=downs.pop(version, None),
                              transactional=_no_tx_marker(text)))
    for version, path in downs.items():
        raise MigrationError(f"{path}: down migration for version {version} without an "
                             ".up.sql file")
    return scripts


def read_diesel(directory: Path, listing: Listing | None = None) -> list[Script]:
    files, dirs, _ = listing or _listing(directory)
    if files:
        raise _unfit(files[0], "diesel", "<version>_<name>/up.sql folders")
    scripts = []
    for folder in dirs:
        match = _DIESEL.match(folder.name)
        up_path = folder / "up.sql"
        if not match or not up_path.is_file():
            raise _unfit(folder, "diesel", "a <version>_<name>/ folder holding up.sql")
        raw, text = _read(up_path)
        tx = _no_tx_marker(text)
        both: bool | None = None  # metadata.toml speaks for up.sql and down.sql
        meta = folder / "metadata.toml"
        if meta.is_file():
            try:
                data = tomllib.loads(_read_text(meta))
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"invalid TOML: {exc}", file=meta) from None
            if data.get("run_in_transaction") is False:
                tx = both = False
        down = folder / "down.sql"
        scripts.append(Script(normalize_version(match["version"]), _desc(match["desc"]),
                              "versioned", f"{folder.name}/up.sql", up_path,
                              hashlib.sha256(raw).hexdigest(), text,
                              down_path=down if down.is_file() else None, transactional=tx,
                              down_transactional=both))
    return scripts


def read_plain(directory: Path, listing: Listing | None = None) -> list[Script]:
    files, _, _ = listing or _listing(directory)
    scripts = []
    for path in files:
        raw, text = _read(path)
        scripts.append(Script(path.stem, _desc(path.stem), "versioned", path.name, path,
                              hashlib.sha256(raw).hexdigest(), text,
                              transactional=_no_tx_marker(text)))
    return scripts


READERS: dict[str, Callable[[Path, Listing | None], list[Script]]] = {
    "flyway": read_flyway,
    "dbmate": read_dbmate,
    "golang-migrate": read_golang,
    "diesel": read_diesel,
    "plain": read_plain,
}


def detect_layout(directory: Path, listing: Listing | None = None) -> str:
    """Guess the layout from the names (and for dbmate, the markers) of the files."""
    files, dirs, _ = listing or _listing(directory)
    if any((d / "up.sql").is_file() for d in dirs):
        return "diesel"
    names = [f.name for f in files]
    if any(_FLYWAY.match(n) or _FLYWAY_R.match(n) for n in names):
        return "flyway"
    if any(_GOLANG.match(n) for n in names):
        return "golang-migrate"
    for path in files:
        if _DBMATE.match(path.name):
            head = _read_text(path)
            if _MARKER_UP.search(head):
                return "dbmate"
    if not files and any(_FLYWAY.match(f.name) or _FLYWAY_R.match(f.name)
                         for f in _nested_sql(dirs)):
        return "flyway"  # every file in sub-folders, as Flyway allows
    return "plain"


def unreadable(directory: Path, exc: OSError) -> PermissionDeniedError | MigrationError:
    """The error for a migrations directory (or a folder or file in it) that cannot be
    looked into: exit 5 when permission was refused."""
    where = Path(exc.filename) if exc.filename is not None else directory
    if where.parent == directory and not os.access(directory, os.R_OK | os.X_OK):
        where = directory  # looking at a name in it failed: the directory is the cause
    what = "migrations directory " if where == directory else ""
    if isinstance(exc, PermissionError):
        return PermissionDeniedError(
            f"{what}{escaped(where)}: cannot be read: {exc.strerror}",
            hint="give the user running pitstop read and search access (r and x) to the "
                 "migrations directory and its folders")
    return MigrationError(f"{what}{escaped(where)}: cannot be read: {exc.strerror}",
                          hint="is it on a disk that is unavailable?")


def _raise(exc: OSError) -> None:
    raise exc


def read_scripts(directory: Path, layout: str) -> tuple[str, list[Script]]:
    """Read every migration in ``directory``: ``(layout, scripts in apply order)``."""
    try:
        return _read_scripts(directory, layout)
    except OSError as exc:
        raise unreadable(directory, exc) from None


def _read_scripts(directory: Path, layout: str) -> tuple[str, list[Script]]:
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "does not exist"
        raise ConfigError(f"migrations directory {escaped(directory)} {what}",
                          key="migrate.dir",
                          hint="create it, or set [migrate] dir to where the migrations are")
    listing = _listing(directory)
    if layout == "auto":
        layout = detect_layout(directory, listing)
    scripts = READERS[layout](directory, listing)
    seen: dict[str, Script] = {}
    for script in scripts:
        key = script.version if script.version is not None else f"R:{script.description}"
        if key in seen:
            raise MigrationError(
                f"{script.path}: version {script.version or script.description} is also "
                f"used by {seen[key].path}", hint="give each migration its own version")
        seen[key] = script
    scripts.sort(key=lambda s: s.sort_key)
    return layout, scripts
