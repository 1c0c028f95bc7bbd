"""The scanner: pick the source (tree, index, history, stdin), fan the work out over a
process pool, filter through the baseline, return a :class:`ScanReport`.

:func:`run_scan` takes the internal :class:`ScanOptions`; callers use the ``scan
secrets`` verb (:func:`pitstop.scan.secrets`), which builds them from the settings.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
import os
import signal
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

from pitstop.errors import ConfigError, UsageError
from pitstop.scan import gitsrc
from pitstop.scan.baseline import apply_baseline, load_baseline, write_baseline
from pitstop.scan.detector import Origin
from pitstop.scan.files import FileResult, scan_blob, scan_path, scan_text
from pitstop.scan.gitsrc import history_blocks, open_git
from pitstop.scan.model import BaselineEntry, Dropped, Finding, ScanReport, ScanStats, Skipped
from pitstop.scan.rule import RuleSet
from pitstop.scan.ruleset import load_ruleset
from pitstop.scan.settings import DEFAULT_EXCLUDE, DEFAULT_MAX_FILE_SIZE
from pitstop.scan.sources import Excluder, WalkEntry, WalkSkip, display_path, walk

if TYPE_CHECKING:
    from pitstop.capability import Progress

Mode = Literal["tree", "staged", "history", "stdin"]
POOL_MIN_BYTES = 8 << 20
POOL_MIN_FILES = 400
BATCH_BYTES = 4 << 20
BATCH_FILES = 256


class NothingScannedError(ConfigError):
    """The paths matched no file: a scan that read nothing is not a clean pass."""


@dataclasses.dataclass(frozen=True)
class ScanOptions:
    """Everything one scan needs (the ``secrets`` verb builds it from the settings)."""

    root: Path
    paths: tuple[Path, ...] = ()
    mode: Mode = "tree"
    rev_range: str | None = None
    stdin_data: bytes | None = None
    stdin_stream: BinaryIO | None = dataclasses.field(default=None, compare=False, repr=False)
    """Read instead of ``stdin_data`` when set: spooled to a temporary file (at most
    ``max_file_size`` bytes are kept), then scanned in chunks like a file."""
    stdin_name: str = "<stdin>"
    rules_file: Path | None = None
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    baseline: Path | None = None
    update_baseline: bool = False
    disable: tuple[str, ...] = ()
    explain: bool = False
    jobs: int | None = None
    env: Mapping[str, str] | None = None
    git: str = "git"
    progress: Progress | None = dataclasses.field(
        default=None, compare=False, repr=False)
    """Called as ``progress(files_done, files_total)`` during tree scans."""


_WORKER_RULES: RuleSet | None = None


def _init_worker(rules: RuleSet) -> None:
    global _WORKER_RULES
    _WORKER_RULES = rules
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _scan_batch(batch: list[tuple[str, str, int]], explain: bool, max_size: int) -> FileResult:
    assert _WORKER_RULES is not None
    result = FileResult()
    for path, rel, size in batch:
        result.merge(scan_path(_WORKER_RULES, Path(path), rel, size, explain, max_size))
    return result


def _batches(entries: list[WalkEntry]) -> Iterable[list[tuple[str, str, int]]]:
    batch: list[tuple[str, str, int]] = []
    size = 0
    for entry in entries:
        batch.append((str(entry.path), entry.rel, entry.size))
        size += entry.size
        if len(batch) >= BATCH_FILES or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _tree_entries(options: ScanOptions, excluder: Excluder, result: FileResult,
                  rules: RuleSet) -> list[WalkEntry]:
    root = options.root
    entries: list[WalkEntry] = []
    if options.paths:
        roots = []
        for path in options.paths:
            full = path if path.is_absolute() else root / path
            if not full.exists() and not full.is_symlink():
                raise UsageError(f"{path}: no such file or directory",
                                 hint="pass existing files or directories to scan")
            roots.append(full)
        items: Iterable[WalkEntry | WalkSkip] = walk(roots, root, excluder)
    else:
        git = None
        try:
            git = open_git(root, options.env, options.git)
        except Exception:  # noqa: BLE001 - no git: scan the directory as it is
            git = None
        top = git.toplevel() if git is not None else None
        if git is not None and top is not None:
            base = top.resolve()
            git = git.at(base)
            items = walk([base / p for p in gitsrc.tracked_files(git)
                          if not excluder.excluded(p)], base, excluder)
        else:
            items = walk([root], root, excluder)
    config = _rules_file(options)
    # with a gitleaks config, a global allowlist's paths skip the file whatever else the
    # allowlist says, as gitleaks dir does; the file counts as looked at
    allowed = [allow for allow in rules.allowlists if allow.paths] if config else []
    for item in items:
        if isinstance(item, WalkSkip):
            result.skipped.append(Skipped(item.rel, item.reason))
        elif allowed and any(allow.matches_path(item.rel) for allow in allowed):
            result.files += 1
        elif config is None or item.path.name != config.name or \
                item.path.resolve() != config:
            entries.append(item)
    return entries


def _rules_file(options: ScanOptions) -> Path | None:
    """The rule file in use, resolved: gitleaks does not scan its own configuration."""
    return options.rules_file.resolve() if options.rules_file is not None else None


def _rules_file_rel(options: ScanOptions, top: Path | None) -> str | None:
    """The rule file's path inside the repository at ``top`` (``None``: outside)."""
    config = _rules_file(options)
    if config is None or top is None:
        return None
    try:
        return config.relative_to(top.resolve()).as_posix()
    except ValueError:
        return None


