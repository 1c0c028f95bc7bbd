"""Production process definitions from the same ``[backend]`` section: systemd units,
a supervisord configuration or a Procfile, each running the app processes with the
project's interpreter and nginx with pitstop's generated gateway config.

Environment values whose names look secret (``*_TOKEN``, ``*PASSWORD`` …) are never
written out: each is left for the environment file, and named in a comment."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from pitstop.backend.layout import Paths, ProcessSpec
from pitstop.backend.settings import BackendSettings
from pitstop.redact import is_secret_key

Kind = Literal["systemd", "supervisor", "procfile"]
KINDS: tuple[Kind, ...] = ("systemd", "supervisor", "procfile")


def _env(spec: ProcessSpec) -> tuple[dict[str, str], list[str]]:
    plain = {k: v for k, v in spec.env.items() if not is_secret_key(k)}
    secret = sorted(k for k in spec.env if is_secret_key(k))
    return plain, secret


def _unit(name: str) -> str:
    return "pitstop-" + name.replace(".", "-").replace("_", "-")


def _quote_systemd(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd(backend: BackendSettings, specs: Sequence[ProcessSpec], paths: Paths,
            gateway_argv: Sequence[str], project_dir: Path, env_file: Path | None
            ) -> dict[str, str]:
    files: dict[str, str] = {}
    grace = f"{max(1, int(backend.stop_timeout)) + 5}"
    for spec in specs:
        plain, secret = _env(spec)
        app = backend.apps[spec.app]
        lines = [
            "[Unit]",
            f"Description=pitstop backend {spec.name} ({app.app or spec.template[0]} on "
            f"127.0.0.1:{spec.port})",
            "PartOf=pitstop-backend.target", "After=network.target", "",
            "[Service]", "Type=exec", f"WorkingDirectory={project_dir}",
            f"ExecStart={shlex.join(spec.argv)}",
            "Environment=" + " ".join(_quote_systemd(f"{k}={v}") for k, v in plain.items()),
        ]
        if env_file is not None:
            lines.append(f"EnvironmentFile=-{env_file}")
        lines += [f"# {key}: set in the environment file (not written here)" for key in secret]
        lines += ["Restart=always", f"RestartSec={max(1, int(backend.restart_backoff))}",
                  "KillMode=control-group", "KillSignal=SIGTERM", f"TimeoutStopSec={grace}", "",
                  "[Install]", "WantedBy=pitstop-backend.target", ""]
        files[f"{_unit(spec.name)}.service"] = "\n".join(lines)
    apps = " ".join(f"{_unit(spec.name)}.service" for spec in specs)
    files["pitstop-gateway.service"] = "\n".join([
        "[Unit]", f"Description=pitstop backend gateway (nginx on {backend.gateway_host}:"
                  f"{backend.gateway_port})",
        "PartOf=pitstop-backend.target", f"After=network.target {apps}", "",
        "[Service]", "Type=exec", f"WorkingDirectory={project_dir}",
        f"ExecStart={shlex.join(gateway_argv)}", "ExecReload=/bin/kill -HUP $MAINPID",
        "KillSignal=SIGQUIT", "Restart=always", f"TimeoutStopSec={grace}", "",
        "[Install]", "WantedBy=pitstop-backend.target", ""])
    files["pitstop-backend.target"] = "\n".join([
        "[Unit]", "Description=pitstop backend: " + ", ".join(backend.apps) + " and the gateway",
        f"Wants={apps} pitstop-gateway.service", "", "[Install]",
        "WantedBy=multi-user.target", ""])
    return files


def supervisor(backend: BackendSettings, specs: Sequence[ProcessSpec], paths: Paths,
               gateway_argv: Sequence[str], project_dir: Path) -> dict[str, str]:
    sections: list[str] = []
    names: list[str] = []

    def program(name: str, argv: Sequence[str], env: Mapping[str, str], secret: Sequence[str],
                log: Path, stop_signal: str) -> None:
        names.append(name)
        lines = [f"[program:{name}]", f"command={shlex.join(argv)}", f"directory={project_dir}"]
        if env:
            lines.append("environment=" + ",".join(
                f'{k}="{v.replace(chr(34), chr(92) + chr(34))}"' for k, v in env.items()))
        lines += [f"; {key}: set in supervisord's environment (not written here)" for key in secret]
        lines += ["autostart=true", "autorestart=true", "startsecs=1",
                  f"stopsignal={stop_signal}",
                  f"stopwaitsecs={max(1, int(backend.stop_timeout)) + 5}",
                  "stopasgroup=true", "killasgroup=true", "redirect_stderr=true",
                  f"stdout_logfile={log}", ""]
        sections.append("\n".join(lines))

    for spec in specs:
        plain, secret = _env(spec)
        program(spec.name.replace(".", "-"), spec.argv, plain, secret,
                paths.process_log(spec.name), "TERM")
    program("gateway", gateway_argv, {}, [], paths.logs / "nginx.log", "QUIT")
    sections.append(f"[group:pitstop-backend]\nprograms={','.join(names)}\n")
    return {"pitstop-backend.conf": "\n".join(sections)}


def procfile(specs: Sequence[ProcessSpec], gateway_argv: Sequence[str]) -> dict[str, str]:
    lines = []
    for spec in specs:
        plain, secret = _env(spec)
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in plain.items())
        note = f"  # also needs {', '.join(secret)} in the environment" if secret else ""
        lines.append(f"{spec.name.replace('.', '_').replace('-', '_')}: env {env} "
                     f"{shlex.join(spec.argv)}{note}")
    lines.append(f"gateway: {shlex.join(gateway_argv)}")
    return {"Procfile": "\n".join(lines) + "\n"}
