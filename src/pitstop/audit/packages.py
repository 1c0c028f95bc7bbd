"""Which packages the deps section audits: those installed in the project's
interpreter, or those a requirements or lock file pins.

The interpreter's packages are listed by the interpreter itself, through the
project-interpreter seam (:mod:`pitstop.project_python`: ``importlib.metadata`` run
there): pitstop need not be installed in the project's virtualenv, and nothing of the
project is imported.  Files are read, never resolved:
only exact pins (``name==1.2.3``, a lock file's versions) can be audited; anything
else is listed as skipped, with the reason.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pitstop.errors import ConfigError

if TYPE_CHECKING:
    from pitstop.project_python import Interpreter

LIST_TIMEOUT = 60.0
@dataclasses.dataclass(frozen=True)
class Package:
    """One pinned package: name, version, and where the pin comes from."""

    name: str
    version: str
    origin: str
    """``requirements.txt:12``, ``uv.lock``, or the interpreter's path."""
    path: str | None = None
    """The file it is pinned in (relative to the project), if any."""
    line: int | None = None

    @property
    def canonical(self) -> str:
        return canonicalize_name(self.name)

    @property
    def label(self) -> str:
        """``requirements.txt:12 django==3.2.0`` or ``django 3.2.0``: a finding's object."""
        if self.path is not None:
            return f"{self.origin} {self.name}=={self.version}"
        return f"{self.name} {self.version}"


@dataclasses.dataclass(frozen=True)
class Inventory:
    """What the deps section audits, and what it could not."""

    packages: tuple[Package, ...]
    skipped: tuple[Mapping[str, str], ...]
    """``{"package": …, "origin": …, "reason": …}`` for each entry not audited."""
    source: str
    """In words: ``214 packages installed in /srv/app/.venv/bin/python (.venv)``."""


def _skip(package: str, origin: str, reason: str) -> dict[str, str]:
    return {"package": package, "origin": origin, "reason": reason}


# -- the interpreter -----------------------------------------------------------------------
def installed(python: Interpreter, cwd: Path) -> Inventory:
    """The distributions installed in the project's interpreter (first of each name, as
    imports see them), listed by the project-interpreter seam's helper."""
    from pitstop.project_python import run_helper

    answer = run_helper(python, "interpreter_info", {"packages": True}, cwd=cwd,
                        timeout=LIST_TIMEOUT, what="the package listing")
    packages: dict[str, Package] = {}
    for name, version in answer.get("packages", []):
        packages.setdefault(canonicalize_name(name),
                            Package(name, str(version), str(python.path)))
    return Inventory(tuple(packages.values()), (),
                     f"{len(packages)} packages installed in {python.path} ({python.reason})")


# -- requirements and lock files -----------------------------------------------------------
_COMMENT = re.compile(r"(^|\s)#.*$")
_OPTION = re.compile(r"\s+--?[a-zA-Z]")
_INCLUDE = re.compile(r"^(?:-r|--requirement)(?:\s*=\s*|\s+|(?=\S))(?P<file>\S+)$")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """``(first line number, text)`` with comments removed and ``\\`` continuations
    joined."""
    lines: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = _COMMENT.sub("", raw).rstrip()
        if pending is not None:
            number, line = pending[0], pending[1] + " " + line.strip()
            pending = None
        if line.endswith("\\"):
            pending = (number, line[:-1])
            continue
        if line.strip():
            lines.append((number, line.strip()))
    if pending is not None and pending[1].strip():
        lines.append((pending[0], pending[1].strip()))
    return lines


