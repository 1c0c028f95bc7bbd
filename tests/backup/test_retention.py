"""Retention rules against hand-worked examples (restic's semantics, UTC periods)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pitstop.backup.retention import KeepPolicy, apply_policy
from pitstop.errors import UsageError


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def run(stamps: list[str], policy: KeepPolicy, **kwargs: object) -> dict[str, bool]:
    decisions = apply_policy([(s, t(s)) for s in stamps], policy, **kwargs)  # type: ignore[arg-type]
    assert [d.id for d in decisions] == sorted(stamps)  # oldest first
    return {d.id: d.keep for d in decisions}


CASES = [
    pytest.param(
        [f"2025-06-{d:02d}T03:00" for d in range(1, 11)], KeepPolicy(daily=3),
        {"2025-06-10T03:00", "2025-06-09T03:00", "2025-06-08T03:00"}, id="daily-3"),
    pytest.param(
        ["2025-06-09T03:00", "2025-06-09T15:00", "2025-06-10T03:00", "2025-06-10T15:00"],
        KeepPolicy(daily=2), {"2025-06-10T15:00", "2025-06-09T15:00"},
        id="daily-keeps-newest-of-each-day"),
    pytest.param(
        # 06-01 is a Sunday (ISO week 22); 06-02..06-08 is week 23; 06-09 starts week 24
        ["2025-06-01T12:00", "2025-06-02T12:00", "2025-06-08T12:00", "2025-06-09T12:00"],
        KeepPolicy(weekly=2), {"2025-06-09T12:00", "2025-06-08T12:00"}, id="weekly-iso"),
    pytest.param(
        ["2025-04-15T00:00", "2025-05-01T00:00", "2025-05-20T00:00", "2025-06-01T00:00",
         "2025-06-10T00:00"],
        KeepPolicy(last=2, monthly=2),
        {"2025-06-10T00:00", "2025-06-01T00:00", "2025-05-20T00:00"}, id="last-plus-monthly"),
    pytest.param(
        ["2023-12-31T23:00", "2024-01-01T01:00", "2024-12-31T10:00", "2025-06-01T00:00"],
        KeepPolicy(yearly=-1),
        {"2025-06-01T00:00", "2024-12-31T10:00", "2023-12-31T23:00"}, id="yearly-unlimited"),
    pytest.param(
        ["2025-06-09T11:59", "2025-06-09T12:00", "2025-06-10T00:00", "2025-06-10T12:00"],
        KeepPolicy(within=24 * 3600),
        {"2025-06-10T12:00", "2025-06-10T00:00", "2025-06-09T12:00"},
        id="within-24h-of-newest"),
    pytest.param(
        ["2025-06-10T10:05", "2025-06-10T10:55", "2025-06-10T11:10", "2025-06-10T12:00"],
        KeepPolicy(hourly=2), {"2025-06-10T12:00", "2025-06-10T11:10"}, id="hourly-2"),
    pytest.param(
        ["2025-06-08T00:00", "2025-06-09T00:00", "2025-06-10T00:00"],
        KeepPolicy(last=0, daily=1), {"2025-06-10T00:00"}, id="last-zero"),
    pytest.param(
        ["2025-01-05T00:00", "2025-02-05T00:00", "2025-03-05T00:00", "2025-03-06T00:00",
         "2025-03-07T00:00"],
        KeepPolicy(daily=2, monthly=3),
        {"2025-03-07T00:00", "2025-03-06T00:00", "2025-02-05T00:00", "2025-01-05T00:00"},
        id="daily-and-monthly"),
]


@pytest.mark.parametrize(("stamps", "policy", "kept"), CASES)
def test_hand_worked_tables(stamps: list[str], policy: KeepPolicy, kept: set[str]) -> None:
    result = run(stamps, policy)
    assert {k for k, keep in result.items() if keep} == kept


def test_reasons_name_the_rule_or_why_not() -> None:
    stamps = ["2025-05-01T00:00", "2025-05-20T00:00", "2025-06-01T00:00", "2025-06-10T00:00"]
    decisions = {d.id: d for d in apply_policy([(s, t(s)) for s in stamps],
                                               KeepPolicy(last=1, monthly=2))}
    assert decisions["2025-06-10T00:00"].reasons == ("last", "monthly 2025-06")
    assert decisions["2025-06-01T00:00"].reasons == (
        "last: not among the 1 newest", "monthly: 2025-06 already kept by 2025-06-10T00:00")
    assert decisions["2025-05-20T00:00"].reasons == ("monthly 2025-05",)
    assert decisions["2025-05-01T00:00"].reasons == (
        "last: not among the 1 newest", "monthly: 2 periods already kept")


def test_protected_item_is_kept_with_its_reason() -> None:
    stamps = ["2025-06-01T00:00", "2025-06-02T00:00", "2025-06-03T00:00"]
    decisions = apply_policy([(s, t(s)) for s in stamps], KeepPolicy(last=1),
                             protect={"2025-06-01T00:00": "newest verified backup"})
    assert [(d.id, d.keep, d.reasons[0]) for d in decisions] == [
        ("2025-06-01T00:00", True, "newest verified backup"),
        ("2025-06-02T00:00", False, "last: not among the 1 newest"),
        ("2025-06-03T00:00", True, "last"),
    ]


def test_empty_policy_is_refused() -> None:
    with pytest.raises(UsageError, match="no retention rule"):
        apply_policy([("a", t("2025-06-01T00:00"))], KeepPolicy())


@pytest.mark.parametrize("policy", [KeepPolicy(last=0), KeepPolicy(last=0, daily=0),
                                    KeepPolicy(weekly=0, within=0.0)])
def test_a_policy_of_zeros_is_refused_like_restic(policy: KeepPolicy) -> None:
    """restic refuses `forget --keep-last 0` instead of removing every snapshot."""
    assert not policy.empty
    with pytest.raises(UsageError, match="every retention rule is 0"):
        apply_policy([("a", t("2025-06-01T00:00"))], policy)


def test_a_zero_rule_next_to_a_real_one_is_fine() -> None:
    decisions = apply_policy([("a", t("2025-06-01T00:00")), ("b", t("2025-06-02T00:00"))],
                             KeepPolicy(last=0, daily=1))
    assert [(d.id, d.keep) for d in decisions] == [("a", False), ("b", True)]


def test_negative_counts_below_minus_one_are_refused() -> None:
    with pytest.raises(UsageError, match=r"^keep_daily: expected a count"):
        KeepPolicy(daily=-2)


def test_no_items_is_fine() -> None:
    assert apply_policy([], KeepPolicy(last=3)) == []


def test_naive_and_aware_times_compare_in_utc() -> None:
    naive = datetime(2025, 6, 10, 12, 0)
    aware = datetime(2025, 6, 10, 14, 0, tzinfo=UTC)
    decisions = apply_policy([("naive", naive), ("aware", aware)], KeepPolicy(last=1))
    assert {d.id: d.keep for d in decisions} == {"naive": False, "aware": True}


# --- properties (hypothesis) ------------------------------------------------------

_START = datetime(2024, 1, 1, tzinfo=UTC)
stamps_strategy = st.lists(st.integers(min_value=0, max_value=3 * 365 * 24 * 60),
                           min_size=1, max_size=40, unique=True).map(
    lambda minutes: [(f"b{m:08d}", _START + timedelta(minutes=m)) for m in minutes])


@settings(max_examples=150, deadline=None)
@given(items=stamps_strategy, n=st.integers(min_value=1, max_value=10))
def test_keep_last_keeps_exactly_the_newest(items: list[tuple[str, datetime]], n: int) -> None:
    decisions = apply_policy(items, KeepPolicy(last=n))
    newest = sorted(items, key=lambda i: i[1])[-n:]
    assert {d.id for d in decisions if d.keep} == {i for i, _ in newest}


@settings(max_examples=150, deadline=None)
@given(items=stamps_strategy, n=st.integers(min_value=1, max_value=10),
       rule=st.sampled_from(["hourly", "daily", "weekly", "monthly", "yearly"]))
def test_period_rules_keep_one_per_period(items: list[tuple[str, datetime]], n: int,
                                          rule: str) -> None:
    from pitstop.backup.retention import _PERIODS

    period_of = dict(_PERIODS)[rule]
    decisions = apply_policy(items, KeepPolicy(**{rule: n}))
    kept = [d for d in decisions if d.keep]
    periods = {period_of(d.created_at) for d in kept}
    assert len(periods) == len(kept) == min(n, len({period_of(t) for _, t in items}))
    newest = max(items, key=lambda i: i[1])[0]
    assert newest in {d.id for d in kept}
    for d in kept:  # each kept item is the newest of its period
        same = [t for _, t in items if period_of(t) == period_of(d.created_at)]
        assert d.created_at == max(same)
    assert all(d.reasons for d in decisions)
