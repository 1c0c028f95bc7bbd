"""The files section: modes of secret files, dumps and ``.pitstop/``; secrets in
``pitstop.toml`` and in a committed ``.env``; production settings read from the
environment handed in (never ``os.environ``) and the ``.env`` file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from gitutil import git
from pitstop.audit.committed import secret_variables

from .conftest import audit

PRIVATE_KEY = "-----BEGIN OPENSSH " + "PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END"
CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"


def _write(path: Path, text: str, mode: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)
    return path


def _files(project: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    report = audit(project, env, only=["files"])
    section = report.sections[0]
    assert section.status == "ok", section.reason
    return {f.object: f.id for f in section.findings}


@pytest.mark.parametrize(("name", "text"), [
    (".env", "DATABASE_URL=postgresql://app:pw@db/app\n"),
    (".env.production", "SECRET_KEY=x\n"),
    ("deploy/id_ed25519", PRIVATE_KEY),
    ("certs/server.key", PRIVATE_KEY),
    ("certs/client.pem", PRIVATE_KEY),
    ("certs/bundle.p12", "binary"),
    (".pgpass", "db:5432:*:app:pw\n"),
])
def test_secret_files_readable_by_others_are_flagged(make_project: Callable[..., Path],
                                                     name: str, text: str) -> None:
    project = make_project()
    path = _write(project / name, text, 0o644)
    assert _files(project) == {name: "PS-FILE-001"}
    os.chmod(path, 0o640)  # group-readable is flagged too
    assert _files(project) == {name: "PS-FILE-001"}
    os.chmod(path, 0o600)
    assert _files(project) == {}


def test_what_is_not_a_secret_file(make_project: Callable[..., Path]) -> None:
    project = make_project()
    _write(project / ".env.example", "SECRET_KEY=changeme\n", 0o644)
    _write(project / "certs" / "ca.pem", CERTIFICATE, 0o644)  # a certificate is public
    _write(project / "deploy" / "id_ed25519.pub", "ssh-ed25519 AAAA test\n", 0o644)
    _write(project / ".venv" / "lib" / "cacert.pem", PRIVATE_KEY, 0o644)  # a virtualenv
    _write(project / "node_modules" / "x" / ".env", "A=1\n", 0o644)
    assert _files(project) == {}


def test_dumps_backups_and_the_state_directory(make_project: Callable[..., Path]) -> None:
    project = make_project()
    _write(project / "dumps" / "prod-2025.sql.gz", "x", 0o644)
    _write(project / "db.dump", "x", 0o600)
    _write(project / ".pitstop" / "backups" / "20250101" / "data.zst", "x", 0o644)
    _write(project / ".pitstop" / "backups" / "20250101" / "manifest.json", "{}", 0o600)
    os.chmod(project / ".pitstop", 0o755)
    assert _files(project) == {"dumps/prod-2025.sql.gz": "PS-FILE-003",
                               ".pitstop/backups/": "PS-FILE-003", ".pitstop/": "PS-FILE-004"}
    os.chmod(project / ".pitstop", 0o700)
    os.chmod(project / ".pitstop" / "backups" / "20250101" / "data.zst", 0o600)
    os.chmod(project / "dumps" / "prod-2025.sql.gz", 0o600)
    assert _files(project) == {}


def test_pitstop_toml_with_secrets(make_project: Callable[..., Path]) -> None:
    project = make_project('database_url = "postgresql://app:Hq7-secret@db/app"\n')  # pitstop:allow
    os.chmod(project / "pitstop.toml", 0o644)
    report = audit(project, only=["files"])
    (finding,) = report.sections[0].findings
    assert (finding.id, finding.object) == ("PS-FILE-002", "pitstop.toml")
    assert "database_url" in finding.problem and "Hq7-secret" not in repr(report.to_dict())
    os.chmod(project / "pitstop.toml", 0o600)
    assert _files(project) == {}
    plain = make_project('database_url = "postgresql://app@db/app"\n[audit]\nfail_on = "low"\n')
    os.chmod(plain / "pitstop.toml", 0o644)
    assert _files(plain) == {}


def test_committed_env_file_with_secrets(make_project: Callable[..., Path]) -> None:
    project = make_project()
    git(project, "init", "-q", "-b", "main")
    _write(project / ".env", "DEBUG=false\nSTRIPE_SECRET_KEY=sk_test_4eC39HqLyjWDarjtT1\n"
                             "API_TOKEN=${FROM_VAULT}\nEMPTY_PASSWORD=\n", 0o600)
    _write(project / "config" / ".env.example", "SECRET_KEY=changeme\n", 0o644)
    git(project, "add", "-f", ".env", "config/.env.example")
    report = audit(project, only=["files"])
    (finding,) = report.sections[0].findings
    assert (finding.id, finding.object) == ("PS-FILE-005", ".env")
    assert finding.details["variables"] == ["STRIPE_SECRET_KEY"]
    assert "sk_test" not in repr(report.to_dict())
    git(project, "rm", "-q", "--cached", ".env")
    assert _files(project) == {}


def test_secret_variables() -> None:
    text = ("DATABASE_URL=postgresql://app:Zx9pw@db/app\nSECRET_KEY=changeme\n"  # pitstop:allow
            "PASSWORD=<your-password>\nexport REDIS_PASSWORD='Kq2-live'\nPORT=8000\n")  # pitstop:allow
    assert secret_variables(text) == ["DATABASE_URL", "REDIS_PASSWORD"]


def test_debug_and_environment_mismatch_in_production(make_project: Callable[..., Path]
                                                      ) -> None:
    project = make_project('environment = "production"\n')
    _write(project / ".env", "APP_ENV=development\nFLASK_DEBUG=1\n", 0o600)
    _write(project / "app" / "settings.py", "import os\n\nDEBUG = True\n", 0o644)
    found = _files(project, {"DEBUG": "true", "NODE_ENV": "production"})
    assert found == {"DEBUG (environment)": "PS-FILE-006",
                     "FLASK_DEBUG (.env)": "PS-FILE-006",
                     "APP_ENV (.env)": "PS-FILE-007",
                     "app/settings.py:3": "PS-FILE-006"}
    # the environment wins over .env, as for the application
    assert "APP_ENV (.env)" not in _files(project, {"APP_ENV": "production"})


def test_production_checks_read_the_environment_handed_in_only(
        make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project('environment = "production"\n')
    monkeypatch.setenv("DEBUG", "1")  # pitstop's own process environment: never read
    assert _files(project, {}) == {}
    development = make_project()
    _write(development / "settings.py", "DEBUG = True\n", 0o644)
    assert _files(development, {"DEBUG": "1"}) == {}  # not production: nothing to say


def test_excluded_paths(make_project: Callable[..., Path]) -> None:
    project = make_project('[audit]\nexclude = ["fixtures/**"]\n')
    _write(project / "fixtures" / "keys" / ".env", "A=1\n", 0o644)
    assert _files(project) == {}
