"""The example project of the README quick start (`make demo`) runs its setup workflow."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_example_setup_workflow_succeeds(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", project,
                    ignore=shutil.ignore_patterns(".pitstop", "__pycache__"))
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PITSTOP_STATE_URL")}
    # like `make demo`: the virtualenv activated, and no `python` on PATH but the venv's
    env |= {"VIRTUAL_ENV": str(bin_dir.parent), "PATH": f"{bin_dir}:/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "pitstop", "run", "setup", "--json"],
                            cwd=project, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    run = json.loads(result.stdout)
    assert [t["name"] for t in run["tasks"]] == [
        "check-env", "db-init", "migrate", "check-database", "scan-secrets", "seed", "smoke"]
    assert all(t["status"] == "success" for t in run["tasks"])
    assert (project / ".pitstop" / "app.db").is_file()
    seed = next(t for t in run["tasks"] if t["name"] == "seed")
    assert "3 products in the catalogue" in Path(seed["log"]).read_text()
