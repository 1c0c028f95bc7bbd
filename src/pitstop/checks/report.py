"""Rendering a :class:`~pitstop.checks.runner.CheckReport`: the IETF health+json shape
(draft-inadarei-api-health-check), one terminal line per check, and the records the
state store keeps.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pitstop import __version__
from pitstop.checks.base import CheckResult, Observed

if TYPE_CHECKING:
    from pitstop.checks.runner import CheckReport
    from pitstop.config import Settings
    from pitstop.state.store import HealthCheckRecord

log = logging.getLogger("pitstop.checks")

MEDIA_TYPE = "application/health+json"
SYMBOLS = {"pass": "[+]", "warn": "[!]", "fail": "[x]"}
_COMPONENT_TYPES = {"database": "datastore", "redis": "datastore", "extensions": "datastore",
                    "schema": "datastore", "migrations": "datastore", "env": "system",
                    "http": "component", "tcp": "component"}


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _entries(result: CheckResult) -> list[dict[str, Any]]:
    base: dict[str, Any] = {
        "componentType": _COMPONENT_TYPES.get(result.kind, "component"),
        "time": _iso(result.checked_at),
    }
    entries: list[dict[str, Any]] = []
    first: dict[str, Any] = {**base, "measurement": "responseTime", "status": result.status}
    if result.latency_seconds is not None:
        first["observedValue"] = round(result.latency_seconds * 1000, 3)
        first["observedUnit"] = "ms"
    first["output"] = result.message
    if result.hint and result.status != "pass":
        first["hint"] = result.hint
    if result.status == "fail":
        first["exitCode"] = result.exit_code
    entries.append(first)
    for key, obs in result.observed.items():
        entry: dict[str, Any] = {**base, "measurement": key, "observedValue": obs.value}
        if obs.unit:
            entry["observedUnit"] = obs.unit
        entry["status"] = obs.status or "pass"
        entries.append(entry)
    return entries


def to_health_json(report: CheckReport, *, description: str = "pitstop health checks"
                   ) -> dict[str, Any]:
    """The report in the health+json shape: ``status``, ``checks: {name: [...]}``."""
    counts = report.counts
    failing = [r for r in report.results if r.status != "pass"]
    document: dict[str, Any] = {
        "status": report.status,
        "version": __version__,
        "description": description,
        "output": "; ".join(f"{r.name}: {r.message}" for r in failing),
        "notes": [f"{counts['pass']} passed, {counts['warn']} warned, {counts['fail']} failed "
                  f"in {report.duration_seconds:.3f} s"],
        "checks": {r.name: _entries(r) for r in report.results},
    }
    if not document["output"]:
        del document["output"]
    return document


def format_latency(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def format_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover


def format_observed(obs: Observed) -> str:
    if obs.unit == "bytes" and isinstance(obs.value, int | float) \
            and not isinstance(obs.value, bool):
        return format_bytes(obs.value)
    unit = f" {obs.unit}" if obs.unit else ""
    return f"{obs.value}{unit}"


def format_lines(report: CheckReport, *, verbose: bool = False) -> list[str]:
    """One line per check (``[+] database  2.1 ms  PostgreSQL 15.19``), the hint of a
    check that did not pass on the next line, observed values too when ``verbose``."""
    width = max((len(r.name) for r in report.results), default=0)
    lines: list[str] = []
    for r in report.results:
        lines.append(f"{SYMBOLS[r.status]} {r.name.ljust(width)}  "
                     f"{format_latency(r.latency_seconds):>9}  {r.message}")
        if r.hint and r.status != "pass":
            lines.append(f"    hint: {r.hint}")
        if verbose:
            lines.extend(f"    {k}: {format_observed(v)}"
                         + (f" [{v.status}]" if v.status and v.status != "pass" else "")
                         for k, v in r.observed.items())
    return lines


def to_records(results: Sequence[CheckResult], run_id: str | None = None
               ) -> list[HealthCheckRecord]:
    from pitstop.state.store import HealthCheckRecord

    return [HealthCheckRecord(
        name=r.name, status=r.status, latency_seconds=r.latency_seconds,
        observed={k: v.as_dict() for k, v in r.observed.items()},
        message=r.message, hint=r.hint, checked_at=r.checked_at, run_id=run_id,
    ) for r in results]


NOT_STORED = "health checks not stored"


def save_report(settings: Settings, report: CheckReport, *, run_id: str | None = None,
                log_warnings: bool = True, publish: bool = True) -> list[str]:
    """Store every result in the state store's ``health_checks`` and, when
    ``publish``, refresh the metrics exports (a run that encloses the checks refreshes
    them itself when it ends).  Problems are returned as warnings (and logged, unless
    ``log_warnings`` is false: the caller shows them): the checks themselves ran."""
    from pitstop.errors import PitstopError
    from pitstop.metrics import publish_metrics
    from pitstop.state.store import StateStore

    warnings: list[str] = []
    published: list[str] = []  # publish_metrics logs these itself
    try:
        with StateStore.open(settings.state.url) as store:
            store.record_health_checks(to_records(report.results, run_id))
            if publish:
                published = publish_metrics(settings, store)
    except PitstopError as exc:
        warnings.append(f"{NOT_STORED}: {exc.message}")
    except Exception as exc:  # noqa: BLE001 - storage must not turn a check run into a crash
        warnings.append(f"{NOT_STORED}: {type(exc).__name__}: {exc}")
    if log_warnings:
        for warning in warnings:
            log.warning(warning)
    return [*published, *warnings]
