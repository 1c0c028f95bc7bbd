"""Cron expressions with seconds and time zones, and what they do across DST changes.

Parsing and iteration are cronsim's (Debian cron's semantics: five fields, or six with
seconds first; ``L``, ``LW``, ``MON#2``, names of days and months); pitstop adds the
``@daily``-style aliases and one rule for daylight-saving changes:

- A *fixed-time* schedule — its minute and hour fields are not wildcards or steps
  (``30 2 * * *``, ``0 9 * * MON-FRI``, ``15 0 3 * * *``) — fires by the wall clock:
  a time that does not exist (the hour skipped in spring) fires once at the end of
  the gap (03:00 for 02:30 in Europe/Berlin), and a time that happens twice (the hour
  repeated in autumn) fires once, the first time.
- Any other schedule (``*/15 * * * *``, ``0 */2 * * *``, every second) fires by
  elapsed time: every matching moment that really happens, so nothing in the skipped
  hour and both passes of the repeated hour.

That is Debian cron's rule for fixed-time jobs, applied to six-field expressions too.
All times handed out are aware UTC :class:`~datetime.datetime`\\ s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

UTC = dt.UTC
ALIASES = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


class CronError(ValueError):
    """A cron expression or time zone that cannot be used."""


def _zone(name: str) -> ZoneInfo | None:
    """The zone ``name`` (``None`` for UTC, which needs no DST handling)."""
    if name.upper() in ("UTC", "ETC/UTC", "Z"):
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"unknown time zone {name!r} (an IANA name such as 'Europe/Berlin' "
                        "or 'America/New_York'; where the system has no time zone data, "
                        "install the tzdata package)") from None


@dataclasses.dataclass(frozen=True)
class Cron:
    """A cron expression in a time zone.  Raises :class:`CronError` when either is bad."""

    expression: str
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        from cronsim import CronSim, CronSimError

        fields = self.normalized.split()
        if len(fields) not in (5, 6):
            raise CronError(f"bad cron expression {self.expression!r}: expected five fields "
                            "(minute hour day month weekday) or six with seconds first, "
                            f"got {len(fields)}")
        try:
            CronSim(self.normalized, dt.datetime(2000, 1, 1))
        except CronSimError as exc:
            raise CronError(f"bad cron expression {self.expression!r}: {exc}") from None
        _ = self.zone

    @cached_property
    def normalized(self) -> str:
        text = " ".join(self.expression.split())
        return ALIASES.get(text.lower(), text)

    @cached_property
    def zone(self) -> ZoneInfo | None:
        return _zone(self.timezone)

    @property
    def fixed_time(self) -> bool:
        """Whether the minute and hour fields name fixed values (wall-clock DST rule)."""
        fields = self.normalized.split()
        minute, hour = fields[-5], fields[-4]
        return not minute.startswith("*") and not hour.startswith("*")

    def next_after(self, instant: dt.datetime) -> dt.datetime | None:
        """The first firing strictly after ``instant`` (``None``: never again)."""
        return next(self.iter_after(instant), None)

    def between(self, start: dt.datetime, end: dt.datetime,
                limit: int | None = None) -> Iterator[dt.datetime]:
        """Firings after ``start`` up to and including ``end`` (at most ``limit``)."""
        for count, when in enumerate(self.iter_after(start)):
            if when > end or (limit is not None and count >= limit):
                return
            yield when

    def last_before(self, instant: dt.datetime) -> dt.datetime | None:
        """The last firing at or before ``instant`` (``None``: none in 50 years)."""
        from cronsim import CronSim

        instant = instant.astimezone(UTC)
        zone = self.zone
        if zone is None:
            start: dt.datetime = instant.replace(tzinfo=None)
        elif not self.fixed_time:
            start = instant.astimezone(zone)
        else:
            start = instant.astimezone(zone).replace(tzinfo=None)
        for count, moment in enumerate(CronSim(self.normalized,
                                               start + dt.timedelta(seconds=1), reverse=True)):
            if zone is None:
                when = moment.replace(tzinfo=UTC)
            elif not self.fixed_time:
                when = moment.astimezone(UTC)
            else:
                when = _wall_to_utc(moment, zone)
            if when <= instant:
                return when
            if count > 1000:  # pragma: no cover - a wall time maps after it only near a gap
                return None
        return None

    def iter_after(self, instant: dt.datetime) -> Iterator[dt.datetime]:
        """Every firing strictly after ``instant``, in order, as aware UTC times."""
        from cronsim import CronSim

        instant = instant.astimezone(UTC)
        zone = self.zone
        if zone is None:
            for naive in CronSim(self.normalized, instant.replace(tzinfo=None)):
                yield naive.replace(tzinfo=UTC)
            return
        if not self.fixed_time:
            for local in CronSim(self.normalized, instant.astimezone(zone)):
                yield local.astimezone(UTC)
            return
        last = instant
        wall = instant.astimezone(zone).replace(tzinfo=None)
        for naive in CronSim(self.normalized, wall - dt.timedelta(seconds=1)):
            when = _wall_to_utc(naive, zone)
            if when > last:
                last = when
                yield when


def _wall_to_utc(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A wall-clock time as the instant a fixed-time schedule fires: its first
    occurrence when it is repeated, the end of the gap when it is skipped."""
    if _exists(wall, zone):
        return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    moment = wall.replace(second=0) + dt.timedelta(minutes=1)
    for _ in range(24 * 60):  # gaps are at most hours long and end on a whole minute
        if _exists(moment, zone):
            return moment.replace(tzinfo=zone, fold=0).astimezone(UTC)
        moment += dt.timedelta(minutes=1)
    raise CronError(f"no valid time after {wall} in {zone}")  # pragma: no cover


def _exists(wall: dt.datetime, zone: ZoneInfo) -> bool:
    aware = wall.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall
