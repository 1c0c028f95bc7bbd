"""The scan verbs in the one capability shape: ``secrets(settings, …)`` returns the report
as a Result (one redacted ``to_dict``, what ``--json`` prints and the history keeps),
report formats are extensions a plugin can add, and every scan is recorded — from the
CLI and from the ``scan-secrets`` task, as a child of the workflow run."""

from __future__ import annotations

import io
import json
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitutil import git
from pitstop import registry
from pitstop.capability import Result
from pitstop.cli.main import main
from pitstop.config import load_settings
from pitstop.errors import DependencyError, ScanError, UsageError
from pitstop.scan import ScanReport, list_rules, secrets
from pitstop.scan.reporters import render

from .conftest import github_token, secrets_in, settings_at, stripe_key


def _history(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["history", "--json"]) == 0
    runs: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["runs"]
    return runs


def _state(project: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (project / ".pitstop").rglob("*") if p.is_file())


def test_the_report_is_a_result_whose_dict_is_redacted(tree: Path) -> None:
    (tree / "app.py").write_text(f"T = '{github_token()}'\n")
    report = secrets_in(tree, paths=(tree,), jobs=1)
    assert isinstance(report, Result) and report.exit_code == 1
    data = report.to_dict()
    assert data == json.loads(json.dumps(data))  # JSON-ready
    [finding] = data["findings"]
    assert finding["secret"] == "***" and finding["match"] == "ghp_…"
    assert data["findings_by_rule"] == {"github-pat": 1}
    assert github_token() not in json.dumps(data) and github_token()[:8] not in json.dumps(data)
    # the json report format keeps the documented first-4-characters form
    assert json.loads(render(report, "json"))["findings"][0]["secret"] == "ghp_…"
    (tree / "app.py").write_text("T = None\n")
    assert secrets_in(tree, paths=(tree,), jobs=1).exit_code == 0


def test_options_and_settings(tree: Path) -> None:
    (tree / "pitstop.toml").write_text('[scan]\nexclude = ["vendor/**"]\n')
    (tree / "vendor").mkdir()
    (tree / "vendor" / "v.py").write_text(f"T = '{github_token(1)}'\n")
    (tree / "app.py").write_text(f"T = '{github_token(2)}'\nS = '{stripe_key()}'\n")
    settings = registry.load_settings(tree, env={})
    report = secrets(settings, paths=[Path(".")], jobs=1)  # relative to the project
    assert sorted(f.rule for f in report.findings) == ["github-pat", "stripe-secret-key"]
    narrowed = secrets(settings, paths=[tree], jobs=1, exclude=["app.py"])
    assert narrowed.findings == ()  # exclude adds to [scan] exclude
    fewer = secrets(settings, paths=[tree], jobs=1, disable=["stripe-secret-key"])
    assert [f.rule for f in fewer.findings] == ["github-pat"]
    piped = secrets(settings, stdin=io.BytesIO(f"k = '{stripe_key()}'\n".encode()))
    assert (piped.mode, [f.path for f in piped.findings]) == ("stdin", ["<stdin>"])


@pytest.mark.parametrize(("options", "words"), [
    ({"staged": True, "history": "HEAD"}, "the sources staged and history cannot be combined"),
    ({"paths": [Path(".")], "stdin": io.BytesIO(b"")}, "paths and stdin cannot be combined"),
    ({"update_baseline": True}, "updating the baseline needs a baseline file"),
    ({"max_file_size": 0}, "the maximum file size must be at least 1 byte"),
    ({"jobs": 0}, "the number of worker processes must be at least 1"),
])
def test_usage_errors_name_options_in_words(tree: Path, options: dict[str, Any],
                                            words: str) -> None:
    with pytest.raises(UsageError) as info:
        secrets_in(tree, **options)
    assert words in info.value.message
    assert "--" not in info.value.message and "--" not in (info.value.hint or "")


