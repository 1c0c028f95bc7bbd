"""Cron expressions: fields, seconds, aliases, time zones, and the DST rule."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pitstop.schedule.cron import Cron, CronError

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def local(cron: Cron, start: dt.datetime, end: dt.datetime) -> list[str]:
    return [t.astimezone(BERLIN).strftime("%H:%M:%S%z") for t in cron.between(start, end)]


def berlin_day(day: str) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.fromisoformat(day).replace(tzinfo=BERLIN)
    return start - dt.timedelta(seconds=1), start + dt.timedelta(days=1) - dt.timedelta(seconds=1)


SPRING = "2025-03-30"  # 02:00 CET -> 03:00 CEST
AUTUMN = "2025-10-26"  # 03:00 CEST -> 02:00 CET


def test_fixed_time_in_the_skipped_hour_fires_once_at_the_end_of_the_gap() -> None:
    start, end = berlin_day(SPRING)
    assert local(Cron("30 2 * * *", "Europe/Berlin"), start, end) == ["03:00:00+0200"]
    # several times in the gap, and one right after it, collapse into one firing
    assert local(Cron("0,30 2,3 * * *", "Europe/Berlin"), start, end) == [
        "03:00:00+0200", "03:30:00+0200"]
    assert local(Cron("15 30 2 * * *", "Europe/Berlin"), start, end) == ["03:00:00+0200"]


def test_fixed_time_in_the_repeated_hour_fires_once_the_first_time() -> None:
    start, end = berlin_day(AUTUMN)
    assert local(Cron("30 2 * * *", "Europe/Berlin"), start, end) == ["02:30:00+0200"]


def test_interval_schedules_follow_elapsed_time() -> None:
    start, end = berlin_day(SPRING)
    hourly = local(Cron("0 * * * *", "Europe/Berlin"), start, end)
    assert len(hourly) == 23 and "02:00:00+0100" not in hourly
    start, end = berlin_day(AUTUMN)
    hourly = local(Cron("0 * * * *", "Europe/Berlin"), start, end)
    assert len(hourly) == 25
    assert hourly[2:4] == ["02:00:00+0200", "02:00:00+0100"]


def test_utc_and_other_zones() -> None:
    start = dt.datetime(2025, 6, 1, tzinfo=UTC)
    assert Cron("0 3 * * *").next_after(start) == dt.datetime(2025, 6, 1, 3, tzinfo=UTC)
    assert Cron("0 3 * * *", "America/New_York").next_after(start) == \
        dt.datetime(2025, 6, 1, 7, tzinfo=UTC)


def test_seconds_first_and_aliases() -> None:
    start = dt.datetime(2025, 6, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    every15 = list(Cron("*/15 * * * * *").between(start, start + dt.timedelta(minutes=1)))
    assert [t.second for t in every15] == [15, 30, 45, 0]
    assert Cron("@daily").next_after(start) == dt.datetime(2025, 6, 2, tzinfo=UTC)
    assert Cron("@hourly").next_after(start) == dt.datetime(2025, 6, 1, 13, tzinfo=UTC)
    assert Cron("0 0 * * MON#1").next_after(start) == dt.datetime(2025, 6, 2, tzinfo=UTC)
    assert Cron("0 0 L * *").next_after(start) == dt.datetime(2025, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(("expression", "zone", "words"), [
    ("61 * * * *", "UTC", "Bad minute"),
    ("* * *", "UTC", "expected five fields"),
    ("* * * * * * *", "UTC", "got 7"),
    ("0 0 31 2 *", "UTC", "Bad day-of-month"),
    ("* * * * *", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
])
def test_bad_expressions_and_zones(expression: str, zone: str, words: str) -> None:
    with pytest.raises(CronError, match=words):
        Cron(expression, zone)


@given(st.integers(min_value=0, max_value=59), st.integers(min_value=0, max_value=23),
       st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1)),
       st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]))
def test_fixed_time_fires_once_a_day_strictly_after(minute: int, hour: int, start: dt.datetime,
                                                    zone: str) -> None:
    cron = Cron(f"{minute} {hour} * * *", zone)
    begin = start.replace(tzinfo=UTC)
    times = list(cron.between(begin, begin + dt.timedelta(days=3)))
    assert all(t > begin for t in times)
    assert times == sorted(set(times))
    assert len(times) in (2, 3)  # once a day, DST or not
