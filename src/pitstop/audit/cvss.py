"""CVSS 3.x base scores from vector strings, for advisories that carry a vector but no
rating of their own (the formula of the CVSS v3.1 specification, section 7)."""

from __future__ import annotations

import math

from pitstop.audit.settings import Severity

_AV = {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
_AC = {"L": 0.77, "H": 0.44}
_PR_UNCHANGED = {"N": 0.85, "L": 0.62, "H": 0.27}
_PR_CHANGED = {"N": 0.85, "L": 0.68, "H": 0.5}
_UI = {"N": 0.85, "R": 0.62}
_CIA = {"H": 0.56, "L": 0.22, "N": 0.0}


def _round_up(value: float) -> float:
    """The specification's Roundup: the smallest one-decimal number >= ``value``,
    computed on integers so that 4.000000001 does not become 4.1."""
    whole = round(value * 100000)
    if whole % 10000 == 0:
        return whole / 100000.0
    return (math.floor(whole / 10000) + 1) / 10.0


def base_score(vector: str) -> float | None:
    """The base score of ``CVSS:3.x/AV:N/AC:L/…``, or ``None`` when it is not a
    complete 3.x vector."""
    parts = vector.strip().split("/")
    if not parts or not parts[0].startswith("CVSS:3"):
        return None
    metrics = dict(part.split(":", 1) for part in parts[1:] if ":" in part)
    try:
        changed = metrics["S"] == "C"
        if metrics["S"] not in ("U", "C"):
            return None
        av, ac, ui = _AV[metrics["AV"]], _AC[metrics["AC"]], _UI[metrics["UI"]]
        pr = (_PR_CHANGED if changed else _PR_UNCHANGED)[metrics["PR"]]
        c, i, a = _CIA[metrics["C"]], _CIA[metrics["I"]], _CIA[metrics["A"]]
    except KeyError:
        return None
    iss = 1 - (1 - c) * (1 - i) * (1 - a)
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
    if impact <= 0:
        return 0.0
    exploitability = 8.22 * av * ac * pr * ui
    total = (impact + exploitability) * (1.08 if changed else 1.0)
    return _round_up(min(total, 10.0))


def rating(score: float) -> Severity | None:
    """The qualitative rating of a base score (``None`` for 0.0, "none")."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0.0:
        return "low"
    return None
