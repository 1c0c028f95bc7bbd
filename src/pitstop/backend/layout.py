"""What the ``[backend]`` section means in processes: each app's processes with their
ports, argv and environment, and the paths under ``.pitstop/backend/``.

Pure: nothing here starts anything, so ``config nginx`` and ``export`` use it too."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from pitstop.backend.settings import DEFAULT_BASE_PORT, AppSpec, BackendSettings
from pitstop.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class ProcessSpec:
    """One process of one app."""

    app: str
    index: int
    port: int
    template: tuple[str, ...]
    """The argv with ``{port}`` still in it (a rolling restart's replacement gets
    another port)."""
    env: Mapping[str, str]
    health: str
    spare_port: int
    """The app's spare port (see ``AppSpec.spare_port``)."""

    @property
    def name(self) -> str:
        """``api.0``: how logs and messages name it."""
        return f"{self.app}.{self.index}"

    @property
    def argv(self) -> tuple[str, ...]:
        return self.argv_for(self.port)

    def argv_for(self, port: int) -> tuple[str, ...]:
        return tuple(part.replace("{port}", str(port)) for part in self.template)


@dataclasses.dataclass(frozen=True)
class Paths:
    """Where the backend keeps its files (all under ``.pitstop/backend/``)."""

    root: Path

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    @property
    def lock(self) -> Path:
        return self.root / "supervisor.lock"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def nginx(self) -> Path:
        """nginx's prefix: its config, pid file and temporary directories."""
        return self.root / "nginx"

    @property
    def nginx_conf(self) -> Path:
        return self.nginx / "nginx.conf"

    @property
    def control(self) -> Path:
        return self.root / "control"

    @property
    def supervisor_log(self) -> Path:
        return self.logs / "supervisor.log"

    def process_log(self, name: str) -> Path:
        return self.logs / f"{name}.log"


def paths_for(state_dir: Path) -> Paths:
    return Paths(state_dir / "backend")


def uvicorn_argv(python: str, spec: AppSpec, stop_timeout: float) -> tuple[str, ...]:
    """``<python> -m uvicorn app.main:app --host 127.0.0.1 --port {port} …``."""
    target = spec.app[:-2] if spec.app.endswith("()") else spec.app
    factory = ("--factory",) if spec.app.endswith("()") else ()
    return (python, "-m", "uvicorn", target, *factory, "--host", "127.0.0.1", "--port", "{port}",
            "--timeout-graceful-shutdown", f"{max(1, int(stop_timeout))}", "--no-server-header",
            *spec.args)


def processes(backend: BackendSettings, python: str, *, file: Path | None = None
              ) -> tuple[ProcessSpec, ...]:
    """Every process of every app, in order; ports checked for overlaps (ConfigError)."""
    if not backend.apps:
        raise ConfigError("no apps to run: add a [backend.apps.NAME] table with app = "
                          "'module:attribute' (docs/backend.md)", file=file, key="backend.apps")
    result: list[ProcessSpec] = []
    owner: dict[int, str] = {backend.gateway_port: "backend.gateway_port"}
    next_port = DEFAULT_BASE_PORT
    for name, spec in backend.apps.items():
        base = spec.base_port if spec.base_port is not None else next_port
        spare = spec.spare_port if spec.spare_port is not None else base + spec.processes
        if max(base + spec.processes - 1, spare) > 65535:
            raise ConfigError(f"ports {base}-{spare} go past 65535",
                              file=file, key=f"backend.apps.{name}.base_port")
        for index in range(spec.processes):
            port = base + index
            key = f"backend.apps.{name}"
            if port in owner:
                raise ConfigError(f"port {port} of process {name}.{index} is also {owner[port]}'s",
                                  file=file, key=f"{key}.base_port",
                                  hint="give each app its own base_port, with room for its "
                                       "processes")
            owner[port] = f"{name}.{index}"
            if spec.command:
                argv = tuple(part.replace("{python}", python) for part in spec.command)
            else:
                argv = uvicorn_argv(python, spec, backend.stop_timeout)
            env = {**spec.env, "PORT": str(port)}
            result.append(ProcessSpec(name, index, port, argv, env, spec.health, spare))
        if spare in owner:
            raise ConfigError(f"spare port {spare} of app {name} is also {owner[spare]}'s",
                              file=file, key=f"backend.apps.{name}.spare_port",
                              hint="each app keeps a spare port for rolling restarts (by default "
                                   "the one after its processes): leave it free or set "
                                   "spare_port")
        owner[spare] = f"{name}'s spare port"
        next_port = max(base + spec.processes, spare + 1 if spec.spare_port is None else 0)
    return tuple(result)
