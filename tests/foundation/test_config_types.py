from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pitstop.config_types import (
    ByteSize,
    Duration,
    SchemaContext,
    parse_bytesize,
    parse_duration,
    parse_table,
)
from pitstop.errors import ConfigError


@pytest.mark.parametrize(("text", "seconds"), [
    ("30s", 30), ("2m", 120), ("1h30m", 5400), ("250ms", 0.25), ("1.5s", 1.5), ("1d", 86400),
    (5, 5), (0.5, 0.5), ("10", 10),
])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "2x", "m", "-1s", "1m2", True, [1], "1 m", "-5",
                                  "nan", "NAN", "inf", "-inf", float("nan"), float("inf")])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@given(h=st.integers(0, 99), m=st.integers(0, 59), s=st.integers(0, 59))
def test_duration_roundtrip(h: int, m: int, s: int) -> None:
    assert parse_duration(f"{h}h{m}m{s}s") == h * 3600 + m * 60 + s


@given(st.text(max_size=12))
def test_duration_never_crashes(text: str) -> None:
    try:
        value = parse_duration(text)
    except ValueError:
        return
    assert value >= 0


@pytest.mark.parametrize(("text", "size"), [("512MB", 512_000_000), ("1GiB", 1024**3),
                                            ("10k", 10_000), (42, 42), ("3 kib", 3072)])
def test_sizes(text: object, size: int) -> None:
    assert parse_bytesize(text) == size


@dataclasses.dataclass(frozen=True)
class Inner:
    url: str = "x"


@dataclasses.dataclass(frozen=True)
class Sample:
    name: str = "n"
    count: int = 1
    ratio: float = 0.5
    flag: bool = False
    path: Path | None = None
    wait: Duration = 1.0
    size: ByteSize = 0
    tags: tuple[str, ...] = ()
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    inner: Inner = Inner()
    named: dict[str, Inner] = dataclasses.field(default_factory=dict)


CTX = SchemaContext(Path("/cfg/pitstop.toml"), Path("/cfg"))


def test_parse_table_converts_everything() -> None:
    value = parse_table(Sample, {
        "name": "a", "count": 3, "ratio": 2, "flag": True, "path": "sub/dir", "wait": "2m",
        "size": "1MB", "tags": ["x", "y"], "env": {"A": "1"}, "inner": {"url": "u"},
        "named": {"one": {"url": "v"}},
    }, "sample", CTX)
    assert value.path == Path("/cfg/sub/dir")
    assert value.wait == 120 and value.size == 1_000_000 and value.ratio == 2.0
    assert value.tags == ("x", "y") and value.env["A"] == "1"
    assert value.inner.url == "u" and value.named["one"].url == "v"


@pytest.mark.parametrize(("data", "key", "expected"), [
    ({"count": "3"}, "sample.count", "an integer"),
    ({"flag": "yes"}, "sample.flag", "true or false"),
    ({"tags": "x"}, "sample.tags", "a list (each item a string)"),
    ({"wait": "soon"}, "sample.wait", "duration"),
    ({"inner": {"nope": 1}}, "sample.inner.nope", "unknown key"),
    ({"cuont": 1}, "sample.cuont", "did you mean 'count'"),
    ({"named": {"a": {"url": 3}}}, "sample.named.a.url", "a string"),
])
def test_parse_table_errors_name_file_and_key(data: dict[str, object], key: str,
                                              expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_table(Sample, data, "sample", CTX)
    message = str(info.value)
    assert "/cfg/pitstop.toml" in message and f"[{key}]" in message and expected in message
    assert info.value.exit_code == 3
