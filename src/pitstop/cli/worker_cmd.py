"""``pitstop worker``: a Celery worker that executes this project's tasks."""

from __future__ import annotations

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.output import emit_json, info


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-Q", "--queues", "queues", metavar="Q[,Q…]", multiple=True,
              help="Queues to take tasks from (comma-separated or repeated) "
                   "[default: [engine] queue, 'pitstop'].")
@click.option("-c", "--concurrency", type=click.IntRange(min=1), default=None,
              help="Attempts run at once, each in a pool process [default: number of CPUs].")
@click.option("-n", "--name", metavar="NAME", default=None,
              help="The worker's node name, as runs record it (%h: this host) "
                   "[default: pitstop-PID@HOST].")
@click.option("--loglevel", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"],
                                              case_sensitive=False),
              default="INFO", show_default=True, help="Celery's own log level.")
@json_option
@pass_app
def worker(app: AppContext, queues: tuple[str, ...], concurrency: int | None, name: str | None,
           loglevel: str, as_json: bool) -> int:
    """Run a Celery worker that executes this project's tasks.

    With [engine] executor = "celery" and a broker_url (RabbitMQ or Redis) in
    pitstop.toml, `pitstop run WORKFLOW` sends each ready task to the workers; each
    worker runs it in this project — command tasks as subprocesses, built-in tasks
    through their verbs — with this project's settings, and streams its output back
    to the run.  Start workers from the same checkout as `pitstop run`.

    A task with `queue = "db"` under [tasks.NAME] goes only to workers started with
    --queues db.  SIGTERM or Ctrl-C stops the worker after the attempts it runs; a
    second Ctrl-C stops them too.  See docs/workers.md.

    Exit status: 0 stopped · 2 Celery not installed (pip install 'pitstop[celery]') ·
    3 bad configuration · 4 the broker cannot be reached.
    """
    from pitstop.workers.api import run_worker

    settings = app.settings()
    result = run_worker(settings, queues=queues, concurrency=concurrency, name=name,
                        loglevel=loglevel.upper())
    if as_json:
        emit_json(result.to_dict())
    else:
        info(f"worker {result.name} stopped")
    return result.exit_code
