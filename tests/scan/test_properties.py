"""Property tests: arbitrary bytes never crash the detector, positions are consistent,
redaction never shows a whole secret."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pitstop.scan import redact_secret
from pitstop.scan.detector import Origin, detect
from pitstop.scan.filters import shannon_entropy
from pitstop.scan.ruleset import load_ruleset

from .conftest import github_token

PIECES = st.sampled_from([
    b"password = ", b"token: ", b"AKIA", b"ghp_", b"-----BEGIN RSA PRIVATE KEY-----\n",
    b"postgresql://u:", b"@db/x", b"\n", b"\xff\xfe", b"\x00", b"'", b'"', b"=", b"secret",
    github_token().encode(), b"xoxb-", b"eyJ", b".", b"\xe2\x80\xa8", b"\r\n",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(PIECES, st.binary(max_size=40)), max_size=30))
def test_detect_is_total_and_consistent(parts: list[bytes]) -> None:
    data = b"".join(parts)
    result = detect(load_ruleset(), data, Origin("x.txt"), explain=True)
    text_lines = data.decode("utf-8", "replace").split("\n")
    for finding in result.findings:
        assert finding.secret
        assert 1 <= finding.line <= data.count(b"\n") + 1
        assert finding.column >= 1 and finding.end_column > finding.column
        assert finding.secret.split("\n")[0] in text_lines[finding.line - 1]


@given(st.text(min_size=0, max_size=80))
def test_redaction_never_shows_a_whole_secret(secret: str) -> None:
    shown = redact_secret(secret)
    assert shown.endswith("…")
    assert len(shown) <= 5
    if len(secret) > 0:
        assert shown != secret


@given(st.text(max_size=60))
def test_entropy_bounds(value: str) -> None:
    entropy = shannon_entropy(value)
    assert 0.0 <= entropy <= max(0.0, len(set(value)).bit_length())
