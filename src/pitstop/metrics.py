"""Prometheus exports, rendered from the state store after each run or check.

Everything is derived from the state database, so the textfile always holds the whole
picture (tasks, health checks, scan findings) whichever command wrote it last:

- ``pitstop_task_last_success_timestamp_seconds{task}``
- ``pitstop_task_last_duration_seconds{task}``
- ``pitstop_task_last_exit_code{task}``
- ``pitstop_task_runs_total{task,status}``
- ``pitstop_verb_runs{capability,verb,status}``, and for the newest call of each verb
  ``pitstop_verb_last_success_timestamp_seconds``, ``pitstop_verb_last_duration_seconds``,
  ``pitstop_verb_last_exit_code`` (every recorded command: ``migrate up``, ``backup
  create`` … whichever front ran it)
- ``pitstop_health_check_up{check}`` and ``pitstop_health_check_latency_seconds{check}``
- ``pitstop_scan_findings{rule}`` (from the newest ``scan-secrets`` task)
- ``pitstop_audit_findings{severity,section}`` (from the newest recorded ``audit run``)
- ``pitstop_tests{task}``, ``pitstop_tests_failed{task}``, ``pitstop_coverage_percent{task}``
  (from the newest ``smoke`` / ``coverage`` tasks)
- ``pitstop_build_info{version,python}``
"""

from __future__ import annotations

import logging
import platform
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pitstop import __version__

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from pitstop.config import Settings
    from pitstop.state.store import StateStore

log = logging.getLogger("pitstop.metrics")


