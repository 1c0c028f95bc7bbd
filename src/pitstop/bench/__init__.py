"""Benchmarks of the services a backend depends on: :func:`bench_redis` measures
SET/GET throughput and p50/p95/p99 latency of Redis or Dragonfly.

Importing this package is cheap: each name loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.bench.redis import BenchReport, OpResult, bench_redis

_EXPORTS: dict[str, str] = {
    "BenchReport": "pitstop.bench.redis",
    "OpResult": "pitstop.bench.redis",
    "bench_redis": "pitstop.bench.redis",
}

__all__ = [
    "BenchReport",
    "OpResult",
    "bench_redis",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pitstop.bench' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
