"""``[schedules.NAME]``: when to run which workflow, and what to do about overlaps and
firings missed while no scheduler ran."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, Literal

from pitstop.config_types import Duration

if TYPE_CHECKING:
    from pitstop.schedule.cron import Cron

Overlap = Literal["skip", "all", "latest"]


@dataclasses.dataclass(frozen=True)
class ScheduleSpec:
    """One ``[schedules.NAME]`` table."""

    named_tables: ClassVar[bool] = True

    workflow: str = ""
    """The workflow or task to run (required)."""
    cron: str = ""
    """Five fields (minute hour day month weekday), six with seconds first, or
    ``@hourly``/``@daily``/``@weekly``/``@monthly``/``@yearly`` (required)."""
    timezone: str = "UTC"
    """The IANA time zone the expression is read in (``Europe/Berlin``)."""
    overlap: Overlap = "skip"
    """A firing while the schedule's previous run is still going: ``skip`` it, run
    ``all`` of them at once, or run the ``latest`` once the previous run ends."""
    catchup: Duration = 0.0
    """Firings missed while no scheduler ran, within this long before it started, run
    once (the latest of them); ``0``: missed firings are not run."""
    params: Mapping[str, str | int | float | bool] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({}))
    """Parameter values for the workflow; a string may use ``${VAR}`` from the
    environment (a secret parameter's value is masked everywhere)."""
    enabled: bool = True
    """``false`` keeps the schedule listed but never fires it."""
    description: str = ""
    """What the schedule is for (``pitstop schedule list``, the web page)."""

    def __post_init__(self) -> None:
        from pitstop.schedule.cron import Cron, CronError

        if not self.workflow:
            raise ValueError("workflow: required (the workflow or task to run)")
        if not self.cron:
            raise ValueError("cron: required, such as '0 3 * * *' (five fields, or six with "
                             "seconds first)")
        try:
            Cron(self.cron, "UTC")
        except CronError as exc:
            raise ValueError(f"cron: {exc}") from None
        try:
            Cron("0 0 * * *", self.timezone)
        except CronError as exc:
            raise ValueError(f"timezone: {exc}") from None

    def parsed(self) -> Cron:
        """The expression in its time zone."""
        from pitstop.schedule.cron import Cron

        return Cron(self.cron, self.timezone)
