"""``pitstop bench redis``: SET/GET throughput and latency of Redis or Dragonfly."""

from __future__ import annotations

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.errors import UsageError


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
    answers with errors, 3 without a URL.
    """
    import pitstop.bench
    from pitstop.bench.redis_bench import OPS
    from pitstop.cli.progress import progress_bar
    from pitstop.output import emit_json, error, table

    names = [o.strip().upper() for o in ops.split(",") if o.strip()]
    hint = f"choose from {', '.join(OPS).lower()}, e.g. -t set,get"
    if not names:
        raise UsageError("--ops: no operation to run", hint=hint)
    unknown = [o for o in names if o not in OPS]
    if unknown:
        raise UsageError(f"--ops: unknown operation {unknown[0].lower()!r}", hint=hint)
    settings = app.settings(redis_url=url)
    with progress_bar("benchmarking") as progress:
        report = pitstop.bench.redis(settings, progress=progress, url=url, requests=requests,
                                     clients=clients, pipeline=pipeline, data_size=data_size,
                                     ops=names)
    if as_json:
        emit_json(report.to_dict())
    else:
        table(["op", "requests", "ops/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"],
              [[r.op, r.requests, f"{r.ops_per_second:,.0f}", f"{r.p50_ms:.3f}",
                f"{r.p95_ms:.3f}", f"{r.p99_ms:.3f}", f"{r.max_ms:.3f}", r.errors]
               for r in report.results],
              title=f"{report.server} {report.version} at {report.target}: {report.clients} "
                    f"clients, pipeline {report.pipeline}, {report.data_size}-byte values")
    for r in report.results:
        if r.errors:
            error(f"{r.op}: {r.errors} requests failed: {r.first_error}")
    return report.exit_code
