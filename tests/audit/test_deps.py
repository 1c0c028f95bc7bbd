"""The deps section: packages of a real (throwaway) virtualenv or of requirements and
lock files, against an OSV directory offline, and the OSV service path up to the
requests it sends (a real HTTP server on 127.0.0.1 stands in for OSV)."""

from __future__ import annotations

import json
import os
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from pitstop.audit.packages import from_files, installed
from pitstop.project_python import find_interpreter

from .conftest import ADVISORIES, EXPECTED, FAKE_PACKAGES, audit


def _deps(report: Any) -> dict[tuple[str, str], tuple[str, str | None]]:
    section = next(s for s in report.sections if s.name == "deps")
    assert section.status == "ok", section.reason
    return {(f.details["package"], f.details["advisory"]): (f.severity, f.details["fixed"])
            for f in section.findings}


def test_installed_packages_of_a_throwaway_venv(fake_venv: Path, tmp_path: Path) -> None:
    inventory = installed(find_interpreter(tmp_path, configured=fake_venv), tmp_path)
    found = {p.name: p.version for p in inventory.packages}
    assert found == FAKE_PACKAGES  # a venv without pip: exactly what pip installed
    assert str(fake_venv) in inventory.source


def test_offline_osv_directory_gives_exactly_the_expected_findings(
        make_project: Callable[..., Path], fake_venv: Path, osv_dir: Path) -> None:
    project = make_project(f'[audit]\nosv_db = "{osv_dir}"\n')
    report = audit(project, only=["deps"], python=fake_venv)
    assert _deps(report) == EXPECTED
    alpha = next(f for f in report.findings if f.details["package"] == "pitstop-fake-alpha")
    assert alpha.id == "PS-DEP-001"
    assert alpha.object == "pitstop-fake-alpha 1.0.0"
    assert set(alpha.details["aliases"]) == {"CVE-2099-1001", "PYSEC-2099-1"}
    assert "CVE-2099-1001" in alpha.problem and "fixed in 1.1.0" in alpha.problem
    assert alpha.fix == "upgrade pitstop-fake-alpha to 1.1.0 or later"
    section = report.sections[0]
    assert any("BROKEN-1.json" in note for note in section.notes)
    assert any("no severity rating" in note for note in section.notes)
    assert report.exit_code == 1  # critical and high findings, default fail_on high


