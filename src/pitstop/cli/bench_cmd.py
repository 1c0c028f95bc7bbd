"""``pitstop bench redis``: SET/GET throughput and latency of Redis or Dragonfly."""

from __future__ import annotations

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.errors import EXIT_ERROR, EXIT_OK, ConfigError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def bench() -> None:
    """Measure the services the backend depends on."""


@bench.command("redis")
@click.option("--url", "url", metavar="URL", default=None,
              help="Server to measure [env REDIS_URL; config redis_url].")
@click.option("--requests", "-n", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Requests per operation.")
@click.option("--clients", "-c", type=click.IntRange(min=1), default=50, show_default=True,
              help="Parallel connections.")
@click.option("--pipeline", "-P", type=click.IntRange(min=1), default=1, show_default=True,
              help="Requests in flight per connection.")
@click.option("--data-size", "-d", type=click.IntRange(min=0), default=3, show_default=True,
              help="Bytes of each SET value.")
@click.option("--ops", "-t", default="set,get", show_default=True,
              help="Comma-separated operations to run (set, get).")
@json_option
@pass_app
def redis(app: AppContext, url: str | None, requests: int, clients: int, pipeline: int,
          data_size: int, ops: str, as_json: bool) -> int:
    """SET/GET throughput and p50/p95/p99 latency, like redis-benchmark.

    Writes one scratch key (pitstop:bench:…) and deletes it afterwards.
    Exit 4 when the server cannot be reached or stops answering, 1 when it
    answers with errors.
    """
    from pitstop.bench import bench_redis
    from pitstop.output import emit_json, error, info, table

    settings = app.settings(redis_url=url)
    target = url or settings.redis_url
    if not target:
        raise ConfigError("no Redis URL is configured", key="redis_url",
                          hint="pass --url redis://HOST:PORT or set REDIS_URL")
    names = [o.strip().upper() for o in ops.split(",") if o.strip()]
    report = bench_redis(target, requests=requests, clients=clients, pipeline=pipeline,
                         data_size=data_size, ops=names, progress=info)
    if as_json:
        emit_json({
            "target": report.target, "server": report.server, "version": report.version,
            "clients": report.clients, "pipeline": report.pipeline,
            "requests": report.requests, "data_size": report.data_size,
            "results": [{"op": r.op, "requests": r.requests, "seconds": round(r.seconds, 4),
                         "ops_per_second": round(r.ops_per_second, 1),
                         "p50_ms": round(r.p50_ms, 3), "p95_ms": round(r.p95_ms, 3),
                         "p99_ms": round(r.p99_ms, 3), "max_ms": round(r.max_ms, 3),
                         "errors": r.errors} for r in report.results],
        })
    else:
        table(["op", "requests", "ops/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"],
              [[r.op, r.requests, f"{r.ops_per_second:,.0f}", f"{r.p50_ms:.3f}",
                f"{r.p95_ms:.3f}", f"{r.p99_ms:.3f}", f"{r.max_ms:.3f}", r.errors]
               for r in report.results],
              title=f"{report.server} {report.version} at {report.target}: {report.clients} "
                    f"clients, pipeline {report.pipeline}, {report.data_size}-byte values")
    failed = [r for r in report.results if r.errors]
    for r in failed:
        error(f"{r.op}: {r.errors} requests failed: {r.first_error}")
    return EXIT_ERROR if failed else EXIT_OK
