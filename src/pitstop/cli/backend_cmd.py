"""``pitstop backend start|stop|status|config nginx``: the app processes behind an
nginx gateway, supervised."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.output import echo, emit_json, info, table


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def backend() -> None:
    """Run the backend: each [backend.apps.NAME] as several uvicorn processes behind a
    generated nginx gateway, restarted when they exit, probed on their health path,
    taken out of the gateway when unhealthy; see docs/backend.md."""


def _uptime(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _health(p: Any) -> str:
    if p.health_ok is None:
        return ""
    text = f"{p.health_status or 'no answer'}"
    if p.latency_ms is not None:
        text += f" {p.latency_ms:.1f}ms"
    return text


def _process_rows(processes: Any) -> list[tuple[Any, ...]]:
    return [(f"{p.app}.{p.index}", p.pid or "", p.port, p.state,
             ("yes" if p.state == "healthy" else "no") if p.in_rotation else "no (down)",
             _uptime(p.uptime_seconds), p.restarts,
             _health(p), p.reason or "") for p in processes]


_COLUMNS = ["process", "pid", "port", "state", "in gateway", "uptime", "restarts", "health",
            "note"]


@backend.command()
@click.option("--foreground", is_flag=True,
              help="Supervise in this process until SIGTERM or Ctrl-C (what a container or "
                   "a systemd service runs) [default: detach and return once ready].")
@click.option("--skip-before", is_flag=True, help="Do not run [backend] before.")
@click.option("--lock-fd", type=int, default=None, hidden=True)
@click.option("--ready-fd", type=int, default=None, hidden=True)
@json_option
@pass_app
def start(app: AppContext, foreground: bool, skip_before: bool, lock_fd: int | None,
          ready_fd: int | None, as_json: bool) -> int:
    """Run [backend] before, check every port is free, start each app's processes in
    their own process groups with the project's interpreter, wait until each answers
    its health path, then write and validate the nginx config (nginx -t) and start
    nginx in front of them.

    Without --foreground a supervisor keeps running in the background; `status`,
    `stop` and `config nginx` work from any shell.  Exit status: 0 started · 1 a
    process did not come up (its log tail is shown) · 2 nginx or uvicorn missing, or a
    `before` task failed · 3 configuration error (a bad app, an unknown task) · 4 the
    backend is already running (the holder is named) or a port is taken (its holder
    is named).
    """
    from pitstop import registry
    from pitstop.backend import Launch
    from pitstop.backend import start as start_backend

    settings = app.settings()
    stop_event = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop_event.set()

    def on_ready(result: Any) -> None:
        info(f"backend ready in {result.ready_seconds:.2f}s: gateway {result.gateway_url} "
             f"(supervisor pid {result.supervisor_pid}); Ctrl-C stops it")

    previous = {}
    if foreground:
        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        launch = Launch(builtins=registry.tasks(), stop_event=stop_event, on_ready=on_ready,
                        lock_fd=lock_fd, ready_fd=ready_fd)
        result = start_backend(settings, foreground=foreground, skip_before=skip_before,
                               launch=launch)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if as_json:
        emit_json(result.to_dict())
        return 0
    if foreground:
        info("backend stopped")
        return 0
    table(_COLUMNS, _process_rows(result.processes), keys=("process",))
    info(f"backend ready in {result.ready_seconds:.2f}s: gateway {result.gateway_url} "
         f"(supervisor pid {result.supervisor_pid})")
    return 0


@backend.command()
@json_option
@pass_app
def status(app: AppContext, as_json: bool) -> int:
    """Each process — app, index, pid, port, state, whether the gateway sends it
    requests, uptime, restarts, last health result and latency — and the gateway.

    Exit status: 0 everything is up and healthy · 1 something is down, unhealthy or
    not running.
    """
    from pitstop.backend import status as backend_status

    result = backend_status(app.settings())
    if as_json:
        emit_json(result.to_dict())
        return result.exit_code
    if result.status == "stopped" and not result.processes:
        echo("backend: not running (pitstop backend start)")
        return result.exit_code
    table(_COLUMNS, _process_rows(result.processes), keys=("process",))
    for p in result.processes:
        if p.state == "failed" and p.log_tail:
            echo(f"{p.app}.{p.index} last lines:\n  " + "\n  ".join(p.log_tail[-10:]))
    gateway = result.gateway
    where = f"{gateway.url} (nginx pid {gateway.pid}, {'up' if gateway.up else 'DOWN'})" \
        if gateway else "not started"
    echo(f"backend: {result.status}, supervisor pid {result.supervisor_pid or '-'}, "
         f"gateway {where}")
    return result.exit_code


@backend.command()
@click.option("--timeout", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="How long to wait for the supervisor to stop [default: twice "
                   "stop_timeout plus 15 s].")
@json_option
@pass_app
def stop(app: AppContext, timeout: float | None, as_json: bool) -> int:
    """Stop the backend: nginx quits, each process group gets SIGTERM, stop_timeout of
    grace (uvicorn's graceful shutdown), then SIGKILL.  No process and no bound port is
    left.  Processes left by a supervisor that was killed are stopped by their
    recorded pids.  Exit status: 0 stopped (or nothing was running) · 1 it did not
    stop in time.
    """
    from pitstop.backend import stop as stop_backend

    result = stop_backend(app.settings(), timeout=timeout)
    if as_json:
        emit_json(result.to_dict())
    elif result.was_running:
        info(f"backend stopped (supervisor pid {result.supervisor_pid}: "
             f"{', '.join(result.stopped) or 'nothing started yet'})")
    elif result.leftovers:
        info(f"the supervisor was gone; stopped what it left: {', '.join(result.leftovers)}")
    else:
        info("backend: not running")
    return 0


@backend.group()
def config() -> None:
    """Show generated configuration."""


@config.command("nginx")
@pass_app
def config_nginx(app: AppContext) -> int:
    """Print the nginx configuration the gateway runs with (every process in rotation;
    the running one marks processes out of rotation `down`)."""
    from pitstop.backend import nginx_config

    result = nginx_config(app.settings())
    click.echo(result.text, nl=False)
    return 0


@backend.command()
@click.argument("target", metavar="[APP]", required=False)
@click.option("--timeout", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="How long to wait for the whole restart [default: per process, "
                   "start_timeout plus twice stop_timeout plus 10 s].")
@json_option
@pass_app
def restart(app: AppContext, target: str | None, timeout: float | None, as_json: bool) -> int:
    """Rolling restart of APP's processes (an app name, or one process such as api.0;
    default: every app), one at a time: a replacement starts on a spare port, is
    probed until healthy, the gateway switches to it (nginx reload), nginx's old
    workers finish their requests, and the old process is stopped gracefully — no
    request fails.  A replacement that does not come up is stopped and the old process
    keeps serving.  Exit status: 0 replaced · 1 a replacement failed, or the backend
    is not running · 3 unknown APP.
    """
    from pitstop.backend import restart as restart_backend

    result = restart_backend(app.settings(), app=target, timeout=timeout)
    if as_json:
        emit_json(result.to_dict())
        return result.exit_code
    for p in result.processes:
        if p.note:
            info(f"{p.name}: {p.note}")
        elif p.ok:
            info(f"{p.name}: pid {p.old_pid} → {p.pid} (port {p.old_port} → {p.port})")
    if not result.ok:
        from pitstop.output import error

        error(f"rolling restart stopped: {result.error}")
    return result.exit_code


@backend.command()
@click.argument("target", metavar="[APP]", required=False)
@click.option("-n", "--lines", type=click.IntRange(min=0), default=50, show_default=True,
              help="Lines to show first.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until Ctrl-C.")
@pass_app
def logs(app: AppContext, target: str | None, lines: int, follow: bool) -> int:
    """The processes' output as one stream, each line prefixed with its process
    (api.0 | …), from the per-process log files in .pitstop/backend/logs/ (they rotate
    at log_max_size).  APP: one app, or one process such as api.0."""
    from pitstop.backend import logs as backend_logs

    stop_event = threading.Event()

    from pitstop.redact import redact

    def show(line: Any) -> None:
        click.echo(redact(f"{line.process} | {line.text}"))

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop_event.set()

    previous = {}
    if follow:
        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        result = backend_logs(app.settings(), app=target, lines=lines, follow=follow,
                              on_line=show, stop_event=stop_event)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not follow:
        for line in result.lines:
            show(line)
    return 0


@backend.command("export")
@click.argument("kind", type=click.Choice(["systemd", "supervisor", "procfile"]))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the files into this directory [default: print them].")
@json_option
@pass_app
def export_(app: AppContext, kind: str, output: Path | None, as_json: bool) -> int:
    """Production process definitions from the same configuration: systemd units (one
    per process, the gateway, and pitstop-backend.target), a supervisord config
    (stopasgroup, killasgroup) or a Procfile — the project's interpreter, the same
    ports and environment, nginx with the generated gateway config (written to
    .pitstop/backend/nginx/nginx.conf).  Secret-looking variables are left to the
    environment file and named in a comment.
    """
    from pitstop.backend import export as export_backend

    result = export_backend(app.settings(), kind=kind, output=output)
    if as_json:
        emit_json(result.to_dict())
    elif output is None:
        for file in result.files:
            if len(result.files) > 1:
                click.echo(f"# --- {file.name} ---")
            click.echo(file.text, nl=not file.text.endswith("\n"))
    else:
        info(f"wrote {', '.join(str(p) for p in result.written)} (nginx config: "
             f"{result.nginx_config})")
    return 0
