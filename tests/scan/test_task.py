"""The built-in `scan-secrets` task: outcome, counts per rule, nothing secret stored."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pitstop.capability import TaskContext
from pitstop.registry import load_settings
from pitstop.registry import tasks as builtin_tasks

from .conftest import github_token, stripe_key


def _context(project: Path) -> TaskContext:
    settings = load_settings(project)
    log = logging.LoggerAdapter(logging.getLogger("pitstop.scan"), {"task": "scan-secrets"})
    return TaskContext(name="scan-secrets", settings=settings, run_id="r1", log=log)


def test_task_counts_findings_by_rule(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "pitstop.toml").write_text('[scan]\nexclude = ["ignored"]\n')
    (project / "a.py").write_text(f"A = '{github_token(1)}'\nB = '{github_token(2)}'\n")
    (project / "b.py").write_text(f"S = '{stripe_key()}'\n")
    (project / "ignored").mkdir()
    (project / "ignored" / "c.py").write_text(f"S = '{stripe_key(3)}'\n")
    task = builtin_tasks()["scan-secrets"].load()
    outcome = task(_context(project))
    assert outcome.status == "failed" and outcome.exit_code == 1
    assert outcome.message == "3 secrets found"
    assert outcome.data["findings_by_rule"] == {"github-pat": 2, "stripe-secret-key": 1}
    stored = json.dumps(dict(outcome.data))
    for secret in (github_token(1), github_token(2), stripe_key()):
        assert secret not in stored and secret[:8] not in stored


def test_task_clean(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "pitstop.toml").write_text("")
    (project / "a.py").write_text("print('hi')\n")
    outcome = builtin_tasks()["scan-secrets"].load()(_context(project))
    assert outcome.status == "success" and outcome.exit_code == 0
    assert outcome.data["findings_by_rule"] == {}


def test_workflow_run_exports_the_metric_and_stores_no_secret(git_repo: Path) -> None:
    """`pitstop run` of a workflow with `scan-secrets`, end to end: the run fails with
    exit 1, the textfile holds pitstop_scan_findings{rule} per rule, and neither the
    state database (with its WAL), the task log nor the metrics hold a secret."""
    import os
    import subprocess
    import sys

    from gitutil import git

    secrets = (github_token(1), stripe_key(), "Xq9v" + "T4mZp2Lw")
    (git_repo / "pitstop.toml").write_text(
        '[metrics]\ntextfile = "out/pitstop.prom"\n[workflows]\naudit = ["scan-secrets"]\n')
    (git_repo / "app.py").write_text(f"A = '{secrets[0]}'\nB = '{secrets[1]}'\n")
    (git_repo / "db.py").write_text(f"DB = 'postgresql://app:{secrets[2]}@db.internal/app'\n")
    git(git_repo, "add", ".")
    exe = Path(sys.executable).with_name("pitstop")
    result = subprocess.run([str(exe), "run", "audit"], cwd=git_repo, capture_output=True,
                            text=True, check=False, env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 1, result.stderr
    prom = (git_repo / "out" / "pitstop.prom").read_text()
    for rule in ("github-pat", "postgres-url-password", "stripe-secret-key"):
        assert f'pitstop_scan_findings{{rule="{rule}"}} 1.0' in prom
    assert prom.count("pitstop_scan_findings{") == 3  # one series per rule, no more
    stored = [p for p in (git_repo / ".pitstop").rglob("*") if p.is_file()]
    assert any(p.name.startswith("state.db") for p in stored)
    assert any(p.suffix == ".log" for p in stored)
    everything = b"".join(p.read_bytes() for p in stored) + prom.encode() + \
        (result.stdout + result.stderr).encode()
    for secret in secrets:
        assert secret.encode() not in everything, secret[:4]
        assert secret[:8].encode() not in everything, secret[:4]
