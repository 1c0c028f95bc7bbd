"""OSV range evaluation, advisory merging and ratings (CVSS 3 base scores)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from packaging.version import Version

from pitstop.audit.cvss import base_score, rating
from pitstop.audit.osv import Vulnerability, advisory_severity, evaluate, merge

from .conftest import advisory, ecosystem


def _covers(vuln: dict[str, Any], version: str, name: str = "pkg") -> bool:
    return evaluate(vuln, name, version) is not None


@pytest.mark.parametrize(("events", "covered", "not_covered"), [
    ([{"introduced": "0"}, {"fixed": "1.2"}], ["0.1", "1.1.9", "1.2rc1"], ["1.2", "2.0"]),
    ([{"introduced": "1.0"}, {"last_affected": "1.5"}], ["1.0", "1.5"], ["0.9", "1.5.1"]),
    ([{"introduced": "1.0"}, {"fixed": "1.2"}, {"introduced": "2.0"}, {"fixed": "2.1"}],
     ["1.1", "2.0.5"], ["1.3", "2.1", "0.5"]),
    ([{"fixed": "2.1"}, {"introduced": "2.0"}, {"introduced": "1.0"}, {"fixed": "1.2"}],
     ["1.1", "2.0.5"], ["1.3", "2.1"]),  # events in any order
    ([{"introduced": "0"}], ["0", "99.0"], []),
])
def test_ranges(events: list[dict[str, str]], covered: list[str],
                not_covered: list[str]) -> None:
    vuln = advisory("X-1", "pkg", ranges=[ecosystem(*events)])
    assert [v for v in covered if not _covers(vuln, v)] == []
    assert [v for v in not_covered if _covers(vuln, v)] == []


def test_first_fixed_version_above_the_installed_one() -> None:
    vuln = advisory("X-1", "pkg", ranges=[ecosystem({"introduced": "0"}, {"fixed": "1.2"},
                                                    {"introduced": "2.0"}, {"fixed": "2.4"}),
                                          ecosystem({"introduced": "2.0"}, {"fixed": "2.3"})])
    found = evaluate(vuln, "pkg", "2.1")
    assert found is not None and found.fixed == "2.3"


def test_versions_list_names_and_ecosystems() -> None:
    vuln = advisory("X-1", "Some_Package", versions=["1.0", "1.1.0"])
    assert _covers(vuln, "1.1", "some-package")  # PEP 440 equality, canonical names
    assert not _covers(vuln, "1.2", "some-package")
    assert not _covers(advisory("X-2", "pkg", versions=["1.0"], ecosystem="npm"), "1.0")
    withdrawn = advisory("X-3", "pkg", versions=["1.0"], withdrawn="2099-01-01T00:00:00Z")
    assert not _covers(withdrawn, "1.0")
    git_only = advisory("X-4", "pkg", ranges=[{"type": "GIT", "repo": "r",
                                                "events": [{"introduced": "0"}]}])
    assert not _covers(git_only, "1.0")
    assert not _covers(advisory("X-5", "pkg", versions=["1.0"]), "not a version")


@given(st.integers(0, 20), st.integers(0, 20), st.integers(0, 20))
def test_a_single_range_covers_exactly_its_span(low: int, high: int, probe: int) -> None:
    assume(low <= high)
    vuln = advisory("X-1", "pkg", ranges=[ecosystem({"introduced": f"1.{low}"},
                                                    {"fixed": f"1.{high}"})])
    assert _covers(vuln, f"1.{probe}") == (low <= probe < high)


def test_merge_keeps_one_entry_per_advisory_whatever_the_order() -> None:
    ghsa = Vulnerability("GHSA-1", ("CVE-1",), "from GitHub", "high", "1.3")
    pysec = Vulnerability("PYSEC-1", ("CVE-1",), "from PyPA", None, "1.2")
    other = Vulnerability("PYSEC-2", (), "other", None, None)
    for order in ([ghsa, pysec, other], [other, pysec, ghsa]):
        merged = merge(order)
        assert [(v.id, v.aliases, v.severity, v.fixed) for v in merged] == [
            ("GHSA-1", ("CVE-1", "PYSEC-1"), "high", "1.2"), ("PYSEC-2", (), None, None)]


@pytest.mark.parametrize(("vector", "score", "level"), [
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical"),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "medium"),
    ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5, "medium"),
    ("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9, "medium"),
    ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, "critical"),
    ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6, "low"),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, None),
])
def test_cvss3_base_scores(vector: str, score: float, level: str | None) -> None:
    assert base_score(vector) == score
    assert rating(score) == level


def test_unreadable_vectors() -> None:
    assert base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N") is None
    assert base_score("CVSS:3.1/AV:N/AC:L") is None


def test_advisory_severity_prefers_the_worst_rating() -> None:
    rated = advisory("X-1", "pkg", database_specific={"severity": "MODERATE"},
                     severity=[{"type": "CVSS_V3",
                                "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}])
    assert advisory_severity(rated) == "critical"
    assert advisory_severity(advisory("X-2", "pkg", database_specific={"severity": "LOW"})) \
        == "low"
    assert advisory_severity(advisory("X-3", "pkg")) is None
    assert Version("1.0") < Version("1.1")  # packaging is what compares versions
