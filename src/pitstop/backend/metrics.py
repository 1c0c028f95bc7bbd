"""The supervisor's Prometheus metrics, from its state snapshot:

- ``pitstop_backend_process_up{app,index}``: 1 while the process is healthy
- ``pitstop_backend_process_in_gateway{app,index}``: 1 while nginx sends it requests
- ``pitstop_backend_health_latency_seconds{app,index}``: the last probe's latency
- ``pitstop_backend_restarts_total{app}``: restarts of the app's processes
- ``pitstop_backend_gateway_up``: 1 while nginx runs

Written to ``.pitstop/backend/metrics.prom``, and next to ``[metrics] textfile`` as
``pitstop_backend.prom`` when one is configured (the node-exporter textfile collector
reads every ``*.prom`` file of its directory)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def render(snapshot: Mapping[str, Any]) -> str:
    from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

    registry = CollectorRegistry()
    up = Gauge("pitstop_backend_process_up", "1 while the process answers its health path.",
               ["app", "index"], registry=registry)
    rotation = Gauge("pitstop_backend_process_in_gateway", "1 while nginx sends the process "
                     "requests.", ["app", "index"], registry=registry)
    latency = Gauge("pitstop_backend_health_latency_seconds", "Latency of the last health probe.",
                    ["app", "index"], registry=registry)
    restarts = Counter("pitstop_backend_restarts", "Restarts of the app's processes.", ["app"],
                       registry=registry)
    gateway = Gauge("pitstop_backend_gateway_up", "1 while the nginx gateway runs.",
                    registry=registry)
    for proc in snapshot.get("processes", ()):
        labels = (proc["app"], str(proc["index"]))
        up.labels(*labels).set(1 if proc["state"] == "healthy" else 0)
        rotation.labels(*labels).set(1 if proc.get("in_rotation") else 0)
        health = proc.get("health") or {}
        if health.get("latency_ms") is not None:
            latency.labels(*labels).set(health["latency_ms"] / 1000)
        restarts.labels(proc["app"]).inc(proc.get("restarts", 0))
    gateway.set(1 if (snapshot.get("gateway") or {}).get("up") else 0)
    return generate_latest(registry).decode("utf-8")


def write(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
