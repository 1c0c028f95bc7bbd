"""Reading anything without crashing: huge, binary, invalid UTF-8, UTF-16, symlink
loops, unreadable files, excludes and size limits."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from pitstop.scan import NothingScannedError
from pitstop.scan.sources import CHUNK_SIZE, OVERLAP, Excluder

from .conftest import aws_key, github_token, scan, secrets_in, stripe_key


def test_secret_found_with_line_and_column(tree: Path) -> None:
    (tree / "app.py").write_text(f"import os\n\nKEY = '{github_token()}'\n")
    report = scan(tree)
    (finding,) = report.findings
    assert (finding.path, finding.line, finding.column, finding.rule) == \
        ("app.py", 3, 8, "github-pat")
    assert report.stats.files == 1 and report.stats.bytes > 0


def test_huge_file_streamed_in_chunks(tree: Path) -> None:
    line = b"x = 'nothing to see here, just filler text for the scanner'\n"
    count = (CHUNK_SIZE * 2 + OVERLAP) // len(line) + 10
    with (tree / "big.py").open("wb") as handle:
        handle.write(line * 5)
        handle.write(f"a = '{github_token(1)}'\n".encode())  # line 6, first chunk
        handle.write(line * count)
        handle.write(f"b = '{aws_key(2)}'\n".encode())  # last chunk
    size = (tree / "big.py").stat().st_size
    assert size > 2 * CHUNK_SIZE
    report = scan(tree)
    found = {(f.rule, f.line) for f in report.findings}
    assert found == {("github-pat", 6), ("aws-access-key-id", 7 + count)}
    assert report.stats.files == 1


def test_secret_across_a_chunk_boundary_found_once(tree: Path) -> None:
    token = github_token(3)
    filler = b"#" * (CHUNK_SIZE + 8192 - 20) + b"\n"  # the token straddles the boundary
    (tree / "edge.txt").write_bytes(filler + f"t = '{token}'\n".encode() + b"y\n" * 10)
    report = scan(tree)
    assert [(f.rule, f.line) for f in report.findings] == [("github-pat", 2)]


def test_max_file_size_skips_and_reports(tree: Path) -> None:
    (tree / "big.txt").write_text("a" * 5000 + github_token())
    (tree / "small.txt").write_text(stripe_key())
    report = scan(tree, max_file_size=1000)
    assert [f.path for f in report.findings] == ["small.txt"]
    assert [s.path for s in report.skipped] == ["big.txt"]
    assert "max-file-size" in report.skipped[0].reason
    assert report.stats.skipped == 1


def test_binary_by_content_not_extension(tree: Path) -> None:
    (tree / "blob.txt").write_bytes(b"\x00\x01" + github_token().encode())
    (tree / "module.pyc").write_bytes(b"\x42\x0d\x0d\x0a\x00\x00" + aws_key().encode())
    (tree / "script.so").write_text(f"# not binary at all\nk = '{stripe_key()}'\n")
    report = scan(tree)
    assert [f.path for f in report.findings] == ["script.so"]
    assert report.stats.binary == 2


def test_invalid_utf8_and_utf16(tree: Path) -> None:
    (tree / "latin.txt").write_bytes(b"caf\xe9 \xff\xfe\xfd garbage\ntok = '"
                                     + github_token().encode() + b"'\n")
    (tree / "wide.txt").write_bytes(f"key = '{aws_key()}'\n".encode("utf-16"))
    report = scan(tree)
    assert {(f.path, f.rule, f.line) for f in report.findings} == {
        ("latin.txt", "github-pat", 2), ("wide.txt", "aws-access-key-id", 1)}
    latin = next(f for f in report.findings if f.path == "latin.txt")
    assert latin.secret == github_token() and latin.column == 8


def test_symlink_loops_do_not_hang(tree: Path) -> None:
    (tree / "sub").mkdir()
    (tree / "sub" / "app.py").write_text(f"k = '{github_token()}'\n")
    (tree / "sub" / "again").symlink_to(tree)  # directory loop
    (tree / "self").symlink_to(tree / "self")  # link to itself
    (tree / "gone").symlink_to(tree / "missing")
    report = scan(tree)
    assert [f.path for f in report.findings] == ["sub/app.py"]
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons["self"] == "symlink loop"
    assert reasons["sub/again"] == "symlink loop"
    assert reasons["gone"] == "broken symlink"


def test_unreadable_file_is_skipped_not_fatal(tree: Path) -> None:
    (tree / "ok.py").write_text(f"k = '{github_token()}'\n")
    if os.geteuid() == 0:  # root reads anything: use a file that fails on read instead
        target = Path("/proc/self/mem")
        if not sys.platform.startswith("linux"):
            pytest.skip("needs /proc")
        report = scan(tree, tree / "ok.py", target)
        reason = next(s.reason for s in report.skipped if s.path.endswith("mem"))
    else:
        locked = tree / "locked.py"
        locked.write_text("secret")
        locked.chmod(0)
        report = scan(tree)
        reason = next(s.reason for s in report.skipped if s.path == "locked.py")
    assert reason.startswith("unreadable")
    assert [f.path for f in report.findings] == ["ok.py"]


def test_excludes(tree: Path) -> None:
    for rel in ("node_modules/lib/a.js", "docs/x.md", "src/app.min.js", "src/keep.py"):
        path = tree / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"k = '{github_token()}'\n")
    report = scan(tree, exclude=("node_modules", "*.min.js", "docs/**"))
    assert [f.path for f in report.findings] == ["src/keep.py"]
    assert Excluder(("tests/fixtures/**",)).excluded("tests/fixtures/a/b.txt")
    assert not Excluder(("tests/fixtures/**",)).excluded("tests/other.txt")


def test_nothing_scanned_is_an_error(tree: Path) -> None:
    (tree / "a.txt").write_text("x")
    with pytest.raises(NothingScannedError) as info:
        scan(tree, exclude=("*.txt",))
    assert info.value.exit_code == 3
    empty = tree / "empty"
    empty.mkdir()
    with pytest.raises(NothingScannedError):
        scan(tree, empty)


def test_process_pool_gives_the_same_result(tree: Path) -> None:

    for i in range(450):
        (tree / f"f{i:03}.py").write_text(f"x = {i}\n" + ("k = '" + github_token(i) + "'\n"
                                                        if i % 50 == 0 else ""))
    serial = secrets_in(tree, jobs=1)
    parallel = secrets_in(tree, jobs=2)
    assert [f.path for f in parallel.findings] == [f.path for f in serial.findings]
    assert len(parallel.findings) == 9
    assert parallel.stats.files == serial.stats.files == 450


def test_memory_stays_bounded_on_a_big_file(tree: Path) -> None:
    import tracemalloc

    from pitstop.scan.files import scan_path
    from pitstop.scan.ruleset import load_ruleset

    path = tree / "big.log"
    with path.open("wb") as handle:
        for _ in range(30):
            handle.write((b"x" * 99 + b"\n") * 10_000)
        handle.write(f"tok = '{github_token()}'\n".encode())
    size = path.stat().st_size
    rules = load_ruleset()
    tracemalloc.start()
    try:
        result = scan_path(rules, path, "big.log", size, False, size + 1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [f.line for f in result.findings] == [300_001]
    assert size > 7 * CHUNK_SIZE and peak < 4 * CHUNK_SIZE


def test_progress_callback(tree: Path) -> None:
    for i in range(600):
        (tree / f"f{i}.txt").write_text("x\n")
    for jobs in (1, 2):
        calls: list[tuple[int, int]] = []
        scan(tree, jobs=jobs, progress=lambda done, total, seen=calls: seen.append((done, total)))
        assert calls[-1] == (600, 600)
        assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_pool_with_other_threads_running(tree: Path) -> None:
    """With other threads alive the pool starts workers by forkserver, which ships the
    rules pickled (compiled RE2 objects do not pickle: they are rebuilt from data)."""
    import threading


    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        for i in range(450):
            (tree / f"f{i:03}.py").write_text("x = 1\n" if i else f"k = '{github_token()}'\n")
        report = secrets_in(tree, jobs=2)
    finally:
        stop.set()
        thread.join()
    assert report.stats.files == 450 and [f.path for f in report.findings] == ["f000.py"]
