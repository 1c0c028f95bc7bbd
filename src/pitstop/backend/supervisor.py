"""The supervisor: starts the app processes and nginx, keeps them alive and healthy,
and stops them all.

One loop thread ticks every 100 ms: it notices processes that exited (restarting
them with exponential backoff, or marking them failed when they flap), collects
health probes (run on a small thread pool so a slow one never stalls the loop), takes
processes that fail ``failure_threshold`` probes in a row out of the gateway and
restarts them, and rewrites nginx's config and reloads it whenever the set of
processes in rotation changes.  Everything it knows is written to the state file
(:mod:`pitstop.backend.state`) for ``status`` in another shell."""

from __future__ import annotations

import collections
import concurrent.futures as cf
import datetime as dt
import json
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pitstop.backend import nginx, procs, state
from pitstop.backend.layout import Paths, ProcessSpec
from pitstop.backend.settings import BackendSettings
from pitstop.errors import PitstopError

log = logging.getLogger("pitstop.backend")

TICK = 0.1
STARTING_PROBE_INTERVAL = 0.1
LOG_TAIL_LINES = 20


class StartFailedError(PitstopError):
    """A process (or nginx) did not come up: exit 1, with what it said."""


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


_HEALTH = {"healthy": "pass", "gateway-start": "pass", "restart": "warn", "replaced": "pass",
           "unhealthy": "fail", "exit": "fail", "failed": "fail", "start-timeout": "fail",
           "gateway-exit": "fail"}
"""Events kept in the state store as health-check results (``backend.api.0``,
``backend.gateway``), so history and ``pitstop_health_check_up`` show them."""


class EventStore:
    """Writes events into the state store from a thread of its own: a slow or broken
    state database never holds up supervision (a failure is one warning)."""

    def __init__(self, url: str) -> None:
        import queue

        self.url = url
        self.queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.warned = False
        self.thread = threading.Thread(target=self.drain, name="pitstop-events", daemon=True)
        self.thread.start()

    def put(self, name: str, kind: str, record: Mapping[str, Any]) -> None:
        from pitstop.state.store import HealthCheckRecord

        observed = {k: v for k, v in record.items() if k not in ("at", "event", "process")}
        message = f"{kind}" + "".join(f" {k}={v}" for k, v in observed.items())
        self.queue.put(HealthCheckRecord(name, _HEALTH[kind], observed.get("latency_ms") and
                                         observed["latency_ms"] / 1000, observed, message, None,
                                         dt.datetime.now(dt.UTC)))

    def drain(self) -> None:
        from pitstop.state.store import StateStore

        while True:
            batch = [self.queue.get()]
            while not self.queue.empty():
                batch.append(self.queue.get())
            done = None in batch
            records = [r for r in batch if r is not None]
            try:
                if records:
                    with StateStore.open(self.url) as store:
                        store.record_health_checks(records)
            except Exception as exc:  # noqa: BLE001 - the history is never worth a failed backend
                if not self.warned:
                    self.warned = True
                    log.warning("cannot record the backend's events in the state store: %s", exc)
            if done:
                return

    def close(self, timeout: float = 5.0) -> None:
        self.queue.put(None)
        self.thread.join(timeout)


class Slot:
    """One supervised process and everything known about it."""

    def __init__(self, spec: ProcessSpec, log_file: procs.RotatingLog) -> None:
        self.spec = spec
        self.port = spec.port
        self.log = log_file
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid_started: float | None = None
        self.started_at: str | None = None
        self.started_mono = 0.0
        self.state = "stopped"
        self.in_rotation = False
        self.restarts = 0
        self.streak = 0
        self.exits: collections.deque[float] = collections.deque()
        self.health: dict[str, Any] | None = None
        self.failures = 0
        self.next_start: float | None = None
        self.next_probe = 0.0
        self.probe: cf.Future[dict[str, Any]] | None = None
        self.last_exit: int | None = None
        self.reason: str | None = None
        self.log_tail: list[str] = []
        self.kill_at: float | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    def to_dict(self) -> dict[str, Any]:
        pid = self.proc.pid if self.proc is not None else None
        return {"app": self.spec.app, "index": self.spec.index, "name": self.name,
                "pid": pid, "pgid": pid, "start_time": self.pid_started, "port": self.port,
                "state": self.state, "in_rotation": self.in_rotation,
                "started_at": self.started_at, "restarts": self.restarts,
                "last_exit": self.last_exit, "reason": self.reason, "health": self.health,
                "log": str(self.log.path), "log_tail": self.log_tail}


