"""The checks verbs: :func:`check` (run health checks) and :func:`list_checks`;
``wait`` lives in :mod:`pitstop.checks.wait`.

Each has the one verb shape ``verb(settings, *, progress=None, **options)``: the
``[checks]`` section comes from ``settings.section(ChecksSettings)`` and the ``env``
check looks at ``settings.environ`` (the environment the front started with).
Failing checks are results (:class:`~pitstop.checks.runner.CheckReport`), never
raised; unknown check names raise :class:`~pitstop.errors.UsageError`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pitstop.capability import Progress, Result, current_invocation, recorded
from pitstop.checks.runner import CheckReport, check_env, configured_checks, run_checks, select_checks

if TYPE_CHECKING:
    from pitstop.config import Settings


@recorded("checks", "check")
def check(settings: Settings, *, progress: Progress | None = None, names: Sequence[str] = (),
          timeout: float | None = None, strict: bool = False, save: bool = True
          ) -> CheckReport:
    """Run the health checks named in ``names`` (all configured ones when empty)
    concurrently, each under its own timeout (``timeout`` overrides them all).

    A name is a check (``database``, ``http.api``) or a kind (``http`` = every http
    check).  ``strict`` makes a warning fail the run.  ``save`` stores each result in
    the state store's health checks (what ``pitstop history checks`` shows, tied to
    this call's run) and refreshes the metrics exports (when no recorded run encloses
    the call: a run refreshes them as it ends); a store that cannot be written is a
    warning on the report, never a failed check run."""
    env = check_env(settings)
    report = run_checks(select_checks(env, names), timeout=timeout, progress=progress,
                        strict=strict)
    if save:
        from pitstop.checks.report import save_report

        run_id = current_invocation().parent_id  # this call's run, or the one enclosing it
        warnings = save_report(settings, report, run_id=run_id, log_warnings=False,
                               publish=run_id is None)
        report = dataclasses.replace(report, warnings=tuple(warnings))
    return report


@dataclasses.dataclass(frozen=True)
class ConfiguredCheck:
    """One check the configuration asks for."""

    name: str
    kind: str
    timeout: float


@dataclasses.dataclass(frozen=True)
class CheckList(Result):
    """Every configured check, in the order a run reports them."""

    checks: tuple[ConfiguredCheck, ...]


def list_checks(settings: Settings, *, progress: Progress | None = None) -> CheckList:
    """The checks the configuration asks for (what ``check`` runs with no names)."""
    return CheckList(tuple(ConfiguredCheck(c.name, c.kind, c.timeout)
                           for c in configured_checks(check_env(settings))))
