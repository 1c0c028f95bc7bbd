"""Fixtures for the audit tests: projects, settings, a throwaway virtualenv with made-up
packages installed by pip, and an OSV directory of advisories written for them."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from pitstop.audit import AuditReport, run_audit
from pitstop.config import Settings
from pitstop.registry import load_settings

from .wheels import make_venv

FAKE_PACKAGES = {"pitstop-fake-alpha": "1.0.0", "pitstop-fake-beta": "2.0.0",
                 "pitstop-fake-gamma": "0.5", "pitstop-fake-delta": "3.1.4",
                 "pitstop-fake-safe": "9.9.9"}


def settings_for(project: Path, env: Mapping[str, str] | None = None) -> Settings:
    """The project's settings as the CLI would load them, with ``env`` as the
    environment (``PATH`` kept so git can be found)."""
    return load_settings(project, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                       **(env or {})})


def audit(project: Path, env: Mapping[str, str] | None = None, **options: Any) -> AuditReport:
    return run_audit(settings_for(project, env), **options)


def ids(report: AuditReport, section: str | None = None) -> list[str]:
    return sorted(f.id for f in report.reported if section is None or f.section == section)


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """``make_project(config_text)``: a project directory with that ``pitstop.toml``."""
    count = 0

    def make(config: str = "", name: str | None = None) -> Path:
        nonlocal count
        count += 1
        root = tmp_path / (name or f"project{count}")
        root.mkdir()
        (root / "pitstop.toml").write_text(config)
        os.chmod(root / "pitstop.toml", 0o600)
        return root

    return make


@pytest.fixture(scope="session")
def fake_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The interpreter of a throwaway virtualenv holding :data:`FAKE_PACKAGES`."""
    return make_venv(tmp_path_factory.mktemp("venvs") / "fake", FAKE_PACKAGES)


# -- OSV advisories --------------------------------------------------------------------------
def advisory(vuln_id: str, package: str, *, ranges: list[dict[str, Any]] | None = None,
             versions: list[str] | None = None, ecosystem: str = "PyPI",
             **extra: Any) -> dict[str, Any]:
    affected: dict[str, Any] = {"package": {"name": package, "ecosystem": ecosystem}}
    if ranges is not None:
        affected["ranges"] = ranges
    if versions is not None:
        affected["versions"] = versions
    return {"schema_version": "1.6.0", "id": vuln_id, "modified": "2099-01-01T00:00:00Z",
            "summary": f"{vuln_id} in {package}", "affected": [affected], **extra}


def ecosystem(*events: dict[str, str], kind: str = "ECOSYSTEM") -> dict[str, Any]:
    return {"type": kind, "events": list(events)}


ADVISORIES = [
    # alpha 1.0.0: covered; a GHSA rated CRITICAL and a PYSEC alias of it (merged)
    advisory("GHSA-test-alph-0001", "pitstop-fake-alpha",
             ranges=[ecosystem({"introduced": "0"}, {"fixed": "1.2.0"})],
             aliases=["CVE-2099-1001"], database_specific={"severity": "CRITICAL"}),
    advisory("PYSEC-2099-1", "pitstop_fake_alpha",
             ranges=[ecosystem({"introduced": "0.5"}, {"fixed": "1.1.0"})],
             aliases=["GHSA-test-alph-0001", "CVE-2099-1001"]),
    # beta 2.0.0: last_affected 2.0.0, rated by a CVSS 3.1 vector (5.5, medium), no fix
    advisory("GHSA-test-beta-0001", "Pitstop.Fake.Beta",
             ranges=[ecosystem({"introduced": "1.0"}, {"last_affected": "2.0.0"})],
             severity=[{"type": "CVSS_V3",
                        "score": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"}]),
    # beta: a later range that does not cover 2.0.0
    advisory("GHSA-test-beta-0002", "pitstop-fake-beta",
             ranges=[ecosystem({"introduced": "2.1.0"}, {"fixed": "2.3.0"})]),
    # gamma 0.5: only an explicit versions list, no fix
    advisory("PYSEC-2099-3", "pitstop-fake-gamma", versions=["0.4", "0.5", "0.6"],
             database_specific={"severity": "LOW"}),
    # gamma: withdrawn, ignored
    advisory("PYSEC-2099-4", "pitstop-fake-gamma",
             ranges=[ecosystem({"introduced": "0"})], withdrawn="2099-02-01T00:00:00Z"),
    # delta 3.1.4: a SEMVER range, unrated (reported as high)
    advisory("OSV-2099-5", "pitstop-fake-delta",
             ranges=[ecosystem({"introduced": "3.0.0"}, {"fixed": "3.2.0"}, kind="SEMVER")]),
    # not installed, and another ecosystem's package of the same name
    advisory("PYSEC-2099-6", "pitstop-fake-missing", ranges=[ecosystem({"introduced": "0"})]),
    advisory("GHSA-test-npm-0001", "pitstop-fake-safe", ecosystem="npm",
             ranges=[ecosystem({"introduced": "0"})]),
]

EXPECTED = {
    ("pitstop-fake-alpha", "GHSA-test-alph-0001"): ("critical", "1.1.0"),
    ("pitstop-fake-beta", "GHSA-test-beta-0001"): ("medium", None),
    ("pitstop-fake-gamma", "PYSEC-2099-3"): ("low", None),
    ("pitstop-fake-delta", "OSV-2099-5"): ("high", "3.2.0"),
}
"""(package, advisory) → (severity, first fixed version) the OSV directory must give."""


def write_osv(directory: Path, advisories: list[dict[str, Any]] = ADVISORIES) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for item in advisories:
        (directory / f"{item['id']}.json").write_text(json.dumps(item, indent=2))
    (directory / "BROKEN-1.json").write_text("{not json")
    return directory


@pytest.fixture
def osv_dir(tmp_path: Path) -> Path:
    return write_osv(tmp_path / "osv")


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """``start(*args)``: a second redis-server on a free loopback port (no persistence,
    its own directory), started with ``args``; returns its address.  Killed after."""
    import shutil
    import socket
    import threading

    if shutil.which("redis-server") is None:
        message = "redis-server is not installed (Debian package redis-server)"
        if os.environ.get("PITSTOP_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message} and PITSTOP_REQUIRE_SERVICES=1")
        pytest.skip(message)
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        directory = tmp_path / f"redis-{port}"
        directory.mkdir()
        proc = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(directory),
             "--loglevel", "notice", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        started.append(proc)
        assert proc.stdout is not None
        for line in proc.stdout:  # the server says when it accepts connections
            if b"Ready to accept connections" in line:
                break
        else:
            raise AssertionError(f"redis-server on port {port} exited ({proc.wait()})")
        # keep reading what it logs, so that a full pipe never stalls it
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        return f"127.0.0.1:{port}"

    yield start
    for proc in started:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
