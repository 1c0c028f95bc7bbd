"""Benchmark ``pitstop audit``: the whole audit of a 300-package environment, the
PostgreSQL database and the Redis server, offline (target: under 5 s), next to
pip-audit's own CLI on the same environment and advisories.

pip-audit cannot read an OSV directory, so both are also run against a stand-in for
the OSV query API on 127.0.0.1 that answers from the same directory: the same
packages, the same advisories, the same findings (checked), no internet.

    .venv/bin/python benchmarks/audit_speed.py [--runs 5] [--packages 300] [--advisories 15000]

Needs the local PostgreSQL (postgres, trust) and Redis of the test set-up; pip-audit
is a dev dependency (``pitstop[audit]``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from audit.wheels import build_wheel  # the tests' wheel builder

BIN = Path(sys.executable).parent
PITSTOP = str(BIN / "pitstop")
PIP_AUDIT = shutil.which("pip-audit", path=str(BIN)) or shutil.which("pip-audit")


def make_env(root: Path, count: int) -> tuple[Path, dict[str, str]]:
    """A virtualenv with ``count`` made-up packages installed by pip."""
    rnd = random.Random(1)
    packages = {f"benchpkg-{i:03d}": f"{rnd.randint(0, 5)}.{rnd.randint(0, 20)}."
                f"{rnd.randint(0, 9)}" for i in range(count)}
    wheels = root / "wheels"
    wheels.mkdir()
    files = [str(build_wheel(wheels, n, v)) for n, v in packages.items()]
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "--quiet", "--no-index", "--no-deps", "--no-cache-dir", *files],
                   check=True)
    return venv, packages


def make_osv(directory: Path, packages: dict[str, str], count: int) -> None:
    """``count`` advisories in OSV's export format, most for packages not installed
    (as in the real PyPI export), about 1% for installed ones."""
    rnd = random.Random(2)
    directory.mkdir()
    names = list(packages)
    for i in range(count):
        installed = rnd.random() < 0.01
        name = rnd.choice(names) if installed else f"other-project-{rnd.randint(0, 5000)}"
        major = int(packages[name].split(".")[0]) if installed else rnd.randint(0, 5)
        fixed = f"{major}.{rnd.randint(10, 25)}.0"
        versions = [f"{major}.{minor}.{patch}" for minor in range(10) for patch in range(4)]
        item = {
            "schema_version": "1.6.0", "id": f"PYSEC-2099-{i}", "modified": "2099-01-01T00:00:00Z",
            "published": "2099-01-01T00:00:00Z", "aliases": [f"CVE-2099-{i}"],
            "summary": f"made-up advisory {i}", "details": "x" * 400,
            "affected": [{"package": {"name": name, "ecosystem": "PyPI",
                                      "purl": f"pkg:pypi/{name}"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [
                              {"introduced": f"{major}.0.0"}, {"fixed": fixed}]}],
                          "versions": versions}],
            "references": [{"type": "WEB", "url": f"https://example.invalid/{i}"}],
            "database_specific": {"severity": rnd.choice(["LOW", "MODERATE", "HIGH"])},
        }
        (directory / f"{item['id']}.json").write_text(json.dumps(item))


def osv_stand_in(directory: Path, latency: float) -> tuple[ThreadingHTTPServer, str]:
    """OSV's query API on 127.0.0.1, answering from ``directory`` after ``latency``
    seconds (the round trip to the real service, which a loopback server lacks)."""
    from packaging.utils import canonicalize_name

    from pitstop.audit.osv import evaluate

    by_name: dict[str, list[dict[str, Any]]] = {}
    for path in directory.glob("*.json"):
        vuln = json.loads(path.read_text())
        for affected in vuln["affected"]:
            by_name.setdefault(canonicalize_name(affected["package"]["name"]), []).append(vuln)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            name = canonicalize_name(body["package"]["name"])
            vulns = [v for v in by_name.get(name, ()) if evaluate(v, name, body["version"])]
            time.sleep(latency)
            data = json.dumps({"vulns": vulns} if vulns else {}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1/query"


def make_project(root: Path, venv: Path, osv: Path, url: str, files: int) -> Path:
    project = root / "project"
    (project / "app").mkdir(parents=True)
    (project / "pitstop.toml").write_text(
        'database_url = "postgresql://postgres@127.0.0.1:5432/postgres"\n'
        'redis_url = "redis://127.0.0.1:6379/15"\n'
        f'[audit]\nosv_db = "{osv}"\nosv_url = "{url}"\n')
    for i in range(files):
        (project / "app" / f"module_{i:04d}.py").write_text(
            f"def handler_{i}(request):\n    return {{'id': {i}}}\n" * 30)
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True, env=env)
    subprocess.run(["git", "add", "."], cwd=project, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=project, check=True, env=env)
    return project


def timed(argv: list[str], cwd: Path, runs: int, env: dict[str, str]) -> tuple[float, str]:
    samples, out = [], ""
    for i in range(runs + 1):
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env,
                              check=False)
        if i:  # the first run warms the page cache
            samples.append(time.perf_counter() - start)
        out = done.stdout
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(argv[:3])} failed ({done.returncode}):\n{done.stderr}")
    return statistics.median(samples), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--packages", type=int, default=300)
    parser.add_argument("--advisories", type=int, default=15000)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.03,
                        help="seconds the OSV stand-in waits before each answer")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pitstop-audit-bench-") as tmp:
        root = Path(tmp)
        venv, packages = make_env(root, args.packages)
        make_osv(root / "osv", packages, args.advisories)
        server, url = osv_stand_in(root / "osv", args.latency)
        project = make_project(root, venv, root / "osv", url, args.files)
        env = {**os.environ, "VIRTUAL_ENV": str(venv), "NO_COLOR": "1"}
        env.pop("PYTHONPATH", None)
        size = sum(p.stat().st_size for p in (root / "osv").iterdir()) / 1e6
        print(f"environment: {args.packages} packages; OSV directory: {args.advisories} "
              f"advisories ({size:.0f} MB); tree: {args.files} files; OSV stand-in "
              f"latency {args.latency * 1000:.0f} ms; median of {args.runs} runs")
        whole, out = timed([PITSTOP, "audit", "--json"], project, args.runs, env)
        parts = ", ".join(f"{s['name']} {s['seconds']:.2f}" for s in json.loads(out)["sections"])
        deps, out = timed([PITSTOP, "audit", "--only", "deps", "--json"], project, args.runs, env)
        offline = {(f["details"]["package"], f["details"]["advisory"])
                   for f in json.loads(out)["findings"]}
        online_toml = (project / "pitstop.toml").read_text().replace(
            f'osv_db = "{root / "osv"}"\n', "")
        (project / "pitstop.toml").write_text(online_toml)
        deps_online, out = timed([PITSTOP, "audit", "--only", "deps", "--json"], project,
                                 args.runs, env)
        online = {(f["details"]["package"], f["details"]["advisory"])
                  for f in json.loads(out)["findings"]}
        print(f"  pitstop audit (all 5 sections, offline)    {whole:7.2f} s   "
              f"target < 5 s: {'ok' if whole < 5 else 'MISSED'}")
        print(f"    seconds by section (side by side, last run): {parts}")
        print(f"  pitstop audit --only deps (offline)        {deps:7.2f} s   "
              f"{len(offline)} findings")
        print(f"  pitstop audit --only deps (OSV stand-in)   {deps_online:7.2f} s   "
              f"{len(online)} findings{'' if online == offline else '  DIFFERENT'}")
        if PIP_AUDIT is None:
            print("  pip-audit: not installed (pip install 'pitstop[audit]'); skipped")
        else:
            site = next((venv / "lib").glob("python3*/site-packages"))
            argv = [PIP_AUDIT, "--path", str(site), "-s", "osv", "--osv-url", url,
                    "--progress-spinner", "off", "--format", "json",
                    "--cache-dir", str(root / "pip-audit-cache")]
            peer, out = timed(argv, project, args.runs, env)
            found = {(d["name"], v["id"]) for d in json.loads(out)["dependencies"]
                     for v in d.get("vulns", ())}
            print(f"  pip-audit -s osv --path (OSV stand-in)     {peer:7.2f} s   "
                  f"{len(found)} findings{'' if found == online else '  DIFFERENT'}")
            print(f"  ratio pitstop deps (stand-in) / pip-audit  {deps_online / peer:7.2f}x")
            print(f"  ratio pitstop deps (offline) / pip-audit   {deps / peer:7.2f}x")
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
