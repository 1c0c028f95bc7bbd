"""The ``schedule`` capability, declared once (see :mod:`pitstop.capability`)."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Section, Verb

CAPABILITY = Capability(
    name="schedule",
    summary="Cron schedules (seconds, time zones) with overlap and catch-up policies and "
            "a lease per firing, so shared schedulers run each firing once.",
    docs="docs/schedule.md",
    sections=(Section("schedules", "pitstop.schedule.settings:ScheduleSpec"),),
    commands=(Command("schedule", "pitstop.cli.schedule_cmd:schedule",
                      "Cron schedules: list them, their next firings, run the scheduler."),),
    verbs=(
        Verb("list", "pitstop.schedule.api:list_schedules", "Every schedule, its next "
             "firings and its last run.", recorded=False),
        Verb("next", "pitstop.schedule.api:next_firings", "The next firings of one "
             "schedule.", recorded=False),
        Verb("run", "pitstop.schedule.api:run_scheduler", "Fire the schedules (each firing "
             "is a recorded run).", "write", recorded=False),
    ),
)
