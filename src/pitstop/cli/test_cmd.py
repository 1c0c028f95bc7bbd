"""``pitstop test``: smoke tests with a time budget, coverage with a floor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.output import emit_json, error, info, table


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    from pitstop.config_types import parse_duration

    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


_MAX_ROWS = 40

_PYTHON = click.option(
    "--python", "python", type=click.Path(path_type=Path), default=None,
    help="The project's interpreter or virtualenv [test] python; default [project] python, "
         "$VIRTUAL_ENV, .venv or venv, pitstop's own.",
)


def _counts(result: Any) -> str:
    parts = [f"{result.passed} passed"]
    parts += [f"{n} {label}" for n, label in ((result.failed, "failed"), (result.errors, "errors"),
                                              (result.skipped, "skipped")) if n]
    return ", ".join(parts)


def _failures(result: Any) -> None:
    for case in result.failures:
        first = case.message.splitlines()[0] if case.message else case.outcome
        info(f"FAILED {case.nodeid}: {first}")


@click.group()
def test() -> None:
    """Run the project's smoke tests or its test suite with coverage.

    Tests run through pytest in the project's own interpreter: --python / [test] python,
    else [project] python, else $VIRTUAL_ENV, else .venv or venv in the project directory,
    else pitstop's own.  A missing interpreter, pytest or pytest-cov exits 2.
    """


@test.command("smoke")
@click.option("--pattern", "patterns", multiple=True, metavar="NODEID",
              help="A test node id or path to run (repeatable); default [test] smoke_tests, "
                   "else the tests marked [test] smoke_marker ('smoke').")
@click.option("--budget", callback=_duration, default=None, metavar="DURATION",
              help="Time budget for the whole run (30s, 2m) [test] budget; over it exits 1.")
@_PYTHON
@json_option
@pass_app
def smoke_cmd(app: AppContext, patterns: tuple[str, ...], budget: float | None,
              python: Path | None, as_json: bool) -> int:
    """Run the smoke tests with a time budget and report each test's duration.

    Exit 0 all passed within budget · 1 a test failed or the budget was blown ·
    2 interpreter or pytest missing · 3 a pattern or the marker selected no test.
    """
    from pitstop.suite import smoke

    result = smoke(app.settings(), patterns=patterns, budget=budget,
                   python=python.absolute() if python is not None else None)
    if as_json:
        emit_json(result.to_dict())
    else:
        ordered = sorted(result.cases, key=lambda c: c.duration, reverse=True)
        rows = [(c.nodeid, c.outcome, f"{c.duration:.3f}",
                 "slow" if c.duration > result.slow_threshold else "")
                for c in ordered[:_MAX_ROWS]]
        if rows:
            table(["test (slowest first)", "outcome", "seconds", ""], rows)
        if len(ordered) > _MAX_ROWS:
            info(f"… {len(ordered) - _MAX_ROWS} more test(s); --json lists them all")
        _failures(result)
        budget_text = f" (budget {result.budget:g}s)" if result.budget is not None else ""
        info(f"smoke ({result.selection}): {_counts(result)} in {result.duration:.2f}s"
             f"{budget_text}")
        if result.slow:
            info(f"{len(result.slow)} test(s) over the {result.slow_threshold:g}s slow_test "
                 "threshold")
        if result.status == "over-budget" or result.stopped:
            took = (f"pytest was stopped at the {result.budget:g}s budget" if result.stopped
                    else f"the run took {result.duration:.2f}s, over the {result.budget:g}s budget")
            if result.interrupted_at:
                took += f" at {result.interrupted_at}, in a test that did not finish"
            slowest = ", ".join(f"{c.nodeid} ({c.duration:.2f}s)" for c in result.slowest)
            label = "slowest finished" if result.stopped else "slowest"
            where = f"; pytest's output is in {result.output_file}" if result.output_file else ""
            error(f"{took}; {label}: {slowest or 'no test finished'}",
                  f"speed up or unmark the slowest tests, or raise --budget / [test] budget{where}")
    return result.exit_code


@test.command("coverage")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None, metavar="PERCENT",
              help="Fail when total coverage is below this [test] fail_under.")
@click.option("--path", "paths", multiple=True, metavar="PATH",
              help="Test paths to run (repeatable) [test] paths; default pytest's testpaths.")
@_PYTHON
@json_option
@pass_app
def coverage_cmd(app: AppContext, fail_under: float | None, paths: tuple[str, ...],
                 python: Path | None, as_json: bool) -> int:
    """Run the tests under coverage; print the total and the worst files, write
    coverage.xml and an HTML report to [test] reports_dir (.pitstop/reports/).

    Exit 0 passed (and at or over the floor) · 1 a test failed or coverage under the
    floor · 2 interpreter, pytest or pytest-cov missing · 3 nothing selected.
    """
    from pitstop.suite import coverage

    result = coverage(app.settings(), fail_under=fail_under, paths=paths,
                      python=python.absolute() if python is not None else None)
    if as_json:
        emit_json(result.to_dict())
    else:
        rows = [(f.path, f"{f.percent:.1f}%", f.statements, f.missing) for f in result.files[:10]]
        table(["file (worst first)", "cover", "lines", "missing"], rows)
        _failures(result)
        floor = f" (floor {result.fail_under:g}%)" if result.fail_under is not None else ""
        info(f"coverage: {result.percent:.2f}% total{floor}; tests: {_counts(result)} in "
             f"{result.duration:.2f}s")
        info(f"reports: {result.xml_report}, {result.html_report}")
        if result.status == "below-floor":
            error(f"coverage {result.percent:.2f}% is under the {result.fail_under:g}% "
                 "floor")
    return result.exit_code