def test_git_runs_in_the_settings_environment(git_repo: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (git_repo / "app.py").write_text(f"T = '{github_token()}'\n")
    git(git_repo, "add", ".")
    real_path = os.environ["PATH"]
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))  # not where the verb looks
    report = secrets_in(git_repo, staged=True, env={"PATH": real_path})
    assert [f.path for f in report.findings] == ["app.py"]
    monkeypatch.setenv("PATH", real_path)
    with pytest.raises(DependencyError) as info:
        secrets_in(git_repo, staged=True, env={"PATH": str(tmp_path / "no-bin")})
    assert "--" not in (info.value.hint or "")


def test_rules_is_a_listing(tree: Path) -> None:
    listing = list_rules(settings_at(tree))
    rules = listing.to_dict()["rules"]
    assert len(rules) >= 200 and set(rules[0]) == {"id", "description", "keywords",
                                                    "entropy", "tags"}
    assert not hasattr(list_rules, "__pitstop_verb__")  # not recorded


# -- report formats are extensions ----------------------------------------------------------
COUNT_REPORTER = '''
    def render(report, redact=True):
        return f"{len(report.findings)} finding(s) in {report.stats.files} file(s)\\n"


    def broken(report, redact=True):
        raise RuntimeError("the plugin's own bug")
'''


@pytest.fixture
def reporter_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A module on ``sys.path`` and an installed distribution's metadata declaring it as
    the ``pitstop.reporters`` entry point ``count`` (and two broken ones)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "pitstop_count_report.py").write_text(textwrap.dedent(COUNT_REPORTER))
    info = site / "pitstop_count-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pitstop-count\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[pitstop.reporters]\ncount = pitstop_count_report:render\n"
        "crash = pitstop_count_report:broken\nmissing = pitstop_count_gone:render\n")
    monkeypatch.syspath_prepend(str(site))
    registry.reset()
    yield site
    registry.reset()


def test_a_reporter_given_to_load_settings_is_a_format(tree: Path,
                                                      reporter_plugin: Path) -> None:
    (tree / "app.py").write_text(f"T = '{github_token()}'\n")
    settings = load_settings(tree, discover=False, env={}, sections=registry.sections(),
                             extensions={"reporters": {"tally": "pitstop_count_report:render"}})
    report = secrets(settings, paths=[tree], jobs=1)
    reporters = settings.extensions["reporters"]
    assert render(report, "tally", reporters=reporters) == "1 finding(s) in 1 file(s)\n"
    with pytest.raises(UsageError, match="unknown report format 'sarif'") as info:
        render(report, "sarif", reporters=reporters)  # only what the settings name
    assert info.value.hint == "choose one of tally"


def test_a_plugin_format_works_end_to_end(tree: Path, reporter_plugin: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "app.py").write_text(f"T = '{github_token()}'\nS = '{stripe_key()}'\n")
    monkeypatch.chdir(tree)
    assert main(["scan", "secrets", ".", "--format", "count"]) == 1
    assert capsys.readouterr().out == "2 finding(s) in 1 file(s)\n"
    assert main(["scan", "secrets", ".", "--format", "count", "-o", "report.txt"]) == 1
    assert (tree / "report.txt").read_text() == "2 finding(s) in 1 file(s)\n"
    assert main(["scan", "secrets", ".", "--format", "sarif", "-o", "r.sarif"]) == 1
    assert main(["scan", "secrets", ".", "--format", "xml"]) == 3
    err = capsys.readouterr().err
    assert "unknown report format 'xml'" in err and "count" in err and "sarif" in err


