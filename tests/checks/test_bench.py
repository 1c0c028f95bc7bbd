"""The Redis benchmark: RESP reply counting (property-tested over arbitrary chunking),
percentiles, and a short run against the real server."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pitstop.bench import bench_redis
from pitstop.bench.redis import percentile
from pitstop.bench.resp import ReplyCounter, encode
from pitstop.errors import ConfigError, ConnectError, UsageError

pytest_plugins = ["checks_support"]

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


def test_bench_against_real_redis(redis_url: str) -> None:
    import redis

    report = bench_redis(redis_url, requests=3000, clients=5, pipeline=8, data_size=10)
    assert report.server in ("Redis", "Dragonfly")
    assert [r.op for r in report.results] == ["SET", "GET"]
    for result in report.results:
        assert result.requests == 3000 and result.errors == 0 and result.ops_per_second > 0
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.keys("pitstop:bench:*") == []
    finally:
        client.close()


def test_bench_errors(closed_port: int, hanging_port: int) -> None:
    with pytest.raises(ConnectError):
        bench_redis(f"redis://127.0.0.1:{closed_port}", requests=10)
    with pytest.raises(ConnectError, match="no answer"):
        bench_redis(f"redis://127.0.0.1:{hanging_port}", requests=10, timeout=0.5)
    with pytest.raises(UsageError):
        bench_redis("redis://127.0.0.1:6379", requests=0)
    with pytest.raises(ConfigError):
        bench_redis("http://127.0.0.1:6379", requests=10)


def test_bench_over_tls(tls_redis: tuple[int, object]) -> None:
    port, ca = tls_redis
    report = bench_redis(f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={ca}", requests=2000,
                         clients=4, pipeline=16)
    assert [(r.op, r.requests, r.errors) for r in report.results] == [
        ("SET", 2000, 0), ("GET", 2000, 0)]
    with pytest.raises(ConnectError):
        bench_redis(f"redis://127.0.0.1:{port}/0", requests=10, timeout=2)
    with pytest.raises(ConnectError, match="certificate verify failed") as info:
        bench_redis(f"rediss://127.0.0.1:{port}/0", requests=10, timeout=2)
    assert info.value.hint and "ssl_ca_certs" in info.value.hint