def _start_method() -> str:
    """``fork`` (fast, no re-import of ``__main__``) when this process has one thread;
    ``forkserver`` when other threads could hold locks across a fork."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _scan_tree(rules: RuleSet, options: ScanOptions, excluder: Excluder) -> FileResult:
    result = FileResult()
    entries = _tree_entries(options, excluder, result, rules)
    total = sum(e.size for e in entries)
    jobs = options.jobs or os.cpu_count() or 1
    if jobs > 1 and (total >= POOL_MIN_BYTES or len(entries) >= POOL_MIN_FILES):
        context = multiprocessing.get_context(_start_method())
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(rules,))
        try:
            futures = [pool.submit(_scan_batch, batch, options.explain, options.max_file_size)
                       for batch in _batches(entries)]
            done = 0
            for future in futures:
                part = future.result()
                result.merge(part)
                done += part.files + part.binary + len(part.skipped)
                if options.progress is not None:
                    options.progress(done, len(entries))
        except BaseException:  # Ctrl-C or a failure: drop the queued work, do not wait
            workers = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for worker in workers:  # a worker deep in a big file would finish it first
                worker.terminate()
            raise
        pool.shutdown()
    else:
        for done, entry in enumerate(entries, 1):
            result.merge(scan_path(rules, entry.path, entry.rel, entry.size, options.explain,
                                   options.max_file_size))
            if options.progress is not None and (done % BATCH_FILES == 0 or done == len(entries)):
                options.progress(done, len(entries))
    if result.files + result.binary == 0:
        where = ", ".join(str(p) for p in options.paths) or str(options.root)
        if result.skipped:  # read nothing: not a clean pass either
            first = result.skipped[0]
            raise NothingScannedError(
                f"nothing scanned in {where}: every file was skipped "
                f"({len(result.skipped)}; {first.path}: {first.reason})",
                hint="scan regular files; raise the maximum file size (max-file-size) for "
                     "big ones")
        hint = "check the paths and [scan] exclude globs"
        if not options.paths:
            hint += ("; inside a git repository only tracked files are scanned by default: "
                     "`git add` them, or name the paths (pitstop scan secrets .)")
        raise NothingScannedError(f"nothing to scan: no file matched in {where}", hint=hint)
    return result


def _scan_stdin(rules: RuleSet, options: ScanOptions) -> FileResult:
    if options.stdin_stream is None:
        result = scan_blob(rules, options.stdin_data or b"", options.stdin_name,
                           options.explain, options.max_file_size)
    else:
        with tempfile.TemporaryDirectory(prefix="pitstop-stdin-") as tmp:
            spool = Path(tmp) / "stdin"
            size = 0
            with spool.open("wb") as out:  # memory stays bounded; so does the disk
                while size <= options.max_file_size:
                    block = options.stdin_stream.read(1 << 20)
                    if not block:
                        break
                    out.write(block[:options.max_file_size + 1 - size])
                    size += len(block)
            if size > options.max_file_size:
                result = FileResult(skipped=[Skipped(
                    options.stdin_name,
                    f"larger than max-file-size ({options.max_file_size} bytes)")])
            else:
                result = scan_path(rules, spool, options.stdin_name, size, options.explain,
                                   options.max_file_size)
    if result.skipped and not result.files + result.binary:
        first = result.skipped[0]
        raise NothingScannedError(f"nothing scanned: {first.path}: {first.reason}",
                                  hint="raise the maximum file size (max-file-size), or scan "
                                       "a file instead")
    return result


def _scan_staged(rules: RuleSet, options: ScanOptions, excluder: Excluder) -> FileResult:
    git = open_git(options.root, options.env, options.git)
    top = git.toplevel()
    if top is None:
        raise UsageError(f"{options.root} is not inside a git repository",
                         hint="a scan of the staged files reads the git index; run it "
                              "inside a repository")
    result = FileResult()
    config = _rules_file_rel(options, top)
    staged = [(display_path(p), blob) for p, blob in gitsrc.staged_blobs(git)]
    staged = [(p, blob) for p, blob in staged if not excluder.excluded(p) and p != config]
    sizes = gitsrc.blob_sizes(git, [blob for _p, blob in staged])
    wanted = []
    for (rel, blob), size in zip(staged, sizes, strict=True):
        if size > options.max_file_size:  # never read into memory
            result.skipped.append(Skipped(rel, f"larger than max-file-size ({size} bytes)"))
        else:
            wanted.append((rel, blob))
    for (rel, _blob), data in zip(wanted, gitsrc.blobs(git, [b for _p, b in wanted]), strict=True):
        result.merge(scan_blob(rules, data, rel, options.explain, options.max_file_size))
    if result.skipped and not result.files + result.binary:  # staged, but nothing read
        first = result.skipped[0]
        raise NothingScannedError(
            f"nothing scanned: every staged file was skipped ({len(result.skipped)}; "
            f"{first.path}: {first.reason})",
            hint="raise the maximum file size (max-file-size) for big files")
    return result


def _scan_history(rules: RuleSet, options: ScanOptions, excluder: Excluder
                  ) -> tuple[FileResult, int]:
    git = open_git(options.root, options.env, options.git)
    top = git.toplevel()
    if top is None:
        raise UsageError(f"{options.root} is not inside a git repository",
                         hint="a history scan reads git history; run it inside a repository")
    if options.rev_range in (None, "HEAD") and not git.ok("rev-parse", "--verify", "--quiet",
                                                          "HEAD^{commit}"):
        raise NothingScannedError(f"nothing to scan: the repository at {top} has no commits yet",
                                  hint="commit first, or scan what is staged")
    result = FileResult()
    commits: set[str] = set()
    changed: set[tuple[str, str]] = set()
    config = _rules_file_rel(options, top)
    for block in history_blocks(git, options.rev_range or "HEAD"):
        commits.add(block.commit)
        if excluder.excluded(block.path) or block.path == config:
            continue
        text = block.text()
        result.paths.append(block.path)
        if (block.commit, block.path) not in changed:
            changed.add((block.commit, block.path))
            result.files += 1
        result.bytes += len(text)
        origin = Origin(block.path, block.commit, block.author, block.date,
                        line_map=block.numbers)
        scan_text(rules, text, origin, options.explain, result)
    return result, len(commits)


def run_scan(options: ScanOptions) -> ScanReport:
    """Scan for secrets as ``options`` say and return the report (findings are results,
    not errors).  Raises :class:`~pitstop.errors.ConfigError` (exit 3) for bad rules, a
    bad baseline or a scan that matched no file, :class:`~pitstop.errors.UsageError`
    (exit 3) for options that do not go together,
    :class:`~pitstop.errors.DependencyError` (exit 2) when git is needed and missing.
    """
    if options.update_baseline and options.baseline is None:  # before any work is done
        raise UsageError("updating the baseline needs a baseline file",
                         hint="give a baseline file, or set [scan] baseline")
    started = time.perf_counter()
    rules = load_ruleset(options.rules_file, options.disable, options.root)
    excluder = Excluder(DEFAULT_EXCLUDE + options.exclude)
    baseline = load_baseline(options.baseline) if options.baseline and \
        not options.update_baseline else None
    commits = 0
    if options.mode == "stdin":
        result = _scan_stdin(rules, options)
    elif options.mode == "staged":
        result = _scan_staged(rules, options, excluder)
    elif options.mode == "history":
        result, commits = _scan_history(rules, options, excluder)
    else:
        result = _scan_tree(rules, options, excluder)
    findings = sorted(result.findings, key=lambda f: (f.path, f.line, f.column, f.rule,
                                                      f.commit or ""))
    written = None
    if options.update_baseline and options.baseline is not None:
        # a partial scan (--staged, PATHs, history) replaces the entries of the paths it
        # read and keeps the others, so accepting one staged finding loses nothing
        partial = options.mode != "tree" or bool(options.paths)
        read = set(result.paths)
        keep = [entry for entry in load_baseline(options.baseline)
                if entry.path not in read] if partial else []
        written = write_baseline(options.baseline, findings, keep)
        kept: list[Finding] = []
        stale: list[BaselineEntry] = []
        baselined = len(findings)
    elif baseline is not None:
        scanned = None if options.mode == "tree" and not options.paths else set(result.paths)
        kept, baselined, stale = apply_baseline(findings, baseline, scanned)
        if options.explain:
            new = set(map(id, kept))
            result.dropped.extend(Dropped(f.rule, f.path, f.line, f.secret, "in the baseline")
                                  for f in findings if id(f) not in new)
    else:
        kept, baselined, stale = findings, 0, []
    stats = ScanStats(
        files=result.files, bytes=result.bytes, skipped=len(result.skipped),
        binary=result.binary, seconds=round(time.perf_counter() - started, 3),
        commits=commits, rules=len(rules), candidates=result.candidates, baselined=baselined,
    )
    return ScanReport(
        findings=tuple(kept), stats=stats, mode=options.mode,
        skipped=tuple(sorted(result.skipped, key=lambda s: s.path)),
        dropped=tuple(sorted(result.dropped, key=lambda d: (d.path, d.line, d.rule))),
        stale=tuple(stale), baseline_written=written,
    )
