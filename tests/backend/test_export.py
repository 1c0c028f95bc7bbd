"""Production definitions from the same configuration, and the supervisor's metrics."""

from __future__ import annotations

import json
import shlex

from backend.conftest import Backend, free_ports


def test_export_systemd_supervisor_procfile(backend_project: Backend) -> None:
    base = free_ports(2)
    backend_project.write(f'[backend.apps.api]\napp = "app.main:app"\nprocesses = 2\n'
                          f'base_port = {base}\n'
                          f'env = {{ LOG_LEVEL = "info", API_TOKEN = "s3cr3t-value" }}\n')
    done = backend_project.cli("backend", "export", "systemd", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    files = {f["name"]: f["text"] for f in result["files"]}
    assert set(files) == {"pitstop-api-0.service", "pitstop-api-1.service",
                          "pitstop-gateway.service", "pitstop-backend.target"}
    unit = files["pitstop-api-1.service"]
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    argv = shlex.split(exec_start.removeprefix("ExecStart="))
    assert argv[:4] == [str(backend_project.python), "-m", "uvicorn", "app.main:app"]
    assert argv[argv.index("--port") + 1] == str(base + 1)
    assert "KillMode=control-group" in unit and '"LOG_LEVEL=info"' in unit
    assert "s3cr3t-value" not in done.stdout and "# API_TOKEN: set in the environment file" in unit
    assert "daemon off;" in files["pitstop-gateway.service"]
    assert (backend_project.root / ".pitstop/backend/nginx/nginx.conf").is_file()

    out = backend_project.root / "deploy"
    done = backend_project.cli("backend", "export", "supervisor", "-o", str(out))
    assert done.returncode == 0, done.stderr
    conf = (out / "pitstop-backend.conf").read_text()
    assert "[program:api-0]" in conf and "[program:gateway]" in conf
    assert "stopasgroup=true" in conf and "programs=api-0,api-1,gateway" in conf
    assert "s3cr3t-value" not in conf

    procfile = backend_project.cli("backend", "export", "procfile").stdout
    assert procfile.splitlines()[0].startswith("api_0: env LOG_LEVEL=info PORT=")
    assert procfile.splitlines()[-1].startswith("gateway: ")
    assert backend_project.cli("backend", "export", "k8s").returncode == 3


def test_metrics_written_while_running(backend_project: Backend) -> None:
    backend_project.write(f'[backend.apps.api]\napp = "app.main:app"\nprocesses = 2\n'
                          f'base_port = {free_ports(2)}\n')
    textfile = backend_project.root / "metrics" / "pitstop.prom"
    textfile.parent.mkdir()
    toml = backend_project.root / "pitstop.toml"
    toml.write_text(f'[metrics]\ntextfile = "{textfile}"\n' + toml.read_text())
    assert backend_project.cli("backend", "start").returncode == 0
    backend_project.wait_for(lambda s: s["healthy"])
    text = (textfile.parent / "pitstop_backend.prom").read_text()
    assert 'pitstop_backend_process_up{app="api",index="1"} 1.0' in text
    assert 'pitstop_backend_restarts_total{app="api"} 0.0' in text
    assert "pitstop_backend_gateway_up 1.0" in text
    assert backend_project.cli("backend", "stop").returncode == 0
    text = (backend_project.root / ".pitstop/backend/metrics.prom").read_text()
    assert 'pitstop_backend_process_up{app="api",index="0"} 0.0' in text