def probe(host: str, port: int, path: str, timeout: float) -> dict[str, Any]:
    """One health probe: ``{ok, status, latency_ms, checked_at, error}``."""
    from pitstop.checks.http import http_request

    at = _now_iso()
    try:
        status, _body, seconds = http_request(f"http://{host}:{port}{path}", timeout=timeout)
    except PitstopError as exc:
        return {"ok": False, "status": None, "latency_ms": None, "checked_at": at,
                "error": exc.message}
    ok = 200 <= status < 400
    return {"ok": ok, "status": status, "latency_ms": round(seconds * 1000, 2), "checked_at": at,
            "error": None if ok else f"answered {status}"}


def wait_for_port(host: str, port: int, deadline: float, alive: Callable[[], bool]) -> bool:
    """Whether ``host:port`` accepts connections before ``deadline`` (False as soon as
    ``alive()`` says the server is gone)."""
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            if not alive():
                return False
            time.sleep(0.02)  # the only signal that a server listens is a connection
    return False


class Supervisor:
    """Runs the processes of one project's backend until :attr:`stop_event` is set."""

    def __init__(self, backend: BackendSettings, specs: Sequence[ProcessSpec], paths: Paths,
                 nginx_binary: Path, *, cwd: Path, env: Mapping[str, str],
                 stop_event: threading.Event, config_file: Path | None = None,
                 metrics_textfile: Path | None = None, state_url: str | None = None) -> None:
        self.backend, self.paths, self.nginx_binary = backend, paths, nginx_binary
        self.cwd, self.env, self.stop_event, self.config_file = cwd, dict(env), stop_event, config_file
        self.specs = tuple(specs)
        self.metrics_files = [paths.root / "metrics.prom"]
        if metrics_textfile is not None:
            self.metrics_files.append(metrics_textfile.with_name("pitstop_backend.prom"))
        paths.logs.mkdir(parents=True, exist_ok=True)
        self.slots = [Slot(spec, procs.RotatingLog(paths.process_log(spec.name),
                                                   backend.log_max_size, backend.log_backups))
                      for spec in specs]
        self.nginx_log = procs.RotatingLog(paths.logs / "nginx.log", backend.log_max_size,
                                           backend.log_backups)
        self.nginx_proc: subprocess.Popen[bytes] | None = None
        self.nginx_started: float | None = None
        self.nginx_restarts = 0
        self.nginx_next_start: float | None = None
        self.status = "starting"
        self.own_start_time: float | None = None
        self.started_at = _now_iso()
        self.pool = cf.ThreadPoolExecutor(max_workers=max(2, min(16, len(self.slots))),
                                          thread_name_prefix="pitstop-health")
        self.lock = threading.RLock()
        self.rotation_dirty = False
        self.in_flight: set[subprocess.Popen[bytes]] = set()
        """Processes of a rolling restart not (or no longer) in a slot."""
        self.restarting: threading.Thread | None = None
        self.events_lock = threading.Lock()
        self.store = EventStore(state_url) if state_url else None
        self.events = open(paths.root / "events.jsonl", "a", encoding="utf-8")  # noqa: SIM115

    # -- events and state ---------------------------------------------------------------
    def event(self, kind: str, slot: Slot | None = None, **data: Any) -> None:
        record = {"at": _now_iso(), "event": kind, **({"process": slot.name} if slot else {}), **data}
        with self.events_lock:
            if not self.events.closed:
                self.events.write(json.dumps(record) + "\n")
                self.events.flush()
        if self.store is not None and kind in _HEALTH:
            self.store.put(f"backend.{slot.name}" if slot else "backend.gateway", kind, record)
        log.info("%s%s%s", f"{slot.name}: " if slot else "", kind,
                 "".join(f" {k}={v}" for k, v in data.items()))

    def snapshot(self) -> dict[str, Any]:
        own = os.getpid()
        if self.own_start_time is None:
            self.own_start_time = procs.start_time(own)
        gateway_pid = self.nginx_proc.pid if self.nginx_proc is not None else None
        return {
            "status": self.status,
            "project_dir": str(self.cwd),
            "supervisor": {"pid": own, "start_time": self.own_start_time,
                           "started_at": self.started_at},
            "gateway": {"pid": gateway_pid, "pgid": gateway_pid, "start_time": self.nginx_started,
                        "host": self.backend.gateway_host, "port": self.backend.gateway_port,
                        "up": self.nginx_proc is not None and self.nginx_proc.poll() is None,
                        "restarts": self.nginx_restarts, "config": str(self.paths.nginx_conf)},
            "processes": [slot.to_dict() for slot in self.slots],
        }

    def save(self) -> None:
        snapshot = self.snapshot()
        state.write(self.paths, snapshot)
        self.write_metrics(snapshot)

    def write_metrics(self, snapshot: Mapping[str, Any]) -> None:
        from pitstop.backend import metrics

        text = metrics.render(snapshot)
        for path in self.metrics_files:
            try:
                metrics.write(path, text)
            except OSError as exc:
                log.warning("cannot write the backend's metrics to %s: %s", path, exc)

    # -- one process ----------------------------------------------------------------------
    def spawn(self, slot: Slot) -> None:
        env = {**self.env, **slot.spec.env, "PORT": str(slot.port)}
        argv = slot.spec.argv_for(slot.port)
        now = time.monotonic()
        try:
            slot.proc = procs.spawn(argv, cwd=self.cwd, env=env, log=slot.log)
        except OSError as exc:
            slot.proc = None
            slot.log.write(f"pitstop: cannot start {argv[0]}: {exc}\n".encode())
            self.exited(slot, None, now, why=f"cannot start {argv[0]}: {exc.strerror or exc}")
            return
        slot.pid_started = procs.start_time(slot.proc.pid)
        slot.started_at, slot.started_mono = _now_iso(), now
        slot.state, slot.failures, slot.kill_at = "starting", 0, None
        slot.next_probe = now + STARTING_PROBE_INTERVAL
        self.event("start", slot, pid=slot.proc.pid, port=slot.port)

    def exited(self, slot: Slot, code: int | None, now: float, why: str | None = None) -> None:
        if slot.proc is not None:
            procs.signal_group(slot.proc.pid, signal.SIGKILL)  # what it left behind
        slot.proc, slot.last_exit, slot.kill_at, slot.probe = None, code, None, None
        # it stays in the upstream: nginx retries a refused connection on the next
        # process, and a reload now would close clients' idle keep-alive connections
        self.event("exit", slot, code=code)
        slot.exits.append(now)
        while slot.exits and slot.exits[0] < now - self.backend.flap_window:
            slot.exits.popleft()
        if len(slot.exits) >= self.backend.flap_count:
            slot.state, slot.next_start = "failed", None
            slot.reason = why or (f"exited {len(slot.exits)} times within "
                                  f"{self.backend.flap_window:g} s (last exit code {code})")
            slot.log_tail = state.tail(slot.log.path, LOG_TAIL_LINES)
            if slot.in_rotation:
                slot.in_rotation, self.rotation_dirty = False, True
            self.event("failed", slot, reason=slot.reason)
            return
        delay = min(self.backend.restart_backoff * (2 ** slot.streak), self.backend.restart_backoff_max)
        slot.streak += 1
        slot.state, slot.next_start = "backoff", now + delay
        slot.reason = why or f"exited with code {code}; restarting in {delay:g} s"

    def terminate(self, slot: Slot, now: float) -> None:
        """Begin stopping ``slot``'s process (SIGTERM now, SIGKILL at the deadline)."""
        if slot.proc is not None and slot.kill_at is None:
            procs.signal_group(slot.proc.pid, signal.SIGTERM)
            slot.kill_at = now + self.backend.stop_timeout

    def tick_slot(self, slot: Slot, now: float) -> None:
        if slot.proc is not None:
            code = slot.proc.poll()
            if code is not None:
                self.exited(slot, code, now)
                return
            if slot.kill_at is not None and now >= slot.kill_at:
                procs.signal_group(slot.proc.pid, signal.SIGKILL)
        if slot.state == "backoff" and slot.next_start is not None and now >= slot.next_start:
            slot.restarts += 1
            self.event("restart", slot, restarts=slot.restarts)
            self.spawn(slot)
            return
        if slot.proc is None or slot.kill_at is not None:
            return
        if slot.probe is not None and slot.probe.done():
            self.probed(slot, slot.probe.result(), now)
            slot.probe = None
        if slot.state == "starting" and now - slot.started_mono > self.backend.start_timeout:
            slot.reason = (f"did not answer {slot.spec.health} within "
                           f"{self.backend.start_timeout:g} s of starting")
            self.event("start-timeout", slot)
            self.terminate(slot, now)
            return
        if slot.probe is None and now >= slot.next_probe:
            slot.probe = self.pool.submit(probe, "127.0.0.1", slot.port, slot.spec.health,
                                          self.backend.health_timeout)

    def probed(self, slot: Slot, result: dict[str, Any], now: float) -> None:
        starting = slot.state == "starting"
        if starting and not result["ok"]:
            slot.next_probe = now + STARTING_PROBE_INTERVAL
            if result["status"] is not None:
                slot.health = result
            return
        slot.health = result
        slot.next_probe = now + self.backend.health_interval
        if result["ok"]:
            slot.failures = 0
            if slot.state != "healthy":
                slot.state, slot.streak, slot.reason = "healthy", 0, None
                self.event("healthy", slot, latency_ms=result["latency_ms"])
            if not slot.in_rotation:
                slot.in_rotation, self.rotation_dirty = True, True
            return
        slot.failures += 1
        if slot.failures >= self.backend.failure_threshold and slot.state == "healthy":
            slot.state = "unhealthy"
            slot.reason = (f"{slot.failures} failed health probes in a row "
                           f"({result['error']}); restarting")
            self.event("unhealthy", slot, error=result["error"])
            if slot.in_rotation:
                slot.in_rotation, self.rotation_dirty = False, True
            self.apply_rotation()
            self.terminate(slot, now)

    # -- nginx ----------------------------------------------------------------------------
    def render(self) -> str:
        down = [slot.name for slot in self.slots if not slot.in_rotation]
        ports = {slot.name: slot.port for slot in self.slots}
        return nginx.render(self.backend, self.specs, self.paths, ports=ports, down=down,
                            file=self.config_file)

    def apply_rotation(self) -> None:
        """Rewrite the config for the processes in rotation and reload nginx."""
        if not self.rotation_dirty:
            return
        self.rotation_dirty = False
        nginx.write_config(self.paths, self.render())
        if self.nginx_proc is not None and self.nginx_proc.poll() is None:
            try:
                nginx.test_config(self.nginx_binary, self.paths)
            except PitstopError as exc:
                self.event("reload-failed", error=exc.message)
                return
            os.kill(self.nginx_proc.pid, signal.SIGHUP)
            self.event("reload", in_rotation=[s.name for s in self.slots if s.in_rotation])

    def start_nginx(self) -> None:
        self.nginx_proc = procs.spawn(nginx.run_argv(self.nginx_binary, self.paths), cwd=self.cwd,
                                      env=self.env, log=self.nginx_log)
        self.nginx_started = procs.start_time(self.nginx_proc.pid)
        self.event("gateway-start", pid=self.nginx_proc.pid, port=self.backend.gateway_port)

    def tick_nginx(self, now: float) -> None:
        if self.nginx_proc is not None:
            code = self.nginx_proc.poll()
            if code is None:
                return
            procs.signal_group(self.nginx_proc.pid, signal.SIGKILL)
            self.nginx_proc = None
            delay = min(self.backend.restart_backoff * (2 ** min(self.nginx_restarts, 6)),
                        self.backend.restart_backoff_max)
            self.nginx_next_start = now + delay
            self.event("gateway-exit", code=code)
        if self.nginx_next_start is not None and now >= self.nginx_next_start:
            self.nginx_next_start = None
            self.nginx_restarts += 1
            self.rotation_dirty = True
            self.apply_rotation()
            self.start_nginx()

    # -- rolling restarts -----------------------------------------------------------------
    def check_control(self) -> None:
        """Pick up ``pitstop backend restart`` requests (``control/ID.request.json``)."""
        try:
            names = sorted(n for n in os.listdir(self.paths.control) if n.endswith(".request.json"))
        except FileNotFoundError:
            return
        for name in names:
            path = self.paths.control / name
            request_id = name.removesuffix(".request.json")
            try:
                request = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                request = {}
            path.unlink(missing_ok=True)
            if self.restarting is not None and self.restarting.is_alive():
                self.answer(request_id, {"ok": False, "processes": [],
                                         "error": "a rolling restart is already running"})
                continue
            self.restarting = threading.Thread(target=self.rolling_restart,
                                               args=(request_id, request.get("apps")),
                                               name="pitstop-restart", daemon=True)
            self.restarting.start()

    def answer(self, request_id: str, data: Mapping[str, Any]) -> None:
        done = self.paths.control / f"{request_id}.done.json"
        temporary = done.with_suffix(".tmp")
        temporary.write_text(json.dumps(data), encoding="utf-8")
        os.replace(temporary, done)

    def rolling_restart(self, request_id: str, apps: Sequence[str] | None) -> None:
        """Replace the processes of ``apps`` (all when None) one at a time."""
        results: list[dict[str, Any]] = []
        error = None
        try:
            for slot in self.slots:
                if apps and slot.spec.app not in apps and slot.name not in apps:
                    continue
                if self.stop_event.is_set():
                    error = "the backend is stopping"
                    break
                outcome = self.replace(slot)
                results.append(outcome)
                if not outcome["ok"]:
                    error = outcome["error"]
                    break
        except Exception as exc:  # noqa: BLE001 - told to the waiting command, never lost
            error = f"{type(exc).__name__}: {exc}"
        self.answer(request_id, {"ok": error is None, "error": error, "processes": results})

    def replace(self, slot: Slot) -> dict[str, Any]:
        """Replace ``slot``'s process on its own port without failing a request.

        The old process stops gracefully (finishing its requests); connections nginx
        makes meanwhile are refused and retried on the app's other processes — or, when
        none serves, on a stand-in started first on the app's spare port (the upstream's
        ``backup`` server).  The new process starts on the same port; once it answers,
        the stand-in stops.  No reload: clients' keep-alive connections stay open."""
        with self.lock:
            old = slot.proc
            if old is None or slot.state == "failed":
                slot.exits.clear()
                slot.streak, slot.state, slot.next_start = 0, "backoff", time.monotonic()
                return {"name": slot.name, "ok": True, "old_pid": None, "pid": None,
                        "port": slot.port, "note": "was not running: started again"}
            serving = any(s is not slot and s.spec.app == slot.spec.app and s.state == "healthy"
                          and s.in_rotation for s in self.slots)
        stand_in = None
        if not serving:
            stand_in, failure = self.start_stand_in(slot)
            if stand_in is None:
                return {"name": slot.name, "ok": False, "old_pid": old.pid, "pid": None,
                        "port": slot.port, "error": f"{slot.name}: {failure}; old process kept"}
        try:
            with self.lock:
                slot.state, slot.probe, slot.proc = "restarting", None, None
                self.in_flight.add(old)
            procs.stop_group(old.pid, self.backend.stop_timeout, reap=old.poll)
            old.wait()
            with self.lock:
                self.in_flight.discard(old)
                slot.restarts += 1
                self.spawn(slot)
            deadline = time.monotonic() + self.backend.start_timeout
            while slot.state not in ("healthy", "failed", "backoff"):
                if time.monotonic() > deadline or self.stop_event.is_set():
                    break
                self.stop_event.wait(STARTING_PROBE_INTERVAL / 2)
        finally:
            if stand_in is not None:
                procs.stop_group(stand_in.pid, self.backend.stop_timeout, reap=stand_in.poll)
                stand_in.wait()
                self.in_flight.discard(stand_in)
        if slot.state != "healthy":
            return {"name": slot.name, "ok": False, "old_pid": old.pid, "pid": None,
                    "port": slot.port, "error": f"{slot.name}: the new process did not become "
                    f"healthy ({slot.reason or slot.state})"}
        pid = slot.proc.pid if slot.proc is not None else None
        self.event("replaced", slot, old_pid=old.pid, pid=pid, port=slot.port,
                   stand_in=stand_in is not None)
        return {"name": slot.name, "ok": True, "old_pid": old.pid, "pid": pid, "port": slot.port,
                "old_port": slot.port}

    def start_stand_in(self, slot: Slot) -> tuple[subprocess.Popen[bytes] | None, str]:
        """A process of ``slot``'s app on the spare port, once it answers its health path."""
        fresh = Slot(slot.spec, slot.log)
        fresh.port = slot.spec.spare_port
        with self.lock:
            self.spawn(fresh)
            if fresh.proc is None:
                return None, fresh.reason or "the stand-in could not start"
            self.in_flight.add(fresh.proc)
        new = fresh.proc
        deadline = time.monotonic() + self.backend.start_timeout
        while True:
            code = new.poll()
            failure = (f"the stand-in on spare port {fresh.port} exited with code {code}"
                       if code is not None else "the backend is stopping"
                       if self.stop_event.is_set() else
                       f"the stand-in on spare port {fresh.port} did not answer "
                       f"{slot.spec.health} within {self.backend.start_timeout:g} s"
                       if time.monotonic() > deadline else None)
            if failure:
                procs.stop_group(new.pid, self.backend.stop_timeout, reap=new.poll)
                new.wait()
                self.in_flight.discard(new)
                self.event("stand-in-failed", slot, error=failure)
                tail = state.tail(slot.log.path, 5)
                return None, failure + (": " + " | ".join(tail) if tail else "")
            if probe("127.0.0.1", fresh.port, slot.spec.health, self.backend.health_timeout)["ok"]:
                self.event("stand-in", slot, pid=new.pid, port=fresh.port)
                return new, ""
            self.stop_event.wait(STARTING_PROBE_INTERVAL)

    # -- the whole --------------------------------------------------------------------------
    def tick(self) -> None:
        with self.lock:
            now = time.monotonic()
            for slot in self.slots:
                self.tick_slot(slot, now)
            self.apply_rotation()
            if self.status == "running":
                self.tick_nginx(now)
                self.check_control()

    def start(self) -> None:
        """Start every process, wait until each is healthy, then start nginx in front
        of them.  :class:`StartFailedError` (everything stopped again) when one fails."""
        self.save()
        for slot in self.slots:
            self.spawn(slot)
        self.save()
        while not self.stop_event.is_set():
            self.tick()
            failed = [slot for slot in self.slots if slot.state == "failed"]
            if failed:
                self.save()
                raise StartFailedError(self._failure_text(failed),
                                       hint="fix the app (its log tail is above), then start again")
            if all(slot.state == "healthy" for slot in self.slots):
                break
            self.stop_event.wait(TICK / 5)
        if self.stop_event.is_set():
            return
        self.rotation_dirty = True
        self.apply_rotation()
        nginx.test_config(self.nginx_binary, self.paths)
        self.start_nginx()
        assert self.nginx_proc is not None
        proc = self.nginx_proc
        host = "127.0.0.1" if self.backend.gateway_host in ("0.0.0.0", "::") else self.backend.gateway_host
        if not wait_for_port(host, self.backend.gateway_port, time.monotonic() + 15,
                             lambda: proc.poll() is None):
            said = state.tail(self.paths.logs / "nginx.log", 5) \
                + state.tail(self.paths.logs / "nginx-error.log", 5)
            raise StartFailedError("nginx did not start listening on "
                                   f"{self.backend.gateway_host}:{self.backend.gateway_port}: "
                                   + (" | ".join(said) or f"exit {proc.poll()}"))
        self.status = "running"
        self.save()

    def _failure_text(self, failed: Sequence[Slot]) -> str:
        parts = []
        for slot in failed:
            tail = "\n    ".join(slot.log_tail[-10:]) or "(it printed nothing)"
            parts.append(f"{slot.name} ({' '.join(slot.spec.argv[:4])} …) failed: {slot.reason}\n"
                         f"  last lines of {slot.log.path}:\n    {tail}")
        return "\n".join(parts)

    def run(self) -> None:
        """Supervise until :attr:`stop_event` is set."""
        last = ""
        while not self.stop_event.is_set():
            self.tick()
            text = json.dumps(self.snapshot(), sort_keys=True)
            if text != last:
                self.save()
                last = text
            self.stop_event.wait(TICK)

    def shutdown(self) -> None:
        """nginx quits, then every process group gets SIGTERM, ``stop_timeout`` of grace,
        then SIGKILL; the state file is removed."""
        with self.lock:
            self.status = "stopping"
            self.save()
            timeout = self.backend.stop_timeout
            threads = []
            if self.nginx_proc is not None:
                proc = self.nginx_proc
                threads.append(threading.Thread(target=procs.stop_group, args=(proc.pid, timeout),
                                                kwargs={"sig": signal.SIGQUIT, "reap": proc.poll}))
            for extra in list(self.in_flight):
                threads.append(threading.Thread(target=procs.stop_group, args=(extra.pid, timeout),
                                                kwargs={"reap": extra.poll}))
            for slot in self.slots:
                if slot.proc is not None:
                    threads.append(threading.Thread(
                        target=procs.stop_group, args=(slot.proc.pid, timeout),
                        kwargs={"reap": slot.proc.poll}))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            for slot in self.slots:
                if slot.proc is not None:
                    slot.proc.wait()
                    slot.proc, slot.state, slot.in_rotation = None, "stopped", False
                slot.log.close()
            if self.nginx_proc is not None:
                self.nginx_proc.wait()
                self.nginx_proc = None
            self.nginx_log.close()
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.event("stopped")
            self.events.close()
            if self.store is not None:
                self.store.close()
            self.write_metrics(self.snapshot())
            state.remove(self.paths)
