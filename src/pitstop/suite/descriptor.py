"""The ``test`` capability (test runs), declared once (see :mod:`pitstop.capability`)."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Section, Task, Verb

CAPABILITY = Capability(
    name="test",
    summary="Smoke tests with a budget, coverage with a floor, in the project's "
            "interpreter.",
    docs="docs/test.md",
    sections=(Section("test", "pitstop.suite.settings:TestSettings"),),
    commands=(Command("test", "pitstop.cli.test_cmd:test",
                      "Run smoke tests with a time budget, or coverage with a floor."),),
    verbs=(
        Verb("smoke", "pitstop.suite:smoke", "Smoke tests with a time budget."),
        Verb("coverage", "pitstop.suite:coverage", "Tests under coverage with a floor."),
    ),
    tasks=(
        Task("smoke", "pitstop.suite.tasks:smoke_task", "Run the smoke tests.", "read",
             verb="test smoke"),
        Task("coverage", "pitstop.suite.tasks:coverage_task",
             "Run the tests with coverage and a floor.", "read", verb="test coverage"),
    ),
)