def _read_requirements(path: Path, shown: str, project_dir: Path, seen: set[Path],
                       packages: list[Package], skipped: list[dict[str, str]]) -> None:
    seen.add(path.resolve())
    for number, line in _logical_lines(_read_text(path)):
        origin = f"{shown}:{number}"
        include = _INCLUDE.match(line)
        if include:
            child = (path.parent / include["file"])
            if child.resolve() not in seen:
                _check_file(child)
                _read_requirements(child, _shown(child, project_dir), project_dir, seen,
                                   packages, skipped)
            continue
        if line.startswith(("-e", "--editable")):
            skipped.append(_skip(line.split(None, 1)[-1], origin, "editable install"))
            continue
        if line.startswith("-"):
            continue  # index options, constraints files: nothing installed by this line
        spec = _OPTION.split(line, 1)[0].strip()  # drop --hash=… and other per-line options
        try:
            requirement = Requirement(spec)
        except InvalidRequirement:
            skipped.append(_skip(spec, origin, "not a name==version requirement"))
            continue
        if requirement.url:
            skipped.append(_skip(requirement.name, origin, "a direct reference (URL or path)"))
            continue
        pins = [s for s in requirement.specifier if s.operator in ("==", "===")
                and "*" not in s.version]
        if len(pins) != 1 or len(requirement.specifier) != 1:
            shown_spec = str(requirement.specifier) or "no version"
            skipped.append(_skip(requirement.name, origin, f"not pinned ({shown_spec})"))
            continue
        packages.append(Package(requirement.name, pins[0].version, origin, shown, number))


def _package_lines(text: str, header: str) -> list[int]:
    """The line of each ``name = …`` that follows a ``header`` table line, in order."""
    lines, inside = [], False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped == header
        elif inside and stripped.startswith("name") and "=" in stripped:
            lines.append(number)
            inside = False
    return lines


def _read_lock(path: Path, shown: str, kind: str, packages: list[Package],
               skipped: list[dict[str, str]]) -> None:
    text = _read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=path) from None
    table, header = ("packages", "[[packages]]") if kind == "pylock" else ("package",
                                                                          "[[package]]")
    entries = data.get(table, [])
    if not isinstance(entries, list):
        raise ConfigError(f"expected [[{table}]] entries", file=path, key=table)
    lines = _package_lines(text, header)
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        line = lines[index] if index < len(lines) else None
        origin = f"{shown}:{line}" if line else shown
        name, version = entry["name"], entry.get("version")
        reason = _lock_skip_reason(kind, entry)
        if reason is None and not isinstance(version, str):
            reason = "no version in the lock file"
        if reason is not None:
            skipped.append(_skip(name, origin, reason))
            continue
        packages.append(Package(name, str(version), origin, shown, line))


def _lock_skip_reason(kind: str, entry: dict[str, Any]) -> str | None:
    """Why a lock entry is not a package from an index (``None``: it is one)."""
    if kind == "uv":
        source = entry.get("source") or {}
        if isinstance(source, dict) and source and "registry" not in source:
            return f"not from a package index ({', '.join(sorted(source))})"
    elif kind == "poetry":
        source = entry.get("source") or {}
        kind_of = source.get("type") if isinstance(source, dict) else None
        if kind_of in ("git", "directory", "file", "url"):
            return f"not from a package index ({kind_of})"
    elif kind == "pylock":
        for key in ("vcs", "directory", "archive"):
            if key in entry:
                return f"not from a package index ({key})"
    return None


def _kind(path: Path) -> str:
    name = path.name.lower()
    if name == "uv.lock":
        return "uv"
    if name == "poetry.lock":
        return "poetry"
    if name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml")):
        return "pylock"
    return "requirements"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", file=path) from None


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise ConfigError("requirements or lock file not found", file=path,
                          hint="name requirements*.txt, uv.lock, poetry.lock or pylock.toml")


def _shown(path: Path, project_dir: Path) -> str:
    try:
        return path.resolve().relative_to(project_dir.resolve()).as_posix()
    except ValueError:
        return str(path)


def from_files(paths: tuple[Path, ...], project_dir: Path) -> Inventory:
    """The packages pinned by requirements files (``-r`` includes followed) and lock
    files (``uv.lock``, ``poetry.lock``, ``pylock.toml``)."""
    packages: list[Package] = []
    skipped: list[dict[str, str]] = []
    seen: set[Path] = set()
    for given in paths:
        path = given if given.is_absolute() else project_dir / given
        _check_file(path)
        shown = _shown(path, project_dir)
        kind = _kind(path)
        if kind == "requirements":
            if path.resolve() not in seen:
                _read_requirements(path, shown, project_dir, seen, packages, skipped)
        else:
            _read_lock(path, shown, kind, packages, skipped)
    names = ", ".join(_shown(p if p.is_absolute() else project_dir / p, project_dir)
                      for p in paths)
    return Inventory(tuple(packages), tuple(skipped), f"{len(packages)} packages pinned in {names}")
