"""The Redis benchmark: RESP reply counting (property-tested over arbitrary chunking),
percentiles, and a short run against the real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pitstop.bench import redis as bench_redis
from pitstop.bench.redis_bench import percentile
from pitstop.bench.resp import ReplyCounter, encode
from pitstop.config import Settings
from pitstop.errors import ConfigError, ConnectError, UsageError
from pitstop.registry import load_settings

pytest_plugins = ["checks_support"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(tmp_path, discover=False, env={})

REPLY = st.one_of(
    st.just(b"+OK\r\n"),
    st.integers(0, 10**6).map(lambda n: b":%d\r\n" % n),
    st.just(b"$-1\r\n"),
    st.binary(max_size=40).map(lambda b: b"$%d\r\n%s\r\n" % (len(b), b)),
    st.just(b"-ERR wrong\r\n"),
)


@given(st.lists(REPLY, max_size=30), st.lists(st.integers(1, 17), min_size=1),
       st.booleans())
def test_reply_counter_counts_across_any_chunking(replies: list[bytes], sizes: list[int],
                                                  with_expected: bool) -> None:
    data = b"".join(replies)
    counter = ReplyCounter(b"+OK\r\n" if with_expected else None)
    total, pos, i = 0, 0, 0
    while pos < len(data):
        size = sizes[i % len(sizes)]
        total += counter.feed(data[pos:pos + size])
        pos += size
        i += 1
    assert total == len(replies)
    assert counter.errors == sum(r.startswith(b"-") for r in replies)


def test_encode() -> None:
    assert encode("SET", "k", b"v1") == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\n"


def test_reply_counter_rejects_non_redis() -> None:
    with pytest.raises(ValueError, match="Redis server"):
        ReplyCounter().feed(b"HTTP/1.1 400 Bad Request\r\n")


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([], 50) == 0.0


def test_bench_against_real_redis(settings: Settings, redis_url: str) -> None:
    import redis

    seen: list[tuple[int, int | None]] = []
    report = bench_redis(settings, url=redis_url, requests=3000, clients=5, pipeline=8,
                         data_size=10, progress=lambda done, total: seen.append((done, total)))
    assert report.server in ("Redis", "Dragonfly")
    assert [r.op for r in report.results] == ["SET", "GET"]
    for result in report.results:
        assert result.requests == 3000 and result.errors == 0 and result.ops_per_second > 0
    assert report.exit_code == 0
    # progress counts answered requests over both operations, never backwards
    assert seen[-1] == (6000, 6000) and (3000, 6000) in seen
    assert [done for done, _total in seen] == sorted(done for done, _total in seen)
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.keys("pitstop:bench:*") == []
    finally:
        client.close()


def test_result_dict_is_rounded_and_masks_the_password(tmp_path: Path,
                                                       auth_redis: tuple[int, str]) -> None:
    import json

    port, password = auth_redis
    url = f"redis://:{password}@127.0.0.1:{port}/2"
    settings = load_settings(tmp_path, discover=False, env={"REDIS_URL": url})
    report = bench_redis(settings, requests=500, clients=2)  # the settings' redis_url
    data = report.to_dict()
    assert data["target"] == f"redis://:***@127.0.0.1:{port}/2"
    assert password not in json.dumps(data)
    assert (data["requests"], data["clients"], data["pipeline"]) == (500, 2, 1)
    assert list(data["results"][0]) == ["op", "requests", "seconds", "ops_per_second",
                                        "p50_ms", "p95_ms", "p99_ms", "max_ms", "errors",
                                        "first_error"]
    first, measured = data["results"][0], report.results[0]
    assert first["p99_ms"] == round(measured.p99_ms, 3)
    assert first["ops_per_second"] == round(measured.ops_per_second, 1)
    assert first["errors"] == 0 and first["first_error"] is None


def test_bench_errors(settings: Settings, closed_port: int, hanging_port: int) -> None:
    with pytest.raises(ConnectError):
        bench_redis(settings, url=f"redis://127.0.0.1:{closed_port}", requests=10)
    with pytest.raises(ConnectError, match="no answer"):
        bench_redis(settings, url=f"redis://127.0.0.1:{hanging_port}", requests=10,
                    timeout=0.5)
    with pytest.raises(UsageError, match="at least 1"):
        bench_redis(settings, url="redis://127.0.0.1:6379", requests=0)
    with pytest.raises(ConfigError):
        bench_redis(settings, url="http://127.0.0.1:6379", requests=10)
    with pytest.raises(UsageError, match="unknown operation 'DEL'") as info:
        bench_redis(settings, url="redis://127.0.0.1:6379", ops=["SET", "DEL"])
    assert info.value.hint == "choose from set, get"
    with pytest.raises(UsageError, match="no operation to run"):
        bench_redis(settings, url="redis://127.0.0.1:6379", ops=[])
    with pytest.raises(ConfigError, match="no Redis URL is configured") as missing:
        bench_redis(settings)  # no url, no redis_url
    assert missing.value.key == "redis_url"
    for error in (info.value, missing.value):  # the library names no command-line flag
        assert "--" not in error.message and "--" not in (error.hint or "")


def test_bench_over_tls(settings: Settings, tls_redis: tuple[int, object]) -> None:
    port, ca = tls_redis
    report = bench_redis(settings, url=f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={ca}",
                         requests=2000, clients=4, pipeline=16)
    assert [(r.op, r.requests, r.errors) for r in report.results] == [
        ("SET", 2000, 0), ("GET", 2000, 0)]
    with pytest.raises(ConnectError):
        bench_redis(settings, url=f"redis://127.0.0.1:{port}/0", requests=10, timeout=2)
    with pytest.raises(ConnectError, match="certificate verify failed") as info:
        bench_redis(settings, url=f"rediss://127.0.0.1:{port}/0", requests=10, timeout=2)
    assert info.value.hint and "ssl_ca_certs" in info.value.hint


def test_the_cli_run_is_recorded_with_the_password_masked(
        project: Path, auth_redis: tuple[int, str], capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from pitstop.cli.main import main

    (project / "pitstop.toml").write_text("")
    port, password = auth_redis
    url = f"redis://:{password}@127.0.0.1:{port}/2"
    assert main(["bench", "redis", "--url", url, "-n", "300", "-c", "2", "-t", "get"]) == 0
    capsys.readouterr()
    assert main(["history", "--json"]) == 0
    [run] = json.loads(capsys.readouterr().out)["runs"]
    assert (run["target"], run["kind"], run["trigger"], run["status"]) == (
        "bench redis", "verb", "cli", "success")
    assert run["options"]["url"] == f"redis://:***@127.0.0.1:{port}/2"
    assert (run["options"]["requests"], run["options"]["ops"]) == (300, ["GET"])
    assert [r["op"] for r in run["result"]["results"]] == ["GET"]
    assert run["result"]["results"][0]["requests"] == 300
    state = b"".join(p.read_bytes() for p in (project / ".pitstop").rglob("*") if p.is_file())
    assert password.encode() not in state
