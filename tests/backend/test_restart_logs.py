"""Rolling restart under load with no failed request; merged, prefixed logs."""

from __future__ import annotations

import json
import threading

import httpx

from backend.conftest import Backend, free_ports, pid_alive


def test_rolling_restart_under_load_fails_no_request(backend_project: Backend) -> None:
    base = free_ports(2)
    backend_project.write(f'[backend.apps.api]\napp = "app.main:app"\nprocesses = 2\n'
                          f'base_port = {base}\n')
    assert backend_project.cli("backend", "start").returncode == 0
    before = backend_project.status()["processes"]

    stop = threading.Event()
    outcomes: list[int | str] = []

    def load() -> None:
        with httpx.Client(trust_env=False, timeout=10) as client:
            while not stop.is_set():
                try:
                    outcomes.append(client.get(backend_project.url("/")).status_code)
                except httpx.HTTPError as exc:
                    outcomes.append(repr(exc))

    thread = threading.Thread(target=load)
    thread.start()
    try:
        done = backend_project.cli("backend", "restart", "api", "--json")
    finally:
        stop.set()
        thread.join()
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["ok"] and [p["name"] for p in result["processes"]] == ["api.0", "api.1"]
    failed = [o for o in outcomes if o != 200]
    assert len(outcomes) > 50 and failed == []
    after = backend_project.status()
    assert after["healthy"]
    for old, new in zip(before, after["processes"], strict=True):
        assert new["pid"] != old["pid"] and not pid_alive(old["pid"])
        assert new["restarts"] == 1 and new["in_rotation"]
    with httpx.Client(trust_env=False) as client:
        ports = {client.get(backend_project.url("/")).json()["port"] for _ in range(10)}
    assert ports == {p["port"] for p in after["processes"]}

    unknown = backend_project.cli("backend", "restart", "nope")
    assert unknown.returncode == 3 and "'nope'" in unknown.stderr


def test_logs_are_merged_and_prefixed(backend_project: Backend) -> None:
    backend_project.write(f'[backend.apps.api]\napp = "app.main:app"\nprocesses = 2\n'
                          f'base_port = {free_ports(2)}\n'
                          f'[backend.apps.ws]\napp = "app.main:app"\nroute = "/ws/"\n'
                          f'base_port = {free_ports(1)}\n')
    assert backend_project.cli("backend", "start").returncode == 0
    done = backend_project.cli("backend", "logs", "-n", "200")
    assert done.returncode == 0
    prefixes = {line.split(" | ", 1)[0] for line in done.stdout.splitlines()}
    assert prefixes == {"api.0", "api.1", "ws.0"}
    assert "Uvicorn running" in done.stdout
    only = backend_project.cli("backend", "logs", "api.1")
    assert {line.split(" | ", 1)[0] for line in only.stdout.splitlines()} == {"api.1"}
    assert backend_project.cli("backend", "logs", "nope").returncode == 3


def test_restart_of_a_single_process_uses_a_stand_in_on_the_spare_port(
        backend_project: Backend) -> None:
    base = free_ports(1)
    backend_project.write(f'[backend.apps.api]\napp = "app.main:app"\nbase_port = {base}\n')
    assert backend_project.cli("backend", "start").returncode == 0
    old = backend_project.status()["processes"][0]

    stop = threading.Event()
    outcomes: list[int | str] = []

    def load() -> None:
        with httpx.Client(trust_env=False, timeout=10) as client:
            while not stop.is_set():
                try:
                    outcomes.append(client.get(backend_project.url("/")).status_code)
                except httpx.HTTPError as exc:
                    outcomes.append(repr(exc))

    thread = threading.Thread(target=load)
    thread.start()
    try:
        done = backend_project.cli("backend", "restart", "--json")
    finally:
        stop.set()
        thread.join()
    assert done.returncode == 0, done.stderr
    replaced = json.loads(done.stdout)["processes"][0]
    assert replaced["port"] == base and replaced["pid"] != old["pid"]
    assert [o for o in outcomes if o != 200] == [] and len(outcomes) > 20
    served = {o for o in outcomes if isinstance(o, int)}
    assert served == {200}
    new = backend_project.status()["processes"][0]
    assert new["port"] == base and new["pid"] == replaced["pid"] and not pid_alive(old["pid"])
    events = [json.loads(line) for line in
              (backend_project.root / ".pitstop/backend/events.jsonl").read_text().splitlines()]
    assert [e["port"] for e in events if e["event"] == "stand-in"] == [base + 1]
    assert not [e for e in events if e["event"] == "reload"]
    with httpx.Client(trust_env=False) as client:
        assert client.get(backend_project.url("/")).json()["port"] == base


def test_logs_follow_prints_new_lines(backend_project: Backend) -> None:
    import os
    import select
    import signal
    import subprocess
    import sys
    import time

    backend_project.write(f'[backend.apps.api]\napp = "app.main:app"\nbase_port = {free_ports(1)}\n')
    assert backend_project.cli("backend", "start").returncode == 0
    with subprocess.Popen([sys.executable, "-m", "pitstop", "backend", "logs", "-f", "-n", "0"],
                          cwd=backend_project.root, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL) as follower:
        assert follower.stdout is not None
        try:
            buffer = b""
            deadline = time.monotonic() + 30
            with httpx.Client(trust_env=False) as client:
                while b'"GET /?from=follow' not in buffer:
                    assert time.monotonic() < deadline, buffer.decode()
                    client.get(backend_project.url("/?from=follow"))
                    if select.select([follower.stdout], [], [], 0.5)[0]:
                        buffer += os.read(follower.stdout.fileno(), 65536)
            line = next(x for x in buffer.decode().splitlines() if "from=follow" in x)
            assert line.startswith("api.0 | ")
            follower.send_signal(signal.SIGTERM)
            assert follower.wait(timeout=10) == 0
        finally:
            if follower.poll() is None:
                follower.kill()
