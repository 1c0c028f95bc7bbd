"""The compression step of database backups: zstd runs multi-threaded, and what it
writes is one ordinary zstd frame that the restore reader and the `zstd` command line
decompress to the original bytes, with the recorded sha256 that of the stored file."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import pitstop.backup as api
from pitstop.backup.compress import (
    CompressingWriter,
    HashingWriter,
    compression_threads,
    decompressing_reader,
    pump_file,
)
from pitstop.config import Settings

MakeSettings = Callable[..., Settings]
JOB = 8 << 20  # zstd's job size at level 3: bigger inputs are split between workers


def needs_zstd_cli() -> str:
    zstd = shutil.which("zstd")
    if zstd is None:
        pytest.skip("the zstd command line is not installed (Debian package zstd)")
    return zstd


def sample(size: int) -> bytes:
    """Text-like bytes with long-range repeats plus stretches of noise."""
    rng = random.Random(5)
    words = [rng.randbytes(rng.randint(2, 9)).hex().encode() for _ in range(3000)]
    parts = []
    total = 0
    while total < size:
        part = (b" ".join(rng.choices(words, k=20000)) if rng.random() < 0.8
                else rng.randbytes(100_000))
        parts.append(part)
        total += len(part)
    return b"".join(parts)[:size]


def compress(data_file: Path, out: Path, threads: int | None = None) -> tuple[int, int, str]:
    with open(out, "wb") as handle:
        hashing = HashingWriter(handle)
        writer = CompressingWriter(hashing, "zstd", 3, threads=threads)
        pump_file(data_file, writer, None)
        writer.finish()
    return writer.raw, hashing.count, hashing.digest.hexdigest()


def test_multithreaded_output_round_trips(tmp_path: Path) -> None:
    data = sample(3 * JOB + 12345)
    source = tmp_path / "data.bin"
    source.write_bytes(data)
    out = tmp_path / "data.bin.zst"
    raw, size, digest = compress(source, out)
    stored = out.read_bytes()
    assert (raw, size, digest) == (len(data), len(stored), hashlib.sha256(stored).hexdigest())
    with open(out, "rb") as handle:
        assert decompressing_reader(handle, "zstd").read() == data
    # zstd's multi-threaded output does not depend on the number of workers, and
    # differs from what the single-threaded compressor writes: these bytes were cut
    # into jobs and compressed by the workers
    assert compress(source, tmp_path / "one.zst", threads=1)[2] == digest
    assert compress(source, tmp_path / "single.zst", threads=0)[2] != digest
    assert compression_threads() >= 1


def test_the_zstd_command_line_reads_the_output(tmp_path: Path) -> None:
    zstd = needs_zstd_cli()
    data = sample(2 * JOB + 777)
    source = tmp_path / "data.bin"
    source.write_bytes(data)
    out = tmp_path / "data.bin.zst"
    compress(source, out)
    subprocess.run([zstd, "-q", "-t", str(out)], check=True)
    decoded = subprocess.run([zstd, "-q", "-d", "-c", str(out)], capture_output=True,
                             check=True).stdout
    assert decoded == data


def test_compression_threads_follow_the_cpus_this_process_may_use() -> None:
    assert compression_threads() == len(os.sched_getaffinity(0))


def big_database(path: Path, size: int) -> None:
    rng = random.Random(9)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, payload BLOB)")
    while path.stat().st_size < size:
        conn.executemany("INSERT INTO events (kind, payload) VALUES (?, ?)",
                         [(rng.choice(("view", "order")), rng.randbytes(40).hex() * 4)
                          for _ in range(5000)])
        conn.commit()
    conn.close()


def test_a_sqlite_backup_bigger_than_a_zstd_job(make_settings: MakeSettings,
                                                tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    big_database(db, 2 * JOB + 1)
    settings = make_settings(f"sqlite:///{db}")
    backup = api.create_backup(settings)
    stored = tmp_path / "project" / ".pitstop" / "backups" / backup.file
    assert backup.compression == "zstd" and backup.size_raw == db.stat().st_size
    assert backup.sha256 == hashlib.sha256(stored.read_bytes()).hexdigest()
    assert backup.size == stored.stat().st_size < backup.size_raw
    result = api.verify_backup(settings, backup_id=backup.id)
    assert result.ok and result.integrity == "ok"
    zstd = shutil.which("zstd")
    if zstd is not None:  # and a user's own `zstd -d` gives a sound database back
        copy = tmp_path / "by-hand.db"
        subprocess.run([zstd, "-q", "-d", str(stored), "-o", str(copy)], check=True)
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()


def test_the_output_is_flushed_to_disk_while_it_is_written(tmp_path: Path) -> None:
    data = sample(3 << 20)
    out = tmp_path / "out.bin"
    with open(out, "wb") as handle:
        hashing = HashingWriter(handle, flush_every=256 << 10)
        for i in range(0, len(data), 100_000):
            hashing.write(data[i:i + 100_000])
        assert hashing._flusher is not None  # at least one background flush started
        hashing.finish()
        assert not hashing._flusher.is_alive()
    assert out.read_bytes() == data
    assert hashing.digest.hexdigest() == hashlib.sha256(data).hexdigest()


def test_a_target_that_cannot_be_flushed_is_written_all_the_same(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    with open(write_end, "wb") as handle:
        hashing = HashingWriter(handle, flush_every=1)  # fdatasync of a pipe: EINVAL
        for _ in range(3):
            hashing.write(b"x" * 1000)
        hashing.finish()
        handle.flush()
    with open(read_end, "rb") as reader:
        assert reader.read() == b"x" * 3000
