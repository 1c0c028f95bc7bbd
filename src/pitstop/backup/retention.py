"""Retention policies with restic's keep-last/hourly/daily/weekly/monthly/yearly/within
semantics, shared by database backups and tree snapshots.

Items are walked newest first.  For each rule with a count ``n`` (``-1`` = no
limit), an item is kept when its period (hour, day, ISO week, month, year — in UTC)
differs from the period of the previous item this rule kept, until ``n`` periods are
kept.  ``keep-last n`` keeps the ``n`` newest items.  ``keep-within D`` keeps every
item no older than ``D`` before the *newest* item (not before now, so a stopped
schedule does not empty the store).  An item is kept if any rule keeps it; every
decision carries the rules that kept it, or for each rule why it did not.  As in
restic, a policy whose every rule is 0 is refused instead of removing everything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from pitstop.backup.model import KeepDecision
from pitstop.errors import OptionError


def _hour(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:00")


def _day(t: datetime) -> str:
    return t.strftime("%Y-%m-%d")


def _week(t: datetime) -> str:
    year, week, _ = t.isocalendar()
    return f"{year}-W{week:02d}"


def _month(t: datetime) -> str:
    return t.strftime("%Y-%m")


def _year(t: datetime) -> str:
    return t.strftime("%Y")


_PERIODS: tuple[tuple[str, Callable[[datetime], str]], ...] = (
    ("hourly", _hour), ("daily", _day), ("weekly", _week),
    ("monthly", _month), ("yearly", _year),
)


@dataclasses.dataclass(frozen=True)
class KeepPolicy:
    """How many items each rule keeps (``None`` = rule unused, ``-1`` = unlimited)."""

    last: int | None = None
    hourly: int | None = None
    daily: int | None = None
    weekly: int | None = None
    monthly: int | None = None
    yearly: int | None = None
    within: float | None = None  # seconds

    def __post_init__(self) -> None:
        for name in ("last", "hourly", "daily", "weekly", "monthly", "yearly"):
            value = getattr(self, name)
            if value is not None and value < -1:
                raise OptionError(f"{{keep_{name}}}: expected a count >= 0 or -1 "
                                  f"(unlimited), got {value}", options=(f"keep_{name}",))
        if self.within is not None and self.within < 0:
            raise OptionError("{keep_within}: expected a positive duration",
                              options=("keep_within",))

    @property
    def empty(self) -> bool:
        """No rule given at all (the configured rules apply instead)."""
        return all(getattr(self, f.name) is None for f in dataclasses.fields(self))

    @property
    def keeps_nothing(self) -> bool:
        """Every rule given is 0: like restic, such a policy is refused rather than
        allowed to remove everything."""
        return all(not getattr(self, f.name) for f in dataclasses.fields(self))

    def describe(self) -> str:
        parts = [f"{f.name}={getattr(self, f.name)}" for f in dataclasses.fields(self)
                 if getattr(self, f.name) is not None]
        return ", ".join(parts) or "no rules"


def _fmt_duration(seconds: float) -> str:
    if seconds % 86400 == 0:
        return f"{int(seconds // 86400)}d"
    if seconds % 3600 == 0:
        return f"{int(seconds // 3600)}h"
    if seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    return f"{seconds:g}s"


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def apply_policy(
    items: Sequence[tuple[str, datetime]],
    policy: KeepPolicy,
    *,
    protect: dict[str, str] | None = None,
) -> list[KeepDecision]:
    """Decide for each ``(id, created_at)`` whether ``policy`` keeps it.

    ``protect`` maps ids that must be kept regardless to the reason shown.  Returns
    the decisions oldest first.  An empty policy is a usage error (nothing would be
    kept, which is never what someone means).
    """
    if policy.empty:
        raise OptionError("no retention rule given; nothing would be kept",
                          hint="give at least one keep rule, e.g. {keep_daily} 7",
                          options=("keep_daily",))
    if policy.keeps_nothing:
        raise OptionError(f"every retention rule is 0 ({policy.describe()}); "
                          "nothing would be kept",
                          hint="keep at least one, e.g. {keep_last} 1", options=("keep_last",))
    ordered = sorted(items, key=lambda item: (_utc(item[1]), item[0]), reverse=True)
    newest = _utc(ordered[0][1]) if ordered else None
    remaining: dict[str, int] = {}
    last_period: dict[str, str | None] = {}
    kept_by: dict[str, str] = {}
    if policy.last is not None:
        remaining["last"] = policy.last
    for name, _ in _PERIODS:
        count = getattr(policy, name)
        if count is not None:
            remaining[name] = count
            last_period[name] = None
    decisions: list[KeepDecision] = []
    for item_id, created in ordered:
        when = _utc(created)
        kept: list[str] = []
        why_not: list[str] = []
        if "last" in remaining:
            if remaining["last"] != 0:
                kept.append("last")
                remaining["last"] -= 1 if remaining["last"] > 0 else 0
            else:
                why_not.append(f"last: not among the {policy.last} newest")
        for name, period_of in _PERIODS:
            if name not in remaining:
                continue
            period = period_of(when)
            if remaining[name] == 0:
                why_not.append(f"{name}: {getattr(policy, name)} periods already kept")
            elif period == last_period[name]:
                why_not.append(f"{name}: {period} already kept by {kept_by[name]}")
            else:
                kept.append(f"{name} {period}")
                last_period[name] = period
                kept_by[name] = item_id
                remaining[name] -= 1 if remaining[name] > 0 else 0
        if policy.within is not None and newest is not None:
            if when >= newest - timedelta(seconds=policy.within):
                kept.append(f"within {_fmt_duration(policy.within)}")
            else:
                why_not.append(f"within: older than {_fmt_duration(policy.within)} "
                               "before the newest")
        if not kept and protect and item_id in protect:
            kept.append(protect[item_id])
        reasons = tuple(kept) if kept else tuple(why_not)
        decisions.append(KeepDecision(item_id, created, bool(kept), reasons))
    decisions.reverse()
    return decisions
