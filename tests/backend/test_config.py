"""Configuration problems found before anything runs: exit codes and messages that
name the key; the generated nginx config and its validation by the real nginx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.conftest import Backend, free_ports
from pitstop.backend import nginx
from pitstop.backend.layout import paths_for, processes
from pitstop.backend.settings import BackendSettings
from pitstop.errors import ConfigError
from pitstop.registry import load_settings


def _app(port: int, extra: str = "") -> str:
    return f'[backend.apps.api]\napp = "app.main:app"\nbase_port = {port}\n{extra}'


def test_bad_app_string_is_exit_3(backend_project: Backend) -> None:
    backend_project.write('[backend.apps.api]\napp = "app.main"\n')
    done = backend_project.cli("backend", "start")
    assert done.returncode == 3
    assert "[backend.apps.api.app]" in done.stderr and "module:attribute" in done.stderr


def test_missing_module_is_exit_3_naming_the_interpreter(backend_project: Backend) -> None:
    backend_project.write('[backend.apps.api]\napp = "app.nowhere:app"\n')
    done = backend_project.cli("backend", "start")
    assert done.returncode == 3, done.stderr
    assert "backend.apps.api.app" in done.stderr and "'app.nowhere'" in done.stderr
    assert str(backend_project.venv) in done.stderr
    assert not (backend_project.root / ".pitstop" / "backend" / "state.json").exists()


def test_unknown_before_task_is_exit_3(backend_project: Backend) -> None:
    backend_project.write(_app(free_ports(1)), extra="")
    text = (backend_project.root / "pitstop.toml").read_text()
    (backend_project.root / "pitstop.toml").write_text(
        text.replace("[backend]\n", '[backend]\nbefore = ["generate-nothing"]\n'))
    done = backend_project.cli("backend", "start")
    assert done.returncode == 3
    assert "backend.before[0]" in done.stderr and "generate-nothing" in done.stderr


def test_before_runs_first_and_a_failure_starts_nothing(backend_project: Backend) -> None:
    port = free_ports(1)
    backend_project.write(_app(port), extra='[tasks.prepare]\nrun = "echo prepared > marker"\n'
                                            '[tasks.broken]\nrun = "exit 7"\n')
    toml = backend_project.root / "pitstop.toml"
    base = toml.read_text()
    toml.write_text(base.replace("[backend]\n", '[backend]\nbefore = ["broken"]\n'))
    done = backend_project.cli("backend", "start")
    assert done.returncode == 2, done.stderr
    assert "'broken' failed" in done.stderr
    assert backend_project.status()["running"] is False

    toml.write_text(base.replace("[backend]\n", '[backend]\nbefore = ["prepare"]\n'))
    done = backend_project.cli("backend", "start", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["before"] == ["prepare"]
    assert (backend_project.root / "marker").read_text().strip() == "prepared"


def test_nginx_missing_is_exit_2_with_install_command(backend_project: Backend) -> None:
    backend_project.write(_app(free_ports(1)))
    toml = backend_project.root / "pitstop.toml"
    toml.write_text(toml.read_text().replace("[backend]\n", '[backend]\nnginx = "/nowhere/nginx"\n'))
    done = backend_project.cli("backend", "start")
    assert done.returncode == 2
    assert "/nowhere/nginx" in done.stderr and "nginx" in done.stderr
    assert "install" in done.stderr


def test_find_nginx_without_any(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nginx, "_FALLBACKS", ())
    from pitstop.errors import DependencyError

    with pytest.raises(DependencyError) as caught:
        nginx.find_nginx(BackendSettings(), {"PATH": str(tmp_path)})
    assert caught.value.exit_code == 2
    assert "nginx is not installed" in caught.value.message
    assert caught.value.hint and "install" in caught.value.hint


def _settings(root: Path, body: str) -> BackendSettings:
    (root / "pitstop.toml").write_text(body)
    return load_settings(root, env={}).section(BackendSettings)


def test_ports_and_routes_checked(project: Path) -> None:
    backend = _settings(project, '[backend]\ngateway_port = 9000\n'
                                 '[backend.apps.a]\napp = "m:app"\nprocesses = 2\nbase_port = 9100\n'
                                 '[backend.apps.b]\napp = "m:app"\nbase_port = 9101\n')
    with pytest.raises(ConfigError, match=r"port 9101 of process b.0 is also a.1's"):
        processes(backend, "python")
    backend = _settings(project, '[backend]\n[backend.apps.a]\napp = "m:app"\nprocesses = 2\n'
                                 '[backend.apps.b]\napp = "m:app"\nroute = "/"\n')
    specs = processes(backend, "/venv/bin/python")
    assert [(s.name, s.port) for s in specs] == [("a.0", 8101), ("a.1", 8102), ("b.0", 8104)]
    assert specs[0].argv[:4] == ("/venv/bin/python", "-m", "uvicorn", "m:app")
    with pytest.raises(ConfigError, match="route '/' is also app 'a'"):
        nginx.render(backend, specs, paths_for(project / ".pitstop"))
    with pytest.raises(ConfigError, match=r"\[backend.apps.a.route\]"):
        _settings(project, '[backend.apps.a]\napp = "m:app"\nroute = "api"\n').apps  # noqa: B018
    with pytest.raises(ConfigError, match="no apps to run"):
        processes(_settings(project, "[backend]\n"), "python")


def test_generated_config_passes_nginx_t(project: Path, nginx_binary: Path) -> None:
    backend = _settings(project, '[backend]\ngateway_port = 9000\n'
                                 '[backend.apps.api]\napp = "m:app"\nprocesses = 2\n'
                                 '[backend.apps.ws]\napp = "m:app"\nroute = ["/ws/", "/live/"]\n'
                                 '[backend.apps.cmd]\ncommand = ["{python}", "-m", "server", '
                                 '"{port}"]\nroute = "/other/"\n')
    specs = processes(backend, "/p/python")
    assert specs[-1].argv == ("/p/python", "-m", "server", "8106")
    paths = paths_for(project / ".pitstop")
    text = nginx.render(backend, specs, paths, down=["api.1"])
    assert "server 127.0.0.1:8102 max_fails=0 down;" in text
    assert "location /live/ {" in text and "proxy_next_upstream error timeout;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    nginx.write_config(paths, text)
    nginx.test_config(nginx_binary, paths)  # the real nginx accepts it
    nginx.write_config(paths, text.replace("keepalive 32;", "keepalive banana;"))
    with pytest.raises(ConfigError, match="nginx rejected the generated config"):
        nginx.test_config(nginx_binary, paths)
    assert (paths.logs / "nginx-error.log").is_file()  # its files stay in the project