def test_the_osv_export_as_a_zip(make_project: Callable[..., Path], fake_venv: Path,
                                 osv_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in osv_dir.glob("*.json"):
            out.write(path, path.name)
    project = make_project(f'[audit]\nosv_db = "{archive}"\n')
    assert _deps(audit(project, only=["deps"], python=fake_venv)) == EXPECTED


def test_the_project_venv_is_found_without_being_named(
        make_project: Callable[..., Path], fake_venv: Path, osv_dir: Path) -> None:
    project = make_project(f'[audit]\nosv_db = "{osv_dir}"\n')
    venv = fake_venv.parent.parent
    env = {"VIRTUAL_ENV": str(venv)}
    found = find_interpreter(project, virtual_env=venv)
    assert (found.path, found.source) == (venv / "bin" / "python", "virtual_env")
    assert _deps(audit(project, env, only=["deps"])) == EXPECTED
    (project / ".venv").symlink_to(venv)
    assert find_interpreter(project).source == "project_venv"
    assert _deps(audit(project, {}, only=["deps"])) == EXPECTED


REQUIREMENTS = """\
# pinned, with a hash on a continuation line
pitstop-fake-alpha==1.0.0 \\
    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000
pitstop-fake-beta>=1.0       # not pinned: skipped
-e ./local-package
--index-url https://example.invalid/simple
-r more-requirements.txt
pitstop-fake-safe @ https://example.invalid/safe.whl
"""


def test_requirements_files(make_project: Callable[..., Path], osv_dir: Path) -> None:
    project = make_project(f'[audit]\nosv_db = "{osv_dir}"\n')
    (project / "requirements.txt").write_text(REQUIREMENTS)
    (project / "more-requirements.txt").write_text("pitstop-fake-gamma==0.5  # included\n")
    report = audit(project, only=["deps"], requirements=[Path("requirements.txt")])
    found = {f.object: f.details["advisory"] for f in report.findings}
    assert found == {"requirements.txt:2 pitstop-fake-alpha==1.0.0": "GHSA-test-alph-0001",
                     "more-requirements.txt:1 pitstop-fake-gamma==0.5": "PYSEC-2099-3"}
    alpha = next(f for f in report.findings if f.details["package"] == "pitstop-fake-alpha")
    assert (alpha.path, alpha.line) == ("requirements.txt", 2)
    skipped = {(s["package"], s["origin"], s["reason"]) for s in report.sections[0].skipped}
    assert skipped == {
        ("pitstop-fake-beta", "requirements.txt:4", "not pinned (>=1.0)"),
        ("./local-package", "requirements.txt:5", "editable install"),
        ("pitstop-fake-safe", "requirements.txt:8", "a direct reference (URL or path)"),
    }


UV_LOCK = """\
version = 1
requires-python = ">=3.11"

[[package]]
name = "myapp"
version = "0.1.0"
source = { editable = "." }

[[package]]
name = "pitstop-fake-alpha"
version = "1.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pitstop-fake-delta"
version = "3.1.4"
source = { registry = "https://pypi.org/simple" }
"""

POETRY_LOCK = """\
[[package]]
name = "pitstop-fake-beta"
version = "2.0.0"
description = ""
optional = false
python-versions = "*"
files = []

[[package]]
name = "vendored"
version = "1.0"
description = ""
optional = false
python-versions = "*"
files = []

[package.source]
type = "directory"
url = "vendor/vendored"

[metadata]
lock-version = "2.0"
"""

PYLOCK = """\
lock-version = "1.0"
created-by = "pip"

[[packages]]
name = "pitstop-fake-gamma"
version = "0.5"

[[packages]]
name = "from-git"
vcs = { type = "git", url = "https://example.invalid/x.git", commit-id = "abc" }
"""


def test_lock_files(make_project: Callable[..., Path], osv_dir: Path) -> None:
    project = make_project(f'[audit]\nosv_db = "{osv_dir}"\nrequirements = ["uv.lock", '
                           '"poetry.lock", "pylock.toml"]\n')
    (project / "uv.lock").write_text(UV_LOCK)
    (project / "poetry.lock").write_text(POETRY_LOCK)
    (project / "pylock.toml").write_text(PYLOCK)
    report = audit(project, only=["deps"])
    assert {f.object for f in report.findings} == {
        "uv.lock:10 pitstop-fake-alpha==1.0.0", "uv.lock:15 pitstop-fake-delta==3.1.4",
        "poetry.lock:2 pitstop-fake-beta==2.0.0", "pylock.toml:5 pitstop-fake-gamma==0.5"}
    skipped = {(s["package"], s["reason"]) for s in report.sections[0].skipped}
    assert skipped == {("myapp", "not from a package index (editable)"),
                       ("vendored", "not from a package index (directory)"),
                       ("from-git", "not from a package index (vcs)")}


def test_missing_requirements_file_is_a_configuration_error(
        make_project: Callable[..., Path], osv_dir: Path) -> None:
    project = make_project(f'[audit]\nosv_db = "{osv_dir}"\n')
    report = audit(project, only=["deps"], requirements=[Path("nope.txt")])
    section = report.sections[0]
    assert (section.status, section.exit_code) == ("error", 3)
    assert "nope.txt" in (section.reason or "")
    assert report.exit_code == 3


def test_missing_osv_db_is_a_configuration_error(make_project: Callable[..., Path],
                                                 fake_venv: Path, tmp_path: Path) -> None:
    project = make_project(f'[audit]\nosv_db = "{tmp_path / "absent"}"\n')
    section = audit(project, only=["deps"], python=fake_venv).sections[0]
    assert (section.status, section.exit_code) == ("error", 3)
    assert "does not exist" in (section.reason or "")


def test_a_venv_whose_interpreter_is_gone(make_project: Callable[..., Path], osv_dir: Path,
                                          tmp_path: Path) -> None:
    project = make_project(f'[audit]\nosv_db = "{osv_dir}"\n')
    broken = tmp_path / "broken"
    (broken / "bin").mkdir(parents=True)
    (broken / "bin" / "python").symlink_to(tmp_path / "no-such-python")
    section = audit(project, only=["deps"], python=broken / "bin" / "python").sections[0]
    # an interpreter that cannot start is a missing dependency (exit 2), as everywhere
    assert (section.status, section.exit_code) == ("error", 2)


# -- the OSV service -------------------------------------------------------------------------
class _OSV(BaseHTTPRequestHandler):
    """Answers OSV's query API from :data:`ADVISORIES` (as osv.dev would: every
    advisory naming the package), recording each request."""

    requests: ClassVar[list[dict[str, Any]]] = []
    status = 200

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body})
        name = body["package"]["name"]
        from packaging.utils import canonicalize_name

        vulns = [a for a in ADVISORIES if not a.get("withdrawn") and any(
            canonicalize_name(x["package"]["name"]) == name and x["package"]["ecosystem"] == "PyPI"
            for x in a["affected"]) and a["id"] != "GHSA-test-beta-0002"]
        payload = json.dumps({"vulns": vulns} if vulns else {}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def osv_server() -> Iterator[tuple[str, type[_OSV]]]:
    handler = type("Handler", (_OSV,), {"requests": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query", handler
    server.shutdown()
    server.server_close()
    thread.join()


def test_osv_service_is_asked_one_query_per_package(
        make_project: Callable[..., Path], fake_venv: Path,
        osv_server: tuple[str, type[_OSV]]) -> None:
    pytest.importorskip("pip_audit")
    url, handler = osv_server
    project = make_project(f'[audit]\nosv_url = "{url}"\n')
    report = audit(project, only=["deps"], python=fake_venv)
    bodies = sorted((r["body"] for r in handler.requests), key=lambda b: b["package"]["name"])
    assert {r["path"] for r in handler.requests} == {"/v1/query"}
    assert bodies == [{"package": {"name": name, "ecosystem": "PyPI"}, "version": version}
                      for name, version in sorted(FAKE_PACKAGES.items())]
    found = _deps(report)
    # the service answers the range evaluation for us; pip-audit keeps ECOSYSTEM fixes
    assert set(found) == set(EXPECTED)
    assert found[("pitstop-fake-alpha", "GHSA-test-alph-0001")] == ("critical", "1.1.0")
    assert found[("pitstop-fake-beta", "GHSA-test-beta-0001")][0] == "medium"
    # pip-audit's cache is pitstop's (.pitstop/cache/osv), never one in the home directory
    assert not (Path(os.environ["HOME"]) / ".cache" / "pip-audit").exists()


def test_osv_service_failure_is_a_connection_error(
        make_project: Callable[..., Path], fake_venv: Path,
        osv_server: tuple[str, type[_OSV]]) -> None:
    pytest.importorskip("pip_audit")
    url, handler = osv_server
    handler.status = 503
    project = make_project(f'[audit]\nosv_url = "{url}"\n')
    section = audit(project, only=["deps"], python=fake_venv).sections[0]
    assert (section.status, section.exit_code) == ("error", 4)
    assert url in (section.reason or "")


def test_unreachable_osv_service(make_project: Callable[..., Path], fake_venv: Path) -> None:
    pytest.importorskip("pip_audit")
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    project = make_project(f'[audit]\nosv_url = "http://127.0.0.1:{port}/v1/query"\n')
    section = audit(project, only=["deps"], python=fake_venv).sections[0]
    assert (section.status, section.exit_code) == ("error", 4)
    assert "cannot reach the OSV service" in (section.reason or "")


def test_from_files_reports_what_it_read(tmp_path: Path) -> None:
    (tmp_path / "requirements-dev.txt").write_text("pitstop-fake-alpha===1.0.0\n")
    inventory = from_files((Path("requirements-dev.txt"),), tmp_path)
    assert [(p.name, p.version) for p in inventory.packages] == [("pitstop-fake-alpha", "1.0.0")]
    assert inventory.source == "1 packages pinned in requirements-dev.txt"
    assert shutil.which("git") is not None  # the other sections' tests need it too


def test_without_pip_audit_the_service_path_names_the_extra(
        make_project: Callable[..., Path], fake_venv: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pip_audit", None)  # as if pitstop[audit] were absent
    project = make_project('[audit]\nosv_url = "http://127.0.0.1:9/v1/query"\n')
    section = audit(project, only=["deps"], python=fake_venv).sections[0]
    assert (section.status, section.exit_code) == ("error", 2)
    assert "pip install 'pitstop[audit]'" in (section.hint or "")
