"""Benchmarks of the services a backend depends on: :func:`bench_redis` measures
SET/GET throughput and p50/p95/p99 latency of Redis or Dragonfly."""

from __future__ import annotations

from pitstop.bench.redis import BenchReport, OpResult, bench_redis

__all__ = ["BenchReport", "OpResult", "bench_redis"]
