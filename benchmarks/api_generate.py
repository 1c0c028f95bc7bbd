"""`pitstop api generate` vs the `make generate` it replaces, side by side.

A 3-module FastAPI app of 21 operations is written to a temporary project whose own
virtualenv (FastAPI, pydantic; built once under the system temporary directory) is the
project's interpreter.  Timed, median of a few runs each:

* the seed's way: per module one interpreter exporting the module's OpenAPI document
  (``export_openapi_spec.py``), then the ``openapi-python-client`` CLI per module (with
  its default ruff post-hooks);
* ``pitstop api generate`` from nothing (every client generated);
* ``pitstop api generate`` when nothing changed (target: under 1 s);
* ``pitstop api check`` (AST) over 100 route files (target: under 0.3 s).

Run: ``.venv/bin/python benchmarks/api_generate.py`` (needs ``pitstop[api]``).
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _util import BIN, PITSTOP, compile_pitstop, row

APP_PACKAGES = ("fastapi>=0.115,<1", "pydantic>=2.7,<3")
MODULES = ("alpha", "beta", "gamma")
RUNS = 3

ROUTER = '''
from __future__ import annotations
import enum
from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(prefix="/{name}", tags=["{name}"])


class {cls}Kind(str, enum.Enum):
    small = "small"
    large = "large"


class {cls}Part(BaseModel):
    code: str
    weight: float | None = None


class {cls}(BaseModel):
    id: int
    name: str
    kind: {cls}Kind = {cls}Kind.small
    parts: list[{cls}Part] = []


class New{cls}(BaseModel):
    name: str
    kind: {cls}Kind = {cls}Kind.small
'''
OPERATION = '''

@router.{method}("{path}", operation_id="{name}_{n}"{extra})
def {name}_{n}({params}) -> {returns}:
    raise NotImplementedError
'''
EXPORT = '''
import json, sys
from fastapi.openapi.utils import get_openapi
from benchapp.main import app

module = sys.argv[1]
routes = [r for r in app.routes if module in (getattr(r, "tags", None) or [])]
json.dump(get_openapi(title=app.title, version=app.version, routes=routes), sys.stdout)
'''
CHECK_FILE = '''
from fastapi import APIRouter

router = APIRouter()
''' + "".join(f'''

@router.get("/r{i}", response_model=dict)
def route_{i}(q: int = 0):
    return {{}}
''' for i in range(5))


def venv() -> Path:
    key = hashlib.sha256(f"{sys.version}|{APP_PACKAGES}".encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / "pitstop-bench-venvs" / f"api-{key}"
    if not (path / ".complete").is_file():
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run([str(path / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        *APP_PACKAGES], check=True)
        (path / ".complete").write_text("ok\n")
    return path


def write_project(root: Path, python: Path) -> None:
    package = root / "benchapp"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    imports = []
    for name in MODULES:
        cls = name.capitalize()
        text = ROUTER.replace("{name}", name).replace("{cls}", cls)
        ops = [("get", "", "", f"list[{cls}]"), ("post", "", f"body: New{cls}", cls),
               ("get", "/{item_id}", "item_id: int", cls),
               ("put", "/{item_id}", f"item_id: int, body: New{cls}", cls),
               ("delete", "/{item_id}", "item_id: int", "None"),
               ("get", "/{item_id}/parts", "item_id: int", f"list[{cls}Part]"),
               ("get", "/search", f"q: str, kind: {cls}Kind | None = None", f"list[{cls}]")]
        for n, (method, path, params, returns) in enumerate(ops):
            extra = ", status_code=204" if returns == "None" else ""
            text += OPERATION.format(method=method, path=path, name=name, n=n, extra=extra,
                                     params=params, returns=returns)
        (package / f"{name}.py").write_text(text)
        imports.append(name)
    (package / "main.py").write_text(
        "from fastapi import FastAPI\nfrom benchapp import " + ", ".join(imports) +
        "\napp = FastAPI(title='Bench', version='1.0.0')\n" +
        "".join(f"app.include_router({m}.router)\n" for m in imports))
    (root / "export_openapi_spec.py").write_text(EXPORT)
    routes = root / "routes100"
    routes.mkdir()
    for i in range(100):
        (routes / f"routes_{i:03}.py").write_text(CHECK_FILE)
    modules = "".join(f'[api.modules.{m}]\ntags = ["{m}"]\n' for m in MODULES)
    (root / "pitstop.toml").write_text(
        f'[api]\napp = "benchapp.main:app"\npython = "{python}"\noutput = "generated"\n'
        f'source = ["routes100"]\n{modules}')


def seed_way(root: Path, python: Path) -> float:
    out = root / "seed-out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    start = time.perf_counter()
    for name in MODULES:
        spec = out / f"{name}.json"
        with spec.open("w") as handle:
            subprocess.run([str(python), "export_openapi_spec.py", name], cwd=root,
                           stdout=handle, check=True)
        subprocess.run([str(BIN / "openapi-python-client"), "generate", "--path", str(spec),
                        "--output-path", str(out / name), "--overwrite", "--meta", "none"],
                       cwd=root, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def pitstop(root: Path, *args: str, clean: bool = False) -> float:
    if clean:
        shutil.rmtree(root / "generated", ignore_errors=True)
    start = time.perf_counter()
    done = subprocess.run([PITSTOP, *args], cwd=root, capture_output=True, text=True,
                          check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"pitstop {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return took


def median(func: Callable[[], float], runs: int = RUNS) -> tuple[float, float]:
    """Median wall time of ``func`` and median CPU time of the processes it ran
    (user + system of every child: what a busy machine cannot inflate)."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(func())
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    compile_pitstop()
    python = venv() / "bin" / "python"
    with tempfile.TemporaryDirectory(prefix="pitstop-api-bench-") as temp:
        root = Path(temp)
        write_project(root, python)
        print(f"3 modules, {7 * len(MODULES)} operations; app interpreter {python}")
        seed, seed_cpu = median(lambda: seed_way(root, python))
        cold, cold_cpu = median(lambda: pitstop(root, "api", "generate", clean=True))
        warm, warm_cpu = median(lambda: pitstop(root, "api", "generate"), 5)
        check, check_cpu = median(lambda: pitstop(root, "api", "check"), 7)
        print("wall time (median):")
        print(row("seed: interpreter + generator CLI per module", seed))
        print(row("pitstop api generate (from nothing)", cold, seed))
        print(row("pitstop api generate (nothing changed)", warm, seed))
        print(row("pitstop api check (AST, 100 route files)", check))
        print("CPU time of all processes (median):")
        print(row("seed: interpreter + generator CLI per module", seed_cpu))
        print(row("pitstop api generate (from nothing)", cold_cpu, seed_cpu))
        print(row("pitstop api generate (nothing changed)", warm_cpu, seed_cpu))
        print(row("pitstop api check (AST, 100 route files)", check_cpu))
        print(f"  from nothing: {cold / seed:.2f}x wall, {cold_cpu / seed_cpu:.2f}x CPU "
              f"(target <= 0.5x); nothing changed {warm:.2f} s (target < 1 s); check "
              f"{check * 1000:.0f} ms (target < 300 ms); load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
