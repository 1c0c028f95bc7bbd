"""Choosing the rules of a scan: the built-ins, or a gitleaks-format file (which may
extend the built-ins with ``[extend] useDefault``)."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from pitstop.errors import ConfigError
from pitstop.scan.rule import RuleSet, compile_rules
from pitstop.scan.rules import builtin_rules, default_allowlists


def load_ruleset(rules_file: Path | None = None, disable: tuple[str, ...] = (),
                 base_dir: Path | None = None) -> RuleSet:
    """The compiled rules for a scan (cached per file version and disabled set).
    ``base_dir`` is where a relative ``[extend] path`` is looked up when it is not next
    to the file that names it (gitleaks reads it from its working directory)."""
    stamp = None
    if rules_file is not None:
        try:
            stamp = rules_file.stat().st_mtime_ns
        except OSError:
            stamp = None
    return _load(str(rules_file) if rules_file else None, stamp, tuple(sorted(disable)),
                 str(base_dir) if base_dir else None)


@functools.lru_cache(maxsize=8)
def _load(rules_file: str | None, stamp: int | None, disable: tuple[str, ...],
          base_dir: str | None) -> RuleSet:
    if rules_file is None:
        rules = list(builtin_rules())
        allowlists = list(default_allowlists())
    else:
        from pitstop.scan.gitleaks import apply_targeted, read_gitleaks_config

        config = read_gitleaks_config(Path(rules_file), Path(base_dir) if base_dir else None)
        rules = apply_targeted(list(config.rules), config.targeted, Path(rules_file))
        rules = [r if r.description else dataclasses.replace(r, description=r.id)
                 for r in rules]
        allowlists = list(config.allowlists)
    known = {rule.id for rule in rules}
    unknown = [rule_id for rule_id in disable if rule_id not in known]
    if unknown and rules_file is None:
        raise ConfigError(f"unknown rule id {unknown[0]!r} in disable", key="scan.disable",
                          hint="`pitstop scan rules` lists the rule ids")
    rules = [rule for rule in rules if rule.id not in disable]
    if not rules:
        raise ConfigError("no rules to scan with", file=rules_file, key="rules",
                          hint="add [[rules]], or [extend] useDefault = true")
    return compile_rules(rules, allowlists, file=rules_file, validate=rules_file is not None)
