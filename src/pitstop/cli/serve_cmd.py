"""``pitstop serve``: the web page and JSON API."""

from __future__ import annotations

from pathlib import Path

import click

from pitstop.cli.common import AppContext, pass_app


@click.command()
@click.option("--host", default=None,
              help="Address to listen on [config serve.host; 127.0.0.1]. Anything but "
                   "loopback needs --tls-cert/--tls-key or --behind-proxy.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port to listen on [config serve.port; 8765].")
@click.option("--behind-proxy", is_flag=True, default=None,
              help="A TLS-terminating proxy is in front: believe its X-Forwarded-For/-Proto "
                   "[config serve.behind_proxy].")
@click.option("--tls-cert", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Serve HTTPS with this PEM certificate (with --tls-key).")
@click.option("--tls-key", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The PEM private key of --tls-cert.")
@click.option("--scheduler/--no-scheduler", default=None,
              help="Fire the project's [schedules] inside the server, as `pitstop schedule "
                   "run` would [config serve.scheduler; on]. Turn it off when a separate "
                   "scheduler runs (two never run one firing twice either way).")
@pass_app
def serve(app: AppContext, host: str | None, port: int | None, behind_proxy: bool | None,
          tls_cert: Path | None, tls_key: Path | None, scheduler: bool | None) -> int:
    """Serve the web page and JSON API: dashboard, runs with live logs, runbooks by
    role, backups, migrations and the audit trail, over the same verbs and history as
    the command line.

    The project's [schedules] fire inside the server unless --no-scheduler.
    Refuses to start without an admin (`pitstop user add NAME --role admin`), and on
    any address but loopback without TLS or --behind-proxy.  Stops on Ctrl-C.
    Needs the web extra: pip install 'pitstop[web]'.
    """
    from pitstop.serve.server import serve as run_server

    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("--tls-cert and --tls-key go together")
    settings = app.settings()
    run_server(settings, scheduler=scheduler, host=host, port=port,
               behind_proxy=behind_proxy, tls_cert=tls_cert, tls_key=tls_key)
    return 0