class _StateCollector:
    def __init__(self, store: StateStore) -> None:
        self._store = store

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        stats = self._store.task_stats()
        latest = self._store.latest_task_runs()
        success = GaugeMetricFamily("pitstop_task_last_success_timestamp_seconds",
                                    "Unix time of the task's last successful run.", labels=["task"])
        duration = GaugeMetricFamily("pitstop_task_last_duration_seconds",
                                     "Duration of the task's last run.", labels=["task"])
        exit_code = GaugeMetricFamily("pitstop_task_last_exit_code",
                                      "pitstop exit code of the task's last run.", labels=["task"])
        runs = CounterMetricFamily("pitstop_task_runs", "Task runs by final status.",
                                   labels=["task", "status"])
        for task, info in sorted(stats.items()):
            if info["last_success"] is not None:
                success.add_metric([task], float(info["last_success"]))
            for status, count in sorted(info["counts"].items()):
                runs.add_metric([task, status], float(count))
        findings: dict[str, Any] | None = None
        tests_total = GaugeMetricFamily("pitstop_tests", "Tests run by the task's last run.",
                                        labels=["task"])
        tests_failed = GaugeMetricFamily("pitstop_tests_failed",
                                         "Tests that failed in the task's last run.",
                                         labels=["task"])
        coverage = GaugeMetricFamily("pitstop_coverage_percent",
                                     "Total coverage measured by the task's last run.",
                                     labels=["task"])
        for record in sorted(latest, key=lambda r: r.task):
            for family, key in ((tests_total, "tests"), (tests_failed, "failed"),
                                (coverage, "coverage_percent")):
                value = record.data.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    family.add_metric([record.task], float(value))
            if record.duration_seconds is not None:
                duration.add_metric([record.task], record.duration_seconds)
            if record.exit_code is not None:
                exit_code.add_metric([record.task], float(record.exit_code))
            if record.task == "scan-secrets" and isinstance(record.data.get("findings_by_rule"),
                                                            dict):
                findings = record.data["findings_by_rule"]
        yield from (success, duration, exit_code, runs, tests_total, tests_failed, coverage)
        yield from self._verbs()

        up = GaugeMetricFamily("pitstop_health_check_up", "1 when the check passed (or warned).",
                               labels=["check"])
        latency = GaugeMetricFamily("pitstop_health_check_latency_seconds",
                                    "Latency of the last health check.", labels=["check"])
        for check in self._store.latest_health_checks():
            up.add_metric([check.name], 0.0 if check.status == "fail" else 1.0)
            if check.latency_seconds is not None:
                latency.add_metric([check.name], check.latency_seconds)
        yield from (up, latency)

        if findings is not None:
            scan = GaugeMetricFamily("pitstop_scan_findings",
                                     "Secrets found by the last scan, by rule.", labels=["rule"])
            for rule, count in sorted(findings.items()):
                scan.add_metric([str(rule)], float(count))
            yield scan

        audit = self._latest_audit_counts()
        if audit is not None:
            family = GaugeMetricFamily("pitstop_audit_findings",
                                       "Findings of the last audit not accepted by its baseline.",
                                       labels=["severity", "section"])
            for section, by_severity in sorted(audit.items()):
                for severity, count in sorted(by_severity.items()):
                    if isinstance(count, int | float):
                        family.add_metric([str(severity), str(section)], float(count))
            yield family

        build = GaugeMetricFamily("pitstop_build_info", "pitstop version.",
                                  labels=["version", "python"])
        build.add_metric([__version__, platform.python_version()], 1.0)
        yield build


    def _verbs(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        labels = ["capability", "verb"]
        runs = CounterMetricFamily("pitstop_verb_runs", "Recorded command calls by final "
                                   "status.", labels=[*labels, "status"])
        success = GaugeMetricFamily("pitstop_verb_last_success_timestamp_seconds",
                                    "Unix time of the command's last successful call.",
                                    labels=labels)
        duration = GaugeMetricFamily("pitstop_verb_last_duration_seconds",
                                     "Duration of the command's newest finished call.",
                                     labels=labels)
        exit_code = GaugeMetricFamily("pitstop_verb_last_exit_code",
                                      "Exit code of the command's newest finished call.",
                                      labels=labels)
        for (capability, verb), info in sorted(self._store.verb_stats().items()):
            for status, count in sorted(info["counts"].items()):
                runs.add_metric([capability, verb, status], float(count))
            if info["last_success"] is not None:
                success.add_metric([capability, verb], float(info["last_success"]))
            if info["last_duration"] is not None:
                duration.add_metric([capability, verb], float(info["last_duration"]))
            if info["last_exit"] is not None:
                exit_code.add_metric([capability, verb], float(info["last_exit"]))
        yield from (runs, success, duration, exit_code)

    def _latest_audit_counts(self) -> dict[str, Any] | None:
        """``counts`` of the newest finished ``audit run`` that recorded a result."""
        for run in self._store.list_runs(capability="audit", verb="run", limit=10):
            counts = (run.result or {}).get("counts")
            if isinstance(counts, dict):
                return counts
        return None


def build_registry(store: StateStore) -> CollectorRegistry:
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_StateCollector(store))
    return registry


def render_metrics(store: StateStore) -> str:
    """The Prometheus text exposition of everything in ``store``."""
    from prometheus_client import generate_latest

    return generate_latest(build_registry(store)).decode("utf-8")


def publish_metrics(settings: Settings, store: StateStore) -> list[str]:
    """Write ``[metrics] textfile`` atomically and push to ``[metrics] pushgateway``.

    Export problems never fail the run that produced the data: they are logged and
    returned as warnings."""
    warnings: list[str] = []
    if settings.metrics.textfile is None and not settings.metrics.pushgateway:
        return warnings
    registry = build_registry(store)
    if settings.metrics.textfile is not None:
        from prometheus_client import write_to_textfile

        path = settings.metrics.textfile
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_to_textfile(str(path), registry)
        except OSError as exc:
            warnings.append(f"cannot write metrics file {path}: {exc.strerror or exc}")
    if settings.metrics.pushgateway:
        from prometheus_client import push_to_gateway

        try:
            push_to_gateway(settings.metrics.pushgateway, job=settings.metrics.job,
                            registry=registry, timeout=5)
        except Exception as exc:  # noqa: BLE001 - urllib raises many kinds; all are warnings
            warnings.append(f"cannot push metrics to {settings.metrics.pushgateway}: {exc}")
    for warning in warnings:
        log.warning(warning)
    return warnings