def test_a_broken_plugin_format_is_named_not_a_traceback(tree: Path, reporter_plugin: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    (tree / "app.py").write_text("x = 1\n")
    monkeypatch.chdir(tree)
    assert main(["scan", "secrets", ".", "--format", "missing"]) == 2
    err = capsys.readouterr().err
    assert "report format 'missing' (pitstop_count_gone:render) cannot be loaded" in err
    assert main(["scan", "secrets", ".", "--format", "crash"]) == 1
    err = capsys.readouterr().err
    assert "report format 'crash'" in err and "the plugin's own bug" in err
    assert "Traceback" not in err and "unexpected error" not in err
    report = secrets_in(tree, paths=(tree,), jobs=1)
    with pytest.raises(ScanError):
        render(report, "crash", reporters={"crash": "pitstop_count_report:broken"})
    with pytest.raises(DependencyError):
        render(report, "missing", reporters={"missing": "pitstop_count_gone:render"})


# -- one history --------------------------------------------------------------------------
def test_scans_from_the_cli_are_recorded_and_listings_are_not(
        git_repo: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (git_repo / "pitstop.toml").write_text("")
    (git_repo / "app.py").write_text(f"T = '{github_token()}'\n")
    git(git_repo, "add", ".")
    monkeypatch.chdir(git_repo)
    assert main(["scan", "secrets", "--staged", "--json"]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert main(["scan", "secrets", "--format", "sarif", "--exclude", "app.py"]) == 0
    assert main(["scan", "rules"]) == 0
    assert main(["scan", "secrets", "--config", "nope.toml"]) == 3
    failed, clean, found = _history(capsys)
    for run in (failed, clean, found):
        assert (run["target"], run["kind"], run["capability"], run["trigger"]) == (
            "scan secrets", "verb", "scan", "cli")
    assert (found["status"], found["exit_code"]) == ("failed", 1)
    assert found["options"] == {"staged": True, "root": str(git_repo)}
    assert found["result"] == printed  # --json is the result's one dict
    assert found["result"]["findings_by_rule"] == {"github-pat": 1}
    assert (clean["status"], clean["exit_code"]) == ("success", 0)
    assert clean["options"]["exclude"] == ["app.py"]
    assert failed["exit_code"] == 3 and "nope.toml" in failed["error"]
    assert github_token()[:8].encode() not in _state(git_repo)


def test_the_workflow_task_records_the_verb_as_its_child(git_repo: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    (git_repo / "pitstop.toml").write_text('[workflows]\naudit = ["scan-secrets"]\n')
    (git_repo / "app.py").write_text(f"T = '{github_token()}'\n")
    git(git_repo, "add", ".")
    monkeypatch.chdir(git_repo)
    assert main(["run", "audit"]) == 1
    verb, workflow = _history(capsys)
    assert (workflow["kind"], workflow["target"]) == ("workflow", "audit")
    assert (verb["target"], verb["trigger"], verb["parent_id"]) == (
        "scan secrets", "workflow", workflow["id"])
    assert verb["status"] == "failed" and verb["exit_code"] == 1
    assert verb["result"]["findings_by_rule"] == {"github-pat": 1}
    assert verb["result"]["findings"][0]["path"] == "app.py"
    assert main(["history", "show", workflow["id"], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in shown["children"]] == [verb["id"]]
    assert github_token()[:8].encode() not in _state(git_repo)


def test_the_task_and_the_cli_call_the_same_verb(git_repo: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The task's stored data is the verb's to_dict(), as --json prints it."""
    import logging

    from pitstop.capability import TaskContext

    (git_repo / "pitstop.toml").write_text("")
    (git_repo / "app.py").write_text(f"T = '{github_token()}'\n")
    git(git_repo, "add", ".")
    monkeypatch.chdir(git_repo)
    assert main(["scan", "secrets", "--json"]) == 1
    printed = json.loads(capsys.readouterr().out)
    task = registry.tasks()["scan-secrets"].load()
    log = logging.LoggerAdapter(logging.getLogger("pitstop.scan"), {"task": "scan-secrets"})
    outcome = task(TaskContext(name="scan-secrets", settings=registry.load_settings(git_repo),
                               run_id="r1", log=log))
    for data in (printed, dict(outcome.data)):
        data["stats"].pop("seconds")
    assert dict(outcome.data) == printed
    assert isinstance(secrets(registry.load_settings(git_repo)), ScanReport)
