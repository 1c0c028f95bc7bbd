"""The scan verbs: :func:`secrets` (``pitstop scan secrets``, recorded) and
:func:`list_rules` (``pitstop scan rules``, a listing).

:func:`secrets` is also the library's entry point for "scan this tree with these
settings" (the ``scan-secrets`` task and other capabilities call it)::

    report = secrets(settings)                       # the project's tracked files
    report = secrets(settings, root=tree)            # another tree, same [scan] settings
    report = secrets(settings, paths=[tree / "src"]) # every file below these paths
    report.findings, report.exit_code, report.to_dict()

Called from inside another verb's run (a workflow task, an audit), the scan is recorded
as that run's child.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from pitstop.capability import Progress, Result, recorded
from pitstop.errors import UsageError
from pitstop.scan.engine import Mode, ScanOptions, run_scan
from pitstop.scan.model import ScanReport
from pitstop.scan.settings import ScanSettings

if TYPE_CHECKING:
    from pitstop.config import Settings
    from pitstop.scan.rule import Rule


@recorded("scan", "secrets")
def secrets(settings: Settings, *, progress: Progress | None = None,
            paths: Sequence[Path] = (), staged: bool = False, history: str | None = None,
            since: str | None = None, stdin: BinaryIO | None = None, root: Path | None = None,
            config: Path | None = None, baseline: Path | None = None,
            update_baseline: bool = False, explain: bool = False,
            max_file_size: int | None = None, exclude: Sequence[str] = (),
            disable: Sequence[str] = (), jobs: int | None = None) -> ScanReport:
    """Scan for secrets with the ``[scan]`` settings; findings are the result, not errors.

    What is scanned (one at a time): by default the tracked files of the git repository
    around ``root`` (every file below ``root`` when it is not in a repository);
    ``paths`` (every file below them, relative to ``root``); ``staged``, the blobs in
    the git index; ``history``, the lines added by the commits of a revision range
    (``"HEAD"``: all of HEAD's history), or ``since`` a revision (``REV..HEAD``);
    ``stdin``, a binary stream.  ``root`` defaults to the project directory.

    ``config`` (a gitleaks-format rule file), ``baseline``, ``max_file_size`` (bytes)
    and ``jobs`` replace their ``[scan]`` setting; ``exclude`` globs and ``disable``d
    rule ids add to theirs; relative files are relative to the project directory.
    ``update_baseline`` writes every finding into the baseline file instead of
    reporting it; ``explain`` also lists each candidate a filter dropped.
    ``progress(files_done, files_total)`` is called during tree scans.

    Raises :class:`~pitstop.errors.ConfigError` (exit 3) for bad rules, a bad baseline
    or a scan that read nothing, :class:`~pitstop.errors.UsageError` (exit 3) for
    options that do not go together, :class:`~pitstop.errors.DependencyError` (exit 2)
    when git is needed and missing.
    """
    sources = [name for name, given in (("paths", bool(paths)), ("staged", staged),
                                        ("history", history is not None),
                                        ("since", since is not None),
                                        ("stdin", stdin is not None)) if given]
    if len(sources) > 1:
        raise UsageError(f"the sources {' and '.join(sources)} cannot be combined",
                         hint="scan one source at a time")
    if max_file_size is not None and max_file_size < 1:
        raise UsageError(f"the maximum file size must be at least 1 byte, not {max_file_size}")
    if jobs is not None and jobs < 1:
        raise UsageError(f"the number of worker processes must be at least 1, not {jobs}")
    section = settings.section(ScanSettings)
    base = settings.project_dir

    def resolved(path: Path | None) -> Path | None:
        return None if path is None else (path if path.is_absolute() else base / path)

    where = resolved(root) or base
    mode: Mode = "tree"
    values: dict[str, Any] = {}
    if staged:
        mode = "staged"
    elif history is not None or since is not None:
        mode = "history"
        values["rev_range"] = f"{since}..HEAD" if since is not None else history
    elif stdin is not None:
        mode = "stdin"
        values["stdin_stream"] = stdin
    elif paths:
        values["paths"] = tuple(p if p.is_absolute() else where / p for p in paths)
    options = ScanOptions(
        root=where, mode=mode, rules_file=resolved(config) or section.config,
        exclude=(*section.exclude, *exclude),
        max_file_size=section.max_file_size if max_file_size is None else max_file_size,
        baseline=resolved(baseline) or section.baseline, update_baseline=update_baseline,
        disable=(*section.disable, *disable), explain=explain,
        jobs=section.jobs if jobs is None else jobs, env=settings.environ,
        progress=progress, **values)
    return run_scan(options)


@dataclasses.dataclass(frozen=True)
class RuleList(Result):
    """The built-in rules: id, description, keywords, entropy threshold and tags."""

    rules: tuple[Rule, ...]

    def data(self) -> dict[str, Any]:
        return {"rules": [{"id": r.id, "description": r.description,
                           "keywords": list(r.keywords), "entropy": r.entropy,
                           "tags": list(r.tags)} for r in self.rules]}


def list_rules(settings: Settings, *, progress: Progress | None = None) -> RuleList:
    """The built-in rules (a listing: not recorded)."""
    from pitstop.scan.rules import builtin_rules

    return RuleList(builtin_rules())
