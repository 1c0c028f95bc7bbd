"""Selecting checks by name and running them concurrently, each under its own timeout.

Every check runs in its own daemon thread; the runner waits for each until that
check's deadline and reports a check that has not answered by then as failed
(``exit_code`` 4) without waiting any longer, so one dead service never stalls the
others and the wall time is that of the slowest check, capped by its timeout.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pitstop.capability import Result
from pitstop.checks.base import (
    Check,
    CheckEnv,
    CheckResult,
    Probe,
    Status,
    kinds,
    missing_module,
    worst,
)
from pitstop.errors import (
    EXIT_CONFIG,
    EXIT_CONNECTION,
    EXIT_DEPENDENCY,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PERMISSION,
    PitstopError,
    UsageError,
)
from pitstop.redact import redact
from pitstop.waiting import GRACE_SECONDS, call_with_deadline

if TYPE_CHECKING:
    from pitstop.capability import Progress
    from pitstop.config import Settings

log = logging.getLogger("pitstop.checks")

_EXIT_PRIORITY = (EXIT_CONFIG, EXIT_DEPENDENCY, EXIT_CONNECTION, EXIT_PERMISSION)


@dataclasses.dataclass(frozen=True)
class CheckReport(Result):
    """The results of one check run, in the order the checks were selected."""

    results: tuple[CheckResult, ...]
    duration_seconds: float
    strict: bool = False
    """A warning fails the run (exit code 1)."""
    warnings: tuple[str, ...] = ()
    """Problems storing the results (the checks themselves ran)."""
    derived: ClassVar[tuple[str, ...]] = ("status", "counts", "exit_code")

    @property
    def status(self) -> Status:
        return worst([r.status for r in self.results])

    @property
    def exit_code(self) -> int:
        """0 all pass (warnings too unless ``strict``); else the most telling failure:
        3 bad configuration, 2 missing driver, 4 unreachable, 5 refused, 1 other."""
        failed = {r.exit_code or EXIT_ERROR for r in self.results if r.status == "fail"}
        if not failed:
            if self.strict and any(r.status == "warn" for r in self.results):
                return EXIT_ERROR
            return EXIT_OK
        for code in _EXIT_PRIORITY:
            if code in failed:
                return code
        return EXIT_ERROR

    @property
    def counts(self) -> dict[str, int]:
        """How many checks passed, warned and failed."""
        counts = {"pass": 0, "warn": 0, "fail": 0}
        for result in self.results:
            counts[result.status] += 1
        return counts

    def data(self) -> dict[str, Any]:
        data = super().data()
        data["duration_seconds"] = round(self.duration_seconds, 3)
        return data


def check_env(settings: Settings, environ: Mapping[str, str] | None = None) -> CheckEnv:
    """What the checks look at: ``settings``, its ``[checks]`` section and the process
    environment (``environ``, default ``settings.environ``)."""
    from pitstop.checks.settings import ChecksSettings

    return CheckEnv(settings, settings.section(ChecksSettings),
                    settings.environ if environ is None else environ)


def configured_checks(env: CheckEnv) -> list[Check]:
    """Every check the configuration asks for, in registry order."""
    checks: list[Check] = []
    for kind in kinds(env.settings.extensions.get("checks")).values():
        checks.extend(kind.factory(env))
    return checks


def select_checks(env: CheckEnv, names: Sequence[str] = ()) -> list[Check]:
    """The checks named in ``names`` (all configured ones when empty).

    A name is a check (``database``, ``http.api``) or a kind (``http`` = every http
    check).  A kind that is known but not configured still runs when named, so its
    result can say what is missing.  Unknown names raise :class:`UsageError`.
    """
    configured = configured_checks(env)
    if not names:
        return configured
    registry = kinds(env.settings.extensions.get("checks"))
    by_name = {c.name: c for c in configured}
    chosen: dict[str, Check] = {}
    for name in names:
        if name in by_name:
            chosen.setdefault(name, by_name[name])
            continue
        of_kind = [c for c in configured if c.kind == name]
        if not of_kind and name in registry:
            kind = registry[name]
            of_kind = (kind.explicit or kind.factory)(env)
        if not of_kind:
            known = sorted({*by_name, *registry})
            close = difflib.get_close_matches(name, known, n=1)
            suggestion = f" (did you mean '{close[0]}'?)" if close else ""
            if name == "migrations":
                raise UsageError("the migrations check needs the migration engine "
                                 "(pitstop.migrate), which is not installed")
            if name in registry:
                raise UsageError(f"no {name} checks are configured",
                                 hint=f"add a [checks.{name}.NAME] table to pitstop.toml")
            raise UsageError(f"unknown check '{name}'{suggestion}",
                             hint=f"available checks: {', '.join(known)}")
        for check in of_kind:
            chosen.setdefault(check.name, check)
    return list(chosen.values())


def _result(check: Check, probe: Probe, latency: float) -> CheckResult:
    status = probe.status or worst([o.status for o in probe.observed.values() if o.status])
    return CheckResult(
        name=check.name, kind=check.kind, status=status, message=redact(probe.message),
        latency_seconds=latency, observed=dict(probe.observed),
        hint=redact(probe.hint) if probe.hint else None,
        exit_code=(probe.exit_code or EXIT_ERROR) if status == "fail" else 0,
    )


def _failure(check: Check, latency: float | None, message: str, hint: str | None,
             exit_code: int) -> CheckResult:
    return CheckResult(name=check.name, kind=check.kind, status="fail", message=redact(message),
                       latency_seconds=latency, hint=redact(hint) if hint else None,
                       exit_code=exit_code)


def run_one(check: Check, timeout: float | None = None) -> CheckResult:
    """Run one check under its timeout (or ``timeout``); never raises for check
    problems: they become a failed :class:`CheckResult`."""
    limit = timeout if timeout is not None else check.timeout
    started = time.perf_counter()
    try:
        probe = call_with_deadline(lambda: check.run(limit), limit + GRACE_SECONDS)
    except TimeoutError:
        return _failure(check, None, f"no answer within {limit:g} s",
                        "the service accepted the request but never answered: is it "
                        "overloaded or stuck?  Raise the check's timeout ([checks] "
                        "timeout, or the run's timeout) if it is merely slow",
                        EXIT_CONNECTION)
    except PitstopError as exc:
        return _failure(check, time.perf_counter() - started, exc.message, exc.hint,
                        exc.exit_code)
    except ImportError as exc:
        error = missing_module(exc)
        return _failure(check, time.perf_counter() - started, error.message, error.hint,
                        error.exit_code)
    except (Exception, SystemExit) as exc:  # SystemExit would end the thread silently
        log.debug("check %s raised", check.name, exc_info=True)
        return _failure(check, time.perf_counter() - started,
                        f"unexpected error: {type(exc).__name__}: {exc}",
                        "this is probably a bug in pitstop; rerun with LOG_LEVEL=DEBUG",
                        EXIT_ERROR)
    return _result(check, probe, time.perf_counter() - started)


def _preload(checks: Sequence[Check]) -> None:
    """Import the drivers the checks use, once, before any clock starts."""
    import importlib

    for module in dict.fromkeys(m for c in checks for m in getattr(c, "imports", ())):
        try:
            importlib.import_module(module)
        except ImportError:
            pass  # the check itself reports the missing driver


def run_checks(checks: Sequence[Check], *, timeout: float | None = None,
               progress: Progress | None = None, strict: bool = False) -> CheckReport:
    """Run ``checks`` concurrently; ``timeout`` overrides every check's own limit.
    ``progress(done, total)`` is told as each check finishes."""
    if timeout is not None and timeout <= 0:
        raise UsageError(f"the check timeout must be above zero, got {timeout:g} s")
    started = time.perf_counter()
    _preload(checks)
    results: list[CheckResult | None] = [None] * len(checks)
    lock = threading.Lock()
    done = [0]

    def worker(index: int, check: Check) -> None:
        results[index] = run_one(check, timeout)
        if progress is not None:
            with lock:
                done[0] += 1
                progress(done[0], len(checks))

    threads = [threading.Thread(target=worker, args=(i, c), daemon=True,
                                name=f"pitstop-check-{c.name}")
               for i, c in enumerate(checks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()  # run_one itself never waits past its check's deadline
    final = tuple(r if r is not None else  # the thread died: never a silent pass
                  _failure(c, None, "the check ended without a result", "this is a bug in "
                           "pitstop; rerun with LOG_LEVEL=DEBUG", EXIT_ERROR)
                  for r, c in zip(results, checks, strict=True))
    return CheckReport(final, time.perf_counter() - started, strict)
