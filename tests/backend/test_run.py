"""Real uvicorn processes in the project's virtualenv, behind a real nginx, with real
signals: start, talk through the gateway (HTTP and WebSocket), status from another
process, a second start refused, kill -9 under load, stop leaving nothing behind."""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import signal
import socket
import subprocess
from pathlib import Path

import httpx

from backend.conftest import Backend, free_ports, pid_alive

TWO_APPS = """
[backend.apps.api]
app = "app.main:app"
processes = 2
base_port = {api}
env = {{ GREETING = "hello" }}
[backend.apps.ws]
app = "app.main:app"
route = "/ws/"
base_port = {ws}
"""


def _two_apps(backend: Backend) -> dict[str, int]:
    ports = {"api": free_ports(2), "ws": free_ports(1)}
    backend.write(TWO_APPS.format(**ports))
    return ports


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is not bound
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_start_serve_status_stop(backend_project: Backend) -> None:
    ports = _two_apps(backend_project)
    done = backend_project.cli("backend", "start", "--json")
    assert done.returncode == 0, done.stderr
    started = json.loads(done.stdout)
    assert started["detached"] is True
    assert [p["state"] for p in started["processes"]] == ["healthy"] * 3

    # HTTP through the gateway reaches both api processes, run by the project's python
    seen = set()
    with httpx.Client(trust_env=False) as client:
        for _ in range(20):
            answer = client.get(backend_project.url("/")).json()
            assert answer["greeting"] == "hello"
            seen.add(answer["port"])
    assert seen == {ports["api"], ports["api"] + 1}

    # a WebSocket round trip through the gateway, with the project's websockets client
    client_code = ("from websockets.sync.client import connect\n"
                   f"with connect('ws://127.0.0.1:{backend_project.gateway}/ws/echo') as ws:\n"
                   "    ws.send('ping'); print(ws.recv())\n")
    echoed = subprocess.run([str(backend_project.python), "-c", client_code], capture_output=True,
                            text=True, timeout=30, check=False)
    assert echoed.stdout.strip() == "echo:ping", echoed.stderr

    status = backend_project.status()
    assert status["running"] and status["healthy"] and status["status"] == "running"
    assert status["gateway"]["up"] and status["gateway"]["port"] == backend_project.gateway
    api0 = status["processes"][0]
    assert (api0["app"], api0["index"], api0["port"]) == ("api", 0, ports["api"])
    assert api0["health_status"] == 200 and api0["latency_ms"] is not None
    cmdline = Path(f"/proc/{api0['pid']}/cmdline").read_text().split("\0")
    assert cmdline[0] == str(backend_project.python) and "uvicorn" in cmdline
    text = backend_project.cli("backend", "status")
    assert text.returncode == 0 and "api.1" in text.stdout and "running" in text.stdout

    # a second start is refused, naming the holder
    again = backend_project.cli("backend", "start")
    assert again.returncode == 4
    assert f"supervisor pid {status['supervisor_pid']}" in again.stderr

    pids = [p["pid"] for p in status["processes"]] + [status["gateway"]["pid"],
                                                      status["supervisor_pid"]]
    stopped = backend_project.cli("backend", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not [pid for pid in pids if pid_alive(pid)]
    for port in (backend_project.gateway, ports["api"], ports["api"] + 1, ports["ws"]):
        assert _port_free(port), port
    after = backend_project.status()
    assert after["running"] is False and after["status"] == "stopped"
    assert backend_project.cli("backend", "status").returncode == 1


def test_kill_9_under_load_no_failed_request(backend_project: Backend) -> None:
    _two_apps(backend_project)
    assert backend_project.cli("backend", "start").returncode == 0
    before = backend_project.status()["processes"][0]

    failures: list[str] = []

    def load() -> int:
        ok = 0
        with httpx.Client(trust_env=False, timeout=10) as client:
            for _ in range(500):
                try:
                    response = client.get(backend_project.url("/"))
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                    continue
                if response.status_code != 200:
                    failures.append(str(response.status_code))
                else:
                    ok += 1
        return ok

    with cf.ThreadPoolExecutor(1) as pool:
        future = pool.submit(load)
        os.kill(before["pid"], signal.SIGKILL)
        assert future.result() + len(failures) == 500
    assert failures == []
    after = backend_project.wait_for(lambda s: s["processes"][0]["state"] == "healthy"
                                     and s["processes"][0]["pid"] != before["pid"])
    assert after["processes"][0]["restarts"] == 1
    assert after["processes"][0]["in_rotation"] is True
    assert not pid_alive(before["pid"])

    # the events are in the state store's health-check history, newest first
    assert backend_project.cli("backend", "stop").returncode == 0
    from pitstop.state.store import StateStore

    with StateStore.open(f"sqlite:///{backend_project.root / '.pitstop' / 'state.db'}") as store:
        history = store.health_check_history("backend.api.0")["backend.api.0"]
    kinds = [record.message.split()[0] for record in reversed(history)]
    assert kinds == ["healthy", "exit", "restart", "healthy"]
    assert [r.status for r in reversed(history)] == ["pass", "fail", "warn", "pass"]


def test_port_taken_names_holder(backend_project: Backend) -> None:
    _two_apps(backend_project)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", backend_project.gateway))
        holder.listen()
        done = backend_project.cli("backend", "start")
    assert done.returncode == 4, done.stderr
    assert f"port {backend_project.gateway}" in done.stderr
    assert f"pid {os.getpid()}" in done.stderr
    assert backend_project.status()["running"] is False


def test_stop_after_supervisor_killed(backend_project: Backend) -> None:
    _two_apps(backend_project)
    assert backend_project.cli("backend", "start").returncode == 0
    status = backend_project.status()
    os.kill(status["supervisor_pid"], signal.SIGKILL)
    orphaned = backend_project.wait_for(lambda s: not s["running"])
    assert orphaned["status"] == "orphaned"
    again = backend_project.cli("backend", "start")
    assert again.returncode == 4 and "pitstop backend stop" in again.stderr
    assert f"api.0 (pid {status['processes'][0]['pid']})" in again.stderr
    done = backend_project.cli("backend", "stop", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result["leftovers"]) == {"api.0", "api.1", "ws.0", "gateway"}
    pids = [p["pid"] for p in status["processes"]] + [status["gateway"]["pid"]]
    assert not [pid for pid in pids if pid_alive(pid)]
