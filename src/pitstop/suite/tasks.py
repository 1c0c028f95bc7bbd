"""Built-in workflow tasks ``smoke`` and ``coverage``: each calls the verb ``pitstop
test`` calls (:func:`pitstop.suite.verbs.smoke`, :func:`~pitstop.suite.verbs.coverage`)
with the task's timeout and cancel event.

The outcome's ``data`` is stored on the run: ``tests``, ``failed``, ``skipped``,
``duration``, ``slowest`` (node id and seconds) and, for coverage,
``coverage_percent`` — the figures the metrics export.  Tasks find the interpreter as
``pitstop test`` does: ``[test] python``, ``[project] python``, the ``VIRTUAL_ENV``
pitstop was started with (``ctx.environ``), the project's ``.venv`` or ``venv``, else
pitstop's own.
"""

from __future__ import annotations

from typing import Any

from pitstop.capability import TaskContext, TaskOutcome
from pitstop.errors import EXIT_ERROR
from pitstop.suite.junit import TestCase


def _slowest(cases: tuple[TestCase, ...]) -> list[dict[str, Any]]:
    return [{"test": c.nodeid, "seconds": round(c.duration, 3)} for c in cases]


def smoke_task(ctx: TaskContext) -> TaskOutcome:
    """Run the smoke tests; fail on a failing test or a blown budget."""
    from pitstop.suite.verbs import smoke

    if ctx.dry_run:
        return TaskOutcome("dry-run", 0, "would run the smoke tests")
    result = smoke(ctx.verb_settings(), timeout=ctx.timeout, cancel=ctx.cancel)
    data = {
        "tests": result.tests, "failed": result.failed + result.errors,
        "skipped": result.skipped, "duration": result.duration, "budget": result.budget,
        "slowest": _slowest(result.slowest), "slow": [c.nodeid for c in result.slow],
        "stopped": result.stopped, "interrupted_at": result.interrupted_at,
    }
    for case in result.failures:
        ctx.log.error("FAILED %s: %s", case.nodeid, case.message.splitlines()[0]
                      if case.message else case.outcome)
    if result.status == "failed":
        message = f"{data['failed']} of {result.tests} smoke test(s) failed"
        return TaskOutcome("failed", EXIT_ERROR, message, data)
    if result.status == "over-budget":
        message = f"smoke tests took {result.duration:.1f}s, over the {result.budget:g}s budget"
        if result.interrupted_at:
            message += f"; stopped at {result.interrupted_at}, in a test that did not finish"
        slowest = ", ".join(f"{c.nodeid} ({c.duration:.1f}s)" for c in result.slowest[:3])
        if slowest:
            message += f"; slowest finished: {slowest}"
        return TaskOutcome("failed", EXIT_ERROR, message, data)
    skipped = f", {result.skipped} skipped" if result.skipped else ""
    return TaskOutcome("success", 0, f"{result.passed} smoke test(s) passed{skipped} in "
                                     f"{result.duration:.1f}s", data)


def coverage_task(ctx: TaskContext) -> TaskOutcome:
    """Run the tests with coverage; fail on a failing test or a total under the floor."""
    from pitstop.suite.verbs import coverage

    if ctx.dry_run:
        return TaskOutcome("dry-run", 0, "would run the tests with coverage")
    result = coverage(ctx.verb_settings(), timeout=ctx.timeout, cancel=ctx.cancel)
    data = {
        "tests": result.tests, "failed": result.failed + result.errors,
        "skipped": result.skipped, "duration": result.duration,
        "coverage_percent": result.percent, "fail_under": result.fail_under,
        "slowest": _slowest(result.slowest),
    }
    if result.status == "failed":
        return TaskOutcome("failed", EXIT_ERROR,
                           f"{data['failed']} of {result.tests} test(s) failed", data)
    if result.status == "below-floor":
        return TaskOutcome("failed", EXIT_ERROR,
                           f"coverage {result.percent:.2f}% is under the "
                           f"{result.fail_under:g}% floor", data)
    return TaskOutcome("success", 0, f"coverage {result.percent:.2f}% "
                                     f"({result.tests} test(s))", data)
