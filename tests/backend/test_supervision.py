"""Supervision with real processes: a process that dies at start-up is marked failed
with its log tail; a process whose health endpoint fails leaves the gateway and comes
back; the foreground supervisor stops everything on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import httpx

from backend.conftest import Backend, free_ports, pid_alive


def test_process_dying_at_start_is_marked_failed_with_its_log(backend_project: Backend) -> None:
    backend_project.write(f'[backend.apps.api]\napp = "app.crash:app"\nbase_port = {free_ports(1)}\n')
    (backend_project.root / "app").mkdir(exist_ok=True)
    (backend_project.root / "app" / "crash.py").write_text(
        'print("boom: the database is not there", flush=True)\nraise SystemExit(3)\n')
    done = backend_project.cli("backend", "start")
    assert done.returncode == 1, done.stderr
    assert "api.0" in done.stderr and "exited 5 times" in done.stderr
    assert "boom: the database is not there" in done.stderr
    assert backend_project.status()["running"] is False
    events = [json.loads(line)["event"] for line in
              (backend_project.root / ".pitstop/backend/events.jsonl").read_text().splitlines()]
    assert events.count("exit") == 5 and events.count("restart") == 4 and "failed" in events


def test_unhealthy_process_leaves_the_gateway_and_comes_back(backend_project: Backend) -> None:
    base = free_ports(2)
    sick = backend_project.root / "sick"
    sick.mkdir()
    backend_project.write(f'[backend.apps.api]\napp = "app.main:app"\nprocesses = 2\n'
                          f'base_port = {base}\nenv = {{ SICK_DIR = "{sick}" }}\n')
    toml = backend_project.root / "pitstop.toml"
    toml.write_text(toml.read_text().replace("[backend]\n", "[backend]\nfailure_threshold = 2\n"))
    assert backend_project.cli("backend", "start").returncode == 0
    (sick / str(base + 1)).touch()
    out = backend_project.wait_for(lambda s: not s["processes"][1]["in_rotation"])
    assert out["processes"][1]["state"] != "healthy"
    assert out["healthy"] is False
    assert backend_project.cli("backend", "status").returncode == 1
    conf = (backend_project.root / ".pitstop/backend/nginx/nginx.conf").read_text()
    assert f"127.0.0.1:{base + 1} max_fails=0 down;" in conf
    with httpx.Client(trust_env=False) as client:
        ports = {client.get(backend_project.url("/")).json()["port"] for _ in range(10)}
    assert ports == {base}

    (sick / str(base + 1)).unlink()
    back = backend_project.wait_for(lambda s: s["healthy"])
    assert back["processes"][1]["in_rotation"] and back["processes"][1]["restarts"] >= 1
    with httpx.Client(trust_env=False) as client:
        ports = {client.get(backend_project.url("/")).json()["port"] for _ in range(10)}
    assert ports == {base, base + 1}


def test_foreground_stops_everything_on_sigterm(backend_project: Backend) -> None:
    backend_project.write(f'[backend.apps.api]\napp = "app.main:app"\nbase_port = {free_ports(1)}\n')
    proc = subprocess.Popen([sys.executable, "-m", "pitstop", "backend", "start", "--foreground"],
                            cwd=backend_project.root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        status = backend_project.wait_for(lambda s: s["healthy"])
        assert status["supervisor_pid"] == proc.pid
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "backend ready" in err and "backend stopped" in err
    assert time.monotonic() - started < 10
    pids = [p["pid"] for p in status["processes"]] + [status["gateway"]["pid"]]
    assert not [pid for pid in pids if pid_alive(pid)]
    assert backend_project.status()["status"] == "stopped"


def test_gateway_killed_is_started_again(backend_project: Backend) -> None:
    import os

    backend_project.write(f'[backend.apps.api]\napp = "app.main:app"\nbase_port = {free_ports(1)}\n')
    assert backend_project.cli("backend", "start").returncode == 0
    before = backend_project.status()["gateway"]
    os.kill(before["pid"], signal.SIGKILL)
    after = backend_project.wait_for(lambda s: s["gateway"]["up"] and s["gateway"]["pid"] != before["pid"]
                                     and s["gateway"]["restarts"] == 1)
    with httpx.Client(trust_env=False) as client:
        deadline = time.monotonic() + 15
        while True:
            try:
                assert client.get(backend_project.url("/")).status_code == 200
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.05)  # nginx binds its port just after it starts
    assert not pid_alive(before["pid"]) and pid_alive(after["gateway"]["pid"])
