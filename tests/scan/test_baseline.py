"""Baseline: round trip, new findings only, no churn when lines move, stale entries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pitstop.errors import ConfigError
from pitstop.scan.baseline import load_baseline

from .conftest import aws_key, github_token, secrets_in, stripe_key


def _scan(tree: Path, baseline: Path, **options: object):  # type: ignore[no-untyped-def]
    return secrets_in(tree, baseline=baseline, jobs=1, **options)


def test_round_trip_new_and_stale(tree: Path) -> None:
    baseline = tree / ".pitstop-secrets.json"
    app = tree / "app.py"
    app.write_text(f"a = '{github_token()}'\nb = '{stripe_key()}'\n")
    written = _scan(tree, baseline, update_baseline=True)
    assert written.baseline_written == 2 and written.findings == ()
    data = json.loads(baseline.read_text())
    assert data["version"] == 1
    assert {e["rule"] for e in data["findings"]} == {"github-pat", "stripe-secret-key"}
    text = baseline.read_text()
    assert github_token() not in text and stripe_key() not in text  # only hashes
    assert all(set(e) == {"rule", "path", "hash"} for e in data["findings"])

    clean = _scan(tree, baseline, explain=True)
    assert clean.findings == () and clean.stats.baselined == 2 and clean.stale == ()
    assert {(d.rule, d.reason) for d in clean.dropped} == {
        ("github-pat", "in the baseline"), ("stripe-secret-key", "in the baseline")}

    # lines move and a new secret appears: only the new one is reported
    app.write_text(f"import os\n\n\na = '{github_token()}'\nc = '{aws_key()}'\n"
                   f"b = '{stripe_key()}'\n")
    report = _scan(tree, baseline)
    assert [(f.rule, f.line) for f in report.findings] == [("aws-access-key-id", 5)]
    assert report.stats.baselined == 2

    # a baselined secret removed: its entry is stale
    app.write_text(f"a = '{github_token()}'\n")
    report = _scan(tree, baseline)
    assert report.findings == ()
    assert [e.rule for e in report.stale] == ["stripe-secret-key"]


def test_baseline_is_per_path(tree: Path) -> None:
    baseline = tree / "baseline.json"
    (tree / "a.py").write_text(f"k = '{github_token()}'\n")
    _scan(tree, baseline, update_baseline=True)
    (tree / "b.py").write_text(f"k = '{github_token()}'\n")  # the same secret elsewhere
    report = _scan(tree, baseline)
    assert [f.path for f in report.findings] == ["b.py"]


def test_stale_only_for_scanned_paths(tree: Path) -> None:
    baseline = tree / "baseline.json"
    (tree / "a.py").write_text(f"k = '{github_token()}'\n")
    (tree / "b.py").write_text(f"k = '{stripe_key()}'\n")
    _scan(tree, baseline, update_baseline=True)
    (tree / "a.py").write_text("k = None\n")
    report = _scan(tree, baseline, paths=(tree / "b.py",))
    assert report.stale == ()  # a.py was not part of this scan
    report = _scan(tree, baseline, paths=(tree / "a.py",))
    assert [e.path for e in report.stale] == ["a.py"]


def test_missing_baseline_is_empty_and_bad_one_is_a_config_error(tree: Path) -> None:
    assert load_baseline(tree / "nope.json") == ()
    bad = tree / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON") as info:
        load_baseline(bad)
    assert info.value.exit_code == 3
    bad.write_text('{"findings": [{"rule": 1}]}')
    with pytest.raises(ConfigError, match=r"findings\[0\]"):
        load_baseline(bad)


def test_update_needs_a_file(tree: Path) -> None:
    (tree / "a.py").write_text("x")
    with pytest.raises(ConfigError, match="needs a baseline"):
        secrets_in(tree, update_baseline=True)


def test_update_without_a_file_fails_before_scanning(tree: Path) -> None:
    """The usage error comes first: no scan is run (an empty tree would otherwise report
    'nothing to scan')."""
    with pytest.raises(ConfigError, match="needs a baseline"):
        secrets_in(tree, paths=(tree,), update_baseline=True)
