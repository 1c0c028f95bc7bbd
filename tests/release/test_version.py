"""Version parsing, precedence and bumping, with examples and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pitstop.release.version import PRE_LABELS, Version, bump

V = Version.parse


@pytest.mark.parametrize("text", ["0.0.0", "1.2.3", "1.0.0-alpha", "1.0.0-alpha.1",
                                  "1.0.0-0.3.7", "1.0.0-x.7.z.92", "1.0.0+20130313144700",
                                  "1.0.0-beta+exp.sha.5114f85", "10.20.30"])
def test_parse_round_trips(text: str) -> None:
    assert str(V(text)) == text


@pytest.mark.parametrize("text", ["", "1", "1.2", "v1.2.3", "01.2.3", "1.2.3-", "1.2.3-01",
                                  "1.2.3+", "1.2.3-a..b", "1.2.3.4", "a.b.c", "1.2.3 x"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"semantic version|leading zero"):
        V(text)


def test_precedence_follows_the_semver_example() -> None:
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
               "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0",
               "2.0.0"]
    versions = [V(t) for t in ordered]
    assert sorted(reversed(versions)) == versions
    assert V("1.0.0+a").precedence() == V("1.0.0+b").precedence()


@pytest.mark.parametrize(("start", "level", "pre", "expected"), [
    ("1.2.3", "patch", None, "1.2.4"),
    ("1.2.3", "minor", None, "1.3.0"),
    ("1.2.3", "major", None, "2.0.0"),
    ("1.2.3", "minor", "rc", "1.3.0-rc.1"),
    ("1.3.0-rc.1", "minor", "rc", "1.3.0-rc.2"),
    ("1.3.0-rc.1", "patch", "rc", "1.3.0-rc.2"),
    ("1.3.0-rc.9", "patch", "rc", "1.3.0-rc.10"),
    ("1.3.0-beta.4", "patch", "rc", "1.3.0-rc.1"),
    ("1.3.0-alpha.2", "minor", "beta", "1.3.0-beta.1"),
    ("1.3.0-rc.2", "minor", None, "1.3.0"),
    ("1.3.0-rc.2", "patch", None, "1.3.0"),
    ("1.3.0-rc.2", "major", None, "2.0.0"),
    ("2.0.0-rc.1", "major", None, "2.0.0"),
    ("1.3.0-rc.1", "major", "rc", "2.0.0-rc.1"),
    ("1.3.1-rc.1", "minor", None, "1.4.0"),
    ("1.3.0-rc", "patch", "rc", "1.3.0-rc.1"),
    ("1.2.3+build.7", "patch", None, "1.2.4"),
])
def test_bump(start: str, level: str, pre: str | None, expected: str) -> None:
    assert str(bump(V(start), level, pre)) == expected  # type: ignore[arg-type]


def test_bump_refuses_to_go_back_to_an_earlier_label() -> None:
    with pytest.raises(ValueError, match="already past beta"):
        bump(V("1.3.0-rc.1"), "patch", "beta")


versions = st.builds(
    Version,
    st.integers(0, 50), st.integers(0, 50), st.integers(0, 50),
    st.one_of(
        st.just(()),
        st.tuples(st.sampled_from([*PRE_LABELS, "dev"]), st.integers(0, 30).map(str)),
        st.lists(st.from_regex(r"[1-9][0-9]{0,2}|[a-z][a-z0-9-]{0,4}", fullmatch=True),
                 min_size=1, max_size=3).map(tuple),
    ),
    st.one_of(st.just(()), st.tuples(st.from_regex(r"[0-9a-z]{1,6}", fullmatch=True))),
)


@given(versions)
def test_str_parse_round_trip(version: Version) -> None:
    assert V(str(version)) == version


@given(versions, st.sampled_from(["major", "minor", "patch"]),
       st.one_of(st.none(), st.sampled_from(PRE_LABELS)))
def test_bump_always_moves_forward(version: Version, level: str, pre: str | None) -> None:
    try:
        bumped = bump(version, level, pre)  # type: ignore[arg-type]
    except ValueError as exc:
        # only a pre-release label that would go backwards is refused
        assert pre is not None and version.is_prerelease
        assert "already past" in str(exc)
        return
    assert bumped > version
    assert bumped.build == ()
    if pre is None:
        assert not bumped.is_prerelease
    else:
        assert bumped.pre_label == pre


@given(versions, st.sampled_from(["major", "minor", "patch"]), st.sampled_from(PRE_LABELS))
def test_repeating_a_pre_release_continues_the_line(version: Version, level: str,
                                                   pre: str) -> None:
    try:
        first = bump(version, level, pre)  # type: ignore[arg-type]
    except ValueError:
        return
    second = bump(first, level, pre)  # type: ignore[arg-type]
    assert second.core == first.core
    assert second > first
    assert bump(second, "patch").core == first.core
