"""The ``bench`` capability, declared once (see :mod:`pitstop.capability`)."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Verb

CAPABILITY = Capability(
    name="bench",
    summary="Measure Redis/Dragonfly throughput and latency.",
    docs="docs/check.md",
    commands=(Command("bench", "pitstop.cli.bench_cmd:bench",
                      "Measure Redis/Dragonfly throughput and latency."),),
    verbs=(Verb("redis", "pitstop.bench:redis", "SET/GET throughput and latency."),),
)
