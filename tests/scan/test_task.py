"""The built-in `scan-secrets` task: outcome, counts per rule, nothing secret stored."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pitstop.config import load_settings
from pitstop.engine.registry import builtin_tasks
from pitstop.engine.task import TaskContext

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
