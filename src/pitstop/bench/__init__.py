"""Benchmarks of the services a backend depends on: :func:`redis` (``pitstop bench
redis``) measures SET/GET throughput and p50/p95/p99 latency of Redis or Dragonfly::

    report = pitstop.bench.redis(settings, url="redis://127.0.0.1:6379/15", requests=10_000)
    report.to_dict()  # {"target", "server", "version", …, "results": [{"op", …}]}

Importing this package is cheap: each name loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.bench.redis_bench import BenchReport, OpResult, redis

_EXPORTS: dict[str, str] = {
    "BenchReport": "pitstop.bench.redis_bench",
    "OpResult": "pitstop.bench.redis_bench",
    "redis": "pitstop.bench.redis_bench",
}

__all__ = [
    "BenchReport",
    "OpResult",
    "redis",
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
