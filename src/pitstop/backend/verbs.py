"""The backend verbs: :func:`start`, :func:`stop`, :func:`status` and
:func:`nginx_config`.

``start`` checks everything it can before anything runs (the apps' modules exist in
the project's interpreter, nginx is there, ``before`` names known tasks, every port
is free), runs ``before`` through the workflow engine, then either supervises in the
foreground until ``stop_event`` is set, or starts a detached supervisor (``pitstop
backend start --foreground`` in a new session, handed the lock) and returns once it
says everything is healthy and the gateway is up."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar

from pitstop import proc
from pitstop.backend import nginx, procs, state
from pitstop.backend.layout import Paths, ProcessSpec, paths_for, processes
from pitstop.backend.settings import BackendSettings
from pitstop.capability import Progress, Result, recorded
from pitstop.errors import ConfigError, ConnectError, DependencyError, PitstopError

if TYPE_CHECKING:
    from pitstop.capability import Task
    from pitstop.config import Settings

READY_TIMEOUT_MARGIN = 30.0

_PREFLIGHT = '''
import importlib.util

def main(request):
    found = {}
    for module in request["modules"]:
        try:
            found[module] = importlib.util.find_spec(module) is not None
        except Exception as exc:  # a parent package that fails to import
            found[module] = "%s: %s" % (type(exc).__name__, exc)
    return found
'''


class BackendError(PitstopError):
    """The backend could not be started or stopped as asked; carries the exit code
    of what went wrong (a detached supervisor's failure keeps its code)."""

    def __init__(self, message: str, *, exit_code: int = 1, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.exit_code = exit_code


@dataclasses.dataclass(frozen=True)
class ProcessStatus:
    """One process as ``status`` shows it."""

    app: str
    index: int
    pid: int | None
    port: int
    state: str
    """``starting``, ``healthy``, ``unhealthy``, ``backoff``, ``restarting``, ``failed``,
    ``stopped``."""
    in_rotation: bool
    """False when the upstream marks it ``down`` (unhealthy, failed)."""
    uptime_seconds: float | None
    restarts: int
    health_ok: bool | None
    health_status: int | None
    latency_ms: float | None
    checked_at: str | None
    reason: str | None = None
    log_tail: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class GatewayStatus:
    pid: int | None
    host: str
    port: int
    up: bool
    restarts: int

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"


@dataclasses.dataclass(frozen=True)
class BackendStatus(Result):
    """``pitstop backend status``: the supervisor, the gateway, each process."""

    running: bool
    supervisor_pid: int | None
    status: str
    """``running``, ``starting``, ``stopping``, ``stopped``, or ``orphaned`` (the
    supervisor is gone but processes it started are still alive)."""
    gateway: GatewayStatus | None
    processes: tuple[ProcessStatus, ...]

    derived: ClassVar[tuple[str, ...]] = ("healthy",)

    @property
    def healthy(self) -> bool:
        return (self.running and self.gateway is not None and self.gateway.up
                and bool(self.processes) and all(p.state == "healthy" for p in self.processes))

    @property
    def exit_code(self) -> int:
        return 0 if self.healthy else 1


@dataclasses.dataclass(frozen=True)
class StartResult(Result):
    """What ``start`` did: the processes it started, healthy, behind the gateway."""

    detached: bool
    supervisor_pid: int
    gateway_url: str
    processes: tuple[ProcessStatus, ...]
    before: tuple[str, ...]
    ready_seconds: float
    stopped_at: dt.datetime | None = None
    """Foreground only: when it stopped."""


@dataclasses.dataclass(frozen=True)
class StopResult(Result):
    """What ``stop`` stopped."""

    was_running: bool
    supervisor_pid: int | None
    stopped: tuple[str, ...]
    """Process names (``api.0``, ``gateway``) that were stopped."""
    leftovers: tuple[str, ...] = ()
    """Processes of a supervisor that had died, killed by pid (still the same process)."""


@dataclasses.dataclass(frozen=True)
class NginxConfig(Result):
    """The generated gateway configuration."""

    path: Path
    text: str


# -- helpers ----------------------------------------------------------------------------
def _python(settings: Settings) -> str:
    from pitstop.project_python import interpreter_for

    return str(interpreter_for(settings).path)


def plan(settings: Settings) -> tuple[BackendSettings, tuple[ProcessSpec, ...], Paths]:
    """The section, its processes and paths (ConfigError when the section is wrong)."""
    backend = settings.section(BackendSettings)
    specs = processes(backend, _python(settings), file=settings.config_file)
    return backend, specs, paths_for(settings.state_dir)


def _check_modules(settings: Settings, backend: BackendSettings) -> None:
    """Each ``app``'s module exists in the project's interpreter, and uvicorn with it."""
    from pitstop.project_python import interpreter_for, run_source

    wanted = {name: spec.app.partition(":")[0] for name, spec in backend.apps.items() if spec.app}
    if not wanted:
        return
    interpreter = interpreter_for(settings)
    found = run_source(interpreter, "backend_preflight", _PREFLIGHT,
                       {"modules": ["uvicorn", *sorted(set(wanted.values()))]},
                       cwd=settings.project_dir, timeout=60, env=settings.environ,
                       what="the backend's module check")
    if found.get("uvicorn") is not True:
        raise DependencyError(f"uvicorn is not installed in the project's interpreter "
                              f"{interpreter.label}",
                              hint=f"{interpreter.path} -m pip install uvicorn")
    for name, module in wanted.items():
        if found.get(module) is not True:
            why = found.get(module)
            detail = f" ({why})" if isinstance(why, str) else ""
            raise ConfigError(f"app {backend.apps[name].app!r}: module {module!r} cannot be found "
                              f"by {interpreter.label}{detail}", file=settings.config_file,
                              key=f"backend.apps.{name}.app",
                              hint="check the module path (run from the project directory), or "
                                   "set [project] python to the project's virtualenv")


def _check_before(settings: Settings, backend: BackendSettings,
                  builtins: Mapping[str, Task] | None) -> None:
    known = set(settings.tasks) | set(settings.workflows) | set(builtins or {})
    for index, name in enumerate(backend.before):
        if name not in known:
            raise ConfigError(f"unknown task or workflow {name!r}",
                              file=settings.config_file, key=f"backend.before[{index}]",
                              hint="define it as [tasks.NAME] or [workflows], or remove it "
                                   "(`pitstop tasks` lists what exists)")


def _run_before(settings: Settings, backend: BackendSettings,
                builtins: Mapping[str, Task] | None) -> tuple[str, ...]:
    from pitstop import engine

    for name in backend.before:
        result = engine.run(settings, name, builtins or {}, trigger="cli",
                            environ=settings.environ)
        if result.exit_code != 0:
            raise DependencyError(f"[backend] before: {name!r} failed (run {result.run_id}, "
                                  f"exit {result.exit_code}): {result.error or result.status}",
                                  hint=f"see `pitstop history show {result.run_id}`; the backend "
                                       "was not started")
    return backend.before


def _check_ports(backend: BackendSettings, specs: Sequence[ProcessSpec],
                 file: Path | None) -> None:
    wanted = [(backend.gateway_host, backend.gateway_port, "the gateway (backend.gateway_port)")]
    wanted += [("127.0.0.1", spec.port, f"process {spec.name}") for spec in specs]
    spares = {spec.app: spec.spare_port for spec in specs}
    wanted += [("127.0.0.1", port, f"app {app}'s spare port (backend.apps.{app}.spare_port)")
               for app, port in spares.items()]
    for host, port, what in wanted:
        if not procs.port_free(host, port):
            holder = procs.port_holder(port)
            raise ConnectError(f"port {port} for {what} is already taken"
                               + (f" by {holder}" if holder else ""),
                               hint="stop what holds it, or change the port in "
                                    f"{file or 'pitstop.toml'} ([backend] gateway_port, "
                                    "[backend.apps.NAME] base_port)")


def _process_status(data: Mapping[str, Any], now: float) -> ProcessStatus:
    health = data.get("health") or {}
    uptime = None
    if data.get("pid") and data.get("started_at"):
        started = dt.datetime.fromisoformat(data["started_at"].replace("Z", "+00:00"))
        uptime = round(now - started.timestamp(), 1)
    return ProcessStatus(
        app=data["app"], index=data["index"], pid=data.get("pid"), port=data["port"],
        state=data["state"], in_rotation=bool(data.get("in_rotation")), uptime_seconds=uptime,
        restarts=int(data.get("restarts", 0)), health_ok=health.get("ok"),
        health_status=health.get("status"), latency_ms=health.get("latency_ms"),
        checked_at=health.get("checked_at"), reason=data.get("reason"),
        log_tail=tuple(data.get("log_tail") or ()))


def _read_status(paths: Paths) -> BackendStatus:
    running = state.is_locked(paths)
    data = state.read(paths)
    if data is None:
        return BackendStatus(running, None, "starting" if running else "stopped", None, ())
    now = time.time()
    gateway = data.get("gateway") or {}
    status = data.get("status", "running")
    if not running:
        alive = [p for p in data.get("processes", ())
                 if p.get("pid") and procs.same_process(p["pid"], p.get("start_time"))]
        status = "orphaned" if alive or (gateway.get("pid") and procs.same_process(
            gateway["pid"], gateway.get("start_time"))) else "stopped"
    processes_ = tuple(_process_status(p, now) for p in data.get("processes", ()))
    if not running:
        processes_ = tuple(dataclasses.replace(p, state="stopped" if status == "stopped" else p.state)
                           for p in processes_)
    return BackendStatus(
        running=running, supervisor_pid=(data.get("supervisor") or {}).get("pid"), status=status,
        gateway=GatewayStatus(gateway.get("pid"), gateway.get("host", "127.0.0.1"),
                              int(gateway.get("port", 0)), bool(gateway.get("up")) and running,
                              int(gateway.get("restarts", 0))) if gateway else None,
        processes=processes_)


# -- verbs ------------------------------------------------------------------------------
@dataclasses.dataclass
class Launch:
    """What a front hands :func:`start` besides its options (kept out of the run
    record: only :meth:`to_dict` is recorded)."""

    builtins: Mapping[str, Task] | None = None
    """The built-in tasks ``before`` may name (the front hands over the registry's)."""
    stop_event: threading.Event | None = None
    """Foreground: set it to stop (the CLI does on SIGTERM and Ctrl-C)."""
    on_ready: Callable[[StartResult], None] | None = None
    """Foreground: told once everything is healthy and the gateway is up."""
    lock_fd: int | None = None
    """The lock a detaching ``start`` hands to the supervisor it starts."""
    ready_fd: int | None = None
    """Where that supervisor says it is ready (or why not)."""

    def to_dict(self) -> dict[str, Any]:
        return {"detached_supervisor": self.lock_fd is not None}


@recorded("backend", "start")
def start(settings: Settings, *, progress: Progress | None = None, foreground: bool = False,
          skip_before: bool = False, launch: Launch | None = None) -> StartResult:
    """Run ``before``, start every app process and the nginx gateway, wait until all
    are healthy.  ``foreground``: supervise here until ``launch.stop_event`` is set;
    else detach a supervisor and return once it is ready."""
    launch = launch or Launch()
    builtins, stop_event, on_ready = launch.builtins, launch.stop_event, launch.on_ready
    lock_fd, ready_fd = launch.lock_fd, launch.ready_fd
    started = time.monotonic()
    backend, specs, paths = plan(settings)
    try:
        if not skip_before:
            _check_before(settings, backend, builtins)
        binary = nginx.find_nginx(backend, settings.environ)
        nginx.prepare(paths)
        if lock_fd is None:  # else the start that detached this supervisor checked it all
            nginx.write_config(paths, nginx.render(backend, specs, paths,
                                                   file=settings.config_file))
            nginx.test_config(binary, paths)
            _check_modules(settings, backend)
        if lock_fd is not None:
            lock: IO[str] = os.fdopen(lock_fd, "a+", encoding="utf-8")
        else:
            _check_leftovers(paths)
            lock = state.acquire(paths)
    except PitstopError as exc:
        _tell(ready_fd, {"error": exc.message, "hint": exc.hint, "exit_code": exc.exit_code})
        raise
    try:
        before = () if skip_before else _run_before(settings, backend, builtins)
        _check_ports(backend, specs, settings.config_file)
        if not foreground:
            return _detach(settings, backend, paths, lock, before, started)
        state.claim(lock, f"supervisor pid {os.getpid()} (pitstop backend start, since "
                          f"{time.strftime('%Y-%m-%d %H:%M:%S')})")
        return _supervise(settings, backend, specs, paths, binary, before, started,
                          stop_event or threading.Event(), ready_fd, on_ready)
    except PitstopError as exc:
        _tell(ready_fd, {"error": exc.message, "hint": exc.hint, "exit_code": exc.exit_code})
        raise
    finally:
        lock.close()


def _check_leftovers(paths: Paths) -> None:
    """Processes of a supervisor that was killed are still running: they hold the ports
    and nobody watches them."""
    previous = _read_status(paths)
    if previous.status == "orphaned":
        alive = [f"{p.app}.{p.index} (pid {p.pid})" for p in previous.processes if p.pid
                 and procs.same_process(p.pid, None)]
        raise BackendError("processes of a previous backend supervisor that is gone are still "
                           f"running: {', '.join(alive) or 'the gateway'}", exit_code=4,
                           hint="`pitstop backend stop` stops them; then start again")


def _tell(fd: int | None, message: Mapping[str, Any]) -> None:
    """Say ``message`` on the ready pipe (once) and close it."""
    if fd is None:
        return
    try:
        os.write(fd, (json.dumps(message) + "\n").encode())
        os.close(fd)
    except OSError:
        pass


def _supervise(settings: Settings, backend: BackendSettings, specs: Sequence[ProcessSpec],
               paths: Paths, binary: Path, before: tuple[str, ...], started: float,
               stop_event: threading.Event, ready_fd: int | None,
               on_ready: Callable[[StartResult], None] | None) -> StartResult:
    from pitstop.backend.supervisor import Supervisor

    supervisor = Supervisor(backend, specs, paths, binary, cwd=settings.project_dir,
                            env=settings.environ, stop_event=stop_event,
                            config_file=settings.config_file,
                            metrics_textfile=settings.metrics.textfile,
                            state_url=settings.state.url)
    try:
        supervisor.start()
        if stop_event.is_set():
            return _started(supervisor, before, started, False, stopped=True)
        result = _started(supervisor, before, started, False)
        _tell(ready_fd, {"ready": result.to_dict()})
        if on_ready is not None:
            on_ready(result)
        supervisor.run()
    finally:
        supervisor.shutdown()
    return dataclasses.replace(result, stopped_at=dt.datetime.now(dt.UTC))


def _started(supervisor: Any, before: tuple[str, ...], started: float, detached: bool,
             stopped: bool = False) -> StartResult:
    status = supervisor.snapshot()
    now = time.time()
    gateway = GatewayStatus(status["gateway"]["pid"], status["gateway"]["host"],
                            status["gateway"]["port"], status["gateway"]["up"], 0)
    return StartResult(detached, os.getpid(), gateway.url,
                       tuple(_process_status(p, now) for p in status["processes"]), before,
                       round(time.monotonic() - started, 3),
                       dt.datetime.now(dt.UTC) if stopped else None)


def _detach(settings: Settings, backend: BackendSettings, paths: Paths, lock: IO[str],
            before: tuple[str, ...], started: float) -> StartResult:
    """Start ``pitstop backend start --foreground`` in a new session, hand it the lock,
    and wait for it to say it is ready (or why not)."""
    read_fd, write_fd = os.pipe()
    argv = [sys.executable, "-m", "pitstop"]
    if settings.config_file is not None:
        argv += ["--config", str(settings.config_file)]
    argv += ["--env-file", str(settings.env_file)] if settings.env_file else ["--no-env-file"]
    argv += ["--log-level", settings.log_level, "--log-format", settings.log_format]
    argv += ["backend", "start", "--foreground", "--skip-before",
             "--lock-fd", str(lock.fileno()), "--ready-fd", str(write_fd)]
    paths.logs.mkdir(parents=True, exist_ok=True)
    with open(paths.supervisor_log, "ab") as output:
        try:
            child = proc.start(argv, cwd=settings.project_dir, env=settings.environ,
                               stdout=output, stderr=output,
                               pass_fds=(lock.fileno(), write_fd)).popen
        finally:
            os.close(write_fd)
    lock.close()  # the supervisor holds it now
    timeout = backend.start_timeout + READY_TIMEOUT_MARGIN
    message = _hear(read_fd, timeout)
    if message is not None and "ready" in message:
        ready = message["ready"]
        return StartResult(True, child.pid, ready["gateway_url"],
                           tuple(_from_dict(p) for p in ready["processes"]),
                           before, round(time.monotonic() - started, 3))
    try:
        code = child.wait(timeout=backend.stop_timeout + 10)
    except subprocess.TimeoutExpired:
        procs.stop_group(child.pid, backend.stop_timeout, reap=child.poll)
        code = child.wait()
    if message is not None and "error" in message:
        raise BackendError(message["error"], exit_code=int(message.get("exit_code", 1)),
                           hint=message.get("hint"))
    tail = "\n  ".join(state.tail(paths.supervisor_log, 15))
    raise BackendError(f"the backend supervisor did not become ready (exit {code}); last lines "
                       f"of {paths.supervisor_log}:\n  {tail}")


def _from_dict(data: Mapping[str, Any]) -> ProcessStatus:
    values: dict[str, Any] = {k: (tuple(v) if k == "log_tail" else v) for k, v in data.items()}
    return ProcessStatus(**values)


def _hear(fd: int, timeout: float) -> dict[str, Any] | None:
    """One JSON line from the ready pipe, or None at EOF or timeout."""
    buffer = b""
    deadline = time.monotonic() + timeout
    try:
        while b"\n" not in buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buffer += chunk
    finally:
        os.close(fd)
    try:
        message = json.loads(buffer.split(b"\n", 1)[0] or b"null")
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def status(settings: Settings, *, progress: Progress | None = None) -> BackendStatus:
    """Each process — app, index, pid, port, uptime, restarts, last health result and
    latency — and the gateway, as the running supervisor last wrote them."""
    backend = settings.section(BackendSettings)
    del backend  # the section is validated; the state file says what runs
    return _read_status(paths_for(settings.state_dir))


@recorded("backend", "stop")
def stop(settings: Settings, *, progress: Progress | None = None,
         timeout: float | None = None) -> StopResult:
    """SIGTERM to the supervisor, which quits nginx and stops every process group
    (SIGTERM, ``stop_timeout`` of grace, SIGKILL); waits until it is gone.  Processes
    left by a supervisor that died are killed by their recorded pids."""
    backend = settings.section(BackendSettings)
    paths = paths_for(settings.state_dir)
    data = state.read(paths) or {}
    names = tuple(p["name"] for p in data.get("processes", ()) if p.get("pid")) \
        + (("gateway",) if (data.get("gateway") or {}).get("pid") else ())
    supervisor = data.get("supervisor") or {}
    pid = supervisor.get("pid")
    if state.is_locked(paths):
        if not pid or not procs.same_process(pid, supervisor.get("start_time")):
            raise BackendError(f"the backend is starting ({state.holder(paths)}): try again "
                               "in a moment", exit_code=4)
        os.kill(pid, 15)
        wait = timeout if timeout is not None else backend.stop_timeout * 2 + 15
        deadline = time.monotonic() + wait
        while state.is_locked(paths) or procs.same_process(pid, supervisor.get("start_time")):
            if time.monotonic() > deadline:
                raise BackendError(f"the supervisor (pid {pid}) did not stop within {wait:g} s",
                                   hint=f"kill -9 {pid}, then run `pitstop backend stop` again "
                                        "to stop what it left")
            time.sleep(0.05)  # another process's lock: nothing to wait on but the file
        return StopResult(True, pid, names)
    leftovers: list[str] = []
    entries = [(p["name"], p.get("pid"), p.get("start_time")) for p in data.get("processes", ())]
    gateway = data.get("gateway") or {}
    entries.append(("gateway", gateway.get("pid"), gateway.get("start_time")))
    for name, child, started in entries:
        if child and procs.same_process(child, started):
            procs.stop_group(child, backend.stop_timeout)
            leftovers.append(name)
    state.remove(paths)
    return StopResult(False, pid, tuple(leftovers), tuple(leftovers))


def nginx_config(settings: Settings, *, progress: Progress | None = None) -> NginxConfig:
    """The nginx configuration the gateway runs with (every process in rotation)."""
    backend, specs, paths = plan(settings)
    return NginxConfig(paths.nginx_conf, nginx.render(backend, specs, paths,
                                                      file=settings.config_file))


# -- restart ----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Replaced:
    """One process of a rolling restart."""

    name: str
    ok: bool
    old_pid: int | None
    pid: int | None
    port: int
    old_port: int | None = None
    note: str | None = None
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class RestartResult(Result):
    """What ``restart`` replaced; ``ok`` False when a replacement did not come up
    (the old process then keeps serving, and the restart stops there)."""

    ok: bool
    processes: tuple[Replaced, ...]
    error: str | None = None

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def _running_supervisor(paths: Paths) -> int:
    data = state.read(paths) or {}
    supervisor = data.get("supervisor") or {}
    if not state.is_locked(paths) or data.get("status") != "running":
        raise BackendError("the backend is not running", exit_code=1,
                           hint="start it with `pitstop backend start`")
    return int(supervisor.get("pid") or 0)


@recorded("backend", "restart")
def restart(settings: Settings, *, progress: Progress | None = None, app: str | None = None,
            timeout: float | None = None) -> RestartResult:
    """Rolling restart of ``app``'s processes (all apps when None), one at a time: a
    replacement starts on a spare port, is probed until healthy, the gateway switches
    to it (``nginx`` reload), nginx's old workers finish their requests, then the old
    process is stopped gracefully — no request fails."""
    backend, specs, paths = plan(settings)
    if app is not None and app not in backend.apps and app not in {s.name for s in specs}:
        raise ConfigError(f"no app or process {app!r} in [backend.apps]",
                          file=settings.config_file, key="backend.apps",
                          hint=f"known apps: {', '.join(backend.apps)}")
    _running_supervisor(paths)
    import uuid

    request_id = uuid.uuid4().hex
    paths.control.mkdir(parents=True, exist_ok=True)
    temporary = paths.control / f"{request_id}.tmp"
    temporary.write_text(json.dumps({"apps": [app] if app else None}), encoding="utf-8")
    os.replace(temporary, paths.control / f"{request_id}.request.json")
    count = sum(1 for s in specs if app is None or app in (s.app, s.name))
    wait = timeout if timeout is not None else \
        count * (backend.start_timeout + 2 * backend.stop_timeout + 10)
    done = paths.control / f"{request_id}.done.json"
    deadline = time.monotonic() + wait
    while not done.exists():
        if time.monotonic() > deadline or not state.is_locked(paths):
            (paths.control / f"{request_id}.request.json").unlink(missing_ok=True)
            raise BackendError(f"the rolling restart did not finish within {wait:g} s"
                               if state.is_locked(paths) else "the backend stopped during the "
                               "rolling restart", hint="see `pitstop backend status`")
        time.sleep(0.05)  # the supervisor answers with a file
    data = json.loads(done.read_text(encoding="utf-8"))
    done.unlink(missing_ok=True)
    return RestartResult(bool(data.get("ok")),
                         tuple(Replaced(**p) for p in data.get("processes", ())), data.get("error"))


# -- logs -------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class LogLine:
    process: str
    text: str


@dataclasses.dataclass(frozen=True)
class LogTail(Result):
    """The last lines of the processes' logs, merged in time order."""

    lines: tuple[LogLine, ...]
    files: tuple[Path, ...]


def _log_names(settings: Settings, app: str | None) -> list[str]:
    backend = settings.section(BackendSettings)
    names = [f"{name}.{index}" for name, spec in backend.apps.items()
             for index in range(spec.processes)]
    if app is None:
        return names
    chosen = [n for n in names if n == app or n.rsplit(".", 1)[0] == app]
    if not chosen:
        raise ConfigError(f"no app or process {app!r} in [backend.apps]",
                          file=settings.config_file, key="backend.apps",
                          hint=f"known: {', '.join(names) or 'none'}")
    return chosen


def _stamp(text: str) -> str:
    return text[:19] if len(text) >= 19 and text[4] == "-" and text[13] == ":" else ""


def logs(settings: Settings, *, progress: Progress | None = None, app: str | None = None,
         lines: int = 50, follow: bool = False, on_line: Callable[[LogLine], None] | None = None,
         stop_event: threading.Event | None = None) -> LogTail:
    """The last ``lines`` lines of each process's log (of ``app``, or one process
    ``api.0``), merged by time, each named by its process.  ``follow``: then hand every
    new line to ``on_line`` until ``stop_event`` is set (rotated files are followed)."""
    paths = paths_for(settings.state_dir)
    names = _log_names(settings, app)
    merged: list[tuple[str, int, LogLine]] = []
    for order, name in enumerate(names):
        for text in state.tail(paths.process_log(name), lines):
            merged.append((_stamp(text), order, LogLine(name, text)))
    merged.sort(key=lambda item: (item[0], item[1]))
    result = LogTail(tuple(item[2] for item in merged[-lines:] if lines),
                     tuple(paths.process_log(n) for n in names))
    if follow and on_line is not None:
        for line in result.lines:
            on_line(line)
        _follow(paths, names, on_line, stop_event or threading.Event())
    return result


def _follow(paths: Paths, names: Sequence[str], on_line: Callable[[LogLine], None],
            stop_event: threading.Event) -> None:
    """``tail -F`` over several files: new lines as they are written, across rotations."""
    handles: dict[str, tuple[IO[bytes], int]] = {}

    def reopen(name: str, at_end: bool) -> None:
        try:
            handle = open(paths.process_log(name), "rb")  # noqa: SIM115 - kept while following
        except OSError:
            return
        if at_end:
            handle.seek(0, os.SEEK_END)
        handles[name] = (handle, os.fstat(handle.fileno()).st_ino)

    for name in names:
        reopen(name, True)
    partial: dict[str, bytes] = {}
    try:
        while not stop_event.is_set():
            for name in names:
                if name not in handles:
                    reopen(name, False)
                    continue
                handle, inode = handles[name]
                data = handle.read()
                if data:
                    chunks = (partial.pop(name, b"") + data).split(b"\n")
                    partial[name] = chunks.pop()
                    for chunk in chunks:
                        on_line(LogLine(name, chunk.decode("utf-8", "replace")))
                    continue
                try:
                    rotated = os.stat(paths.process_log(name)).st_ino != inode
                except OSError:
                    rotated = True
                if rotated:
                    handle.close()
                    del handles[name]
                    reopen(name, False)
            stop_event.wait(0.2)  # plain files: no portable way to be told of new lines
    finally:
        for handle, _inode in handles.values():
            handle.close()


# -- export -----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ExportFile:
    name: str
    text: str


@dataclasses.dataclass(frozen=True)
class ExportResult(Result):
    """Process definitions for production (and where they were written)."""

    kind: str
    files: tuple[ExportFile, ...]
    nginx_config: Path
    """The gateway config they run nginx with (written by the export)."""
    written: tuple[Path, ...] = ()


@recorded("backend", "export")
def export(settings: Settings, *, progress: Progress | None = None, kind: str = "systemd",
           output: Path | None = None) -> ExportResult:
    """systemd units, a supervisord configuration or a Procfile that run the same
    processes (the project's interpreter, the same ports and environment) and nginx
    with the generated gateway config — written to ``.pitstop/backend/nginx/`` so the
    definitions can point at it.  ``output``: also write the files into that directory."""
    from pitstop.backend import units as exporters

    if kind not in exporters.KINDS:
        raise ConfigError(f"unknown export kind {kind!r}: expected one of "
                          f"{', '.join(exporters.KINDS)}")
    backend, specs, paths = plan(settings)
    binary = nginx.find_nginx(backend, settings.environ)
    nginx.write_config(paths, nginx.render(backend, specs, paths, file=settings.config_file))
    gateway = nginx.run_argv(binary, paths)
    project = settings.project_dir
    if kind == "systemd":
        files = exporters.systemd(backend, specs, paths, gateway, project, settings.env_file
                                  or project / ".env")
    elif kind == "supervisor":
        files = exporters.supervisor(backend, specs, paths, gateway, project)
    else:
        files = exporters.procfile(specs, gateway)
    written: list[Path] = []
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (output / name).write_text(text, encoding="utf-8")
            written.append(output / name)
    return ExportResult(kind, tuple(ExportFile(n, t) for n, t in files.items()),
                        paths.nginx_conf, tuple(written))
