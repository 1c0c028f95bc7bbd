"""The report: sections side by side, the baseline with reasons and expiry, --fail-on,
disabled ids, the secrets section, and what never appears in a report."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from gitutil import git
from pitstop.audit import RULES
from pitstop.audit.baseline import load_baseline
from pitstop.errors import ConfigError, UsageError

from .conftest import audit, ids

TOKEN = "gh" + "p_" + "k3Jd8QmZp2Lw9XvT4nB7cR1sY6uE0aHfGqWx"


@pytest.fixture
def risky(make_project: Callable[..., Path]) -> Path:
    """A project with a high finding (.env readable by others) and a medium one
    (.pitstop/ open to others)."""
    project = make_project('[audit]\nsections = ["files"]\n')
    (project / ".env").write_text("SECRET_KEY=Wq8-not-a-placeholder\n")
    os.chmod(project / ".env", 0o644)
    (project / ".pitstop").mkdir(mode=0o755)
    os.chmod(project / ".pitstop", 0o755)
    return project


def test_fail_on(risky: Path) -> None:
    report = audit(risky)
    assert ids(report) == ["PS-FILE-001", "PS-FILE-004"]
    assert [f.severity for f in report.reported] == ["high", "medium"]  # worst first
    assert (report.failing, report.exit_code) == (1, 1)
    assert audit(risky, fail_on="critical").exit_code == 0
    assert audit(risky, fail_on="medium").failing == 2
    with pytest.raises(UsageError, match="unknown severity"):
        audit(risky, fail_on="urgent")  # type: ignore[arg-type]


def test_counts_cover_every_section_that_ran(risky: Path) -> None:
    counts = audit(risky).to_dict()["counts"]
    assert counts == {"files": {"low": 0, "medium": 1, "high": 1, "critical": 0}}


def test_disabled_ids_are_not_reported(risky: Path) -> None:
    with (risky / "pitstop.toml").open("a") as out:
        out.write('disable = ["PS-FILE-004"]\n')
    assert ids(audit(risky)) == ["PS-FILE-001"]


def test_update_baseline_needs_a_reason_and_keeps_what_is_in_force(risky: Path) -> None:
    with pytest.raises(UsageError, match="needs a reason"):
        audit(risky, update_baseline=True)
    expires = dt.date.today() + dt.timedelta(days=30)
    report = audit(risky, update_baseline=True, reason="shared dev box, OPS-12", expires=expires)
    assert (report.baseline_written, report.exit_code) == (2, 0)
    entries = load_baseline(risky / "audit-baseline.toml")
    assert {(e.id, e.key, e.reason, e.expires) for e in entries} == {
        ("PS-FILE-001", ".env", "shared dev box, OPS-12", expires),
        ("PS-FILE-004", ".pitstop/", "shared dev box, OPS-12", expires)}
    again = audit(risky)
    assert again.exit_code == 0 and not again.reported
    assert {f.status for f in again.findings} == {"accepted"}
    assert again.baseline == "audit-baseline.toml"
    # a second update keeps the entries in force as they were
    audit(risky, update_baseline=True, reason="another reason")
    assert {e.reason for e in load_baseline(risky / "audit-baseline.toml")} == \
        {"shared dev box, OPS-12"}


def test_expired_entries_report_their_findings_again(risky: Path) -> None:
    (risky / "audit-baseline.toml").write_text(
        '[[accept]]\nid = "PS-FILE-001"\nkey = ".env"\nreason = "until the vault is up"\n'
        'expires = 2020-01-31\n\n'
        '[[accept]]\nid = "PS-FILE-004"\nkey = ".pitstop/"\nreason = "dev box"\n\n'
        '[[accept]]\nid = "PS-FILE-003"\nkey = "old.sql"\nreason = "gone since"\n\n'
        '[[accept]]\nid = "PS-DB-001"\nkey = "role app"\nreason = "not run today"\n')
    report = audit(risky)
    expired = [f for f in report.findings if f.status == "expired"]
    assert [(f.id, f.reason, f.expires) for f in expired] == [
        ("PS-FILE-001", "until the vault is up", dt.date(2020, 1, 31))]
    assert report.exit_code == 1
    # only entries of sections that ran can be stale
    assert [(e.id, e.key) for e in report.stale] == [("PS-FILE-003", "old.sql")]
    audit(risky, update_baseline=True, reason="renewed")
    entries = {e.id: e for e in load_baseline(risky / "audit-baseline.toml")}
    assert entries["PS-FILE-001"].reason == "renewed" and entries["PS-FILE-001"].expires is None
    assert entries["PS-FILE-004"].reason == "dev box"
    assert "PS-DB-001" in entries and "PS-FILE-003" not in entries


@pytest.mark.parametrize(("text", "where"), [
    ('[[accept]]\nid = "PS-FILE-001"\nkey = ".env"\n', "accept[0].reason"),
    ('[[accept]]\nid = "PS-FILE-001"\nkey = ".env"\nreason = "x"\nexpires = "soon"\n',
     "accept[0].expires"),
    ('[[accept]]\nid = "PS-FILE-001"\nreason = "x"\n', "accept[0].key"),
    ('[[accept]]\nid = "PS-FILE-001"\nkey = ".env"\nreason = "x"\nwhy = 1\n', "accept[0]"),
    ("[[accept]\n", "not valid TOML"),
])
def test_malformed_baselines_name_file_and_entry(risky: Path, text: str, where: str) -> None:
    path = risky / "audit-baseline.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        audit(risky)
    assert str(path) in caught.value.message and where in caught.value.message


def test_a_named_baseline_must_exist(risky: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        audit(risky, baseline=risky / "nope.toml")
    report = audit(risky, baseline=risky / "nope.toml", update_baseline=True, reason="r")
    assert report.baseline == "nope.toml" and (risky / "nope.toml").is_file()


def test_unknown_section(risky: Path) -> None:
    with pytest.raises(UsageError, match="unknown audit section 'dns'"):
        audit(risky, only=["dns"])


def test_a_broken_section_never_hides_the_others(make_project: Callable[..., Path]) -> None:
    project = make_project('redis_url = "redis://127.0.0.1:1/0"\n'
                           '[audit]\nsections = ["redis", "files"]\n')
    (project / ".env").write_text("A=1\n")
    os.chmod(project / ".env", 0o644)
    report = audit(project)
    assert [(s.name, s.status) for s in report.sections] == [("redis", "error"),
                                                              ("files", "ok")]
    assert ids(report) == ["PS-FILE-001"]
    assert report.exit_code == 4  # incomplete: the error comes first


def test_leaked_secret_is_reported_by_file_and_line_never_shown(
        make_project: Callable[..., Path]) -> None:
    project = make_project('[audit]\nsections = ["secrets"]\n')
    git(project, "init", "-q", "-b", "main")
    (project / "app.py").write_text(f"import os\n\nTOKEN = '{TOKEN}'\n")
    git(project, "add", "app.py", "pitstop.toml")
    report = audit(project)
    (finding,) = report.reported
    assert (finding.id, finding.object, finding.path, finding.line) == \
        ("PS-SEC-001", "app.py:3", "app.py", 3)
    assert "github-pat" in finding.problem
    assert TOKEN not in repr(report.to_dict()) and TOKEN[:8] not in repr(report.to_dict())
    # the baseline key is the scanner's fingerprint: no line number in it
    assert not re.search(r":\d+$", finding.key) and finding.key.startswith("github-pat:app.py:")


def test_every_rule_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "audit.md").read_text()
    missing = [rule_id for rule_id in RULES if f"`{rule_id}`" not in docs]
    assert not missing, f"docs/audit.md does not list {missing}"
