"""Choosing the rules of a scan: the built-ins, a gitleaks-format file, or both."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from pitstop.errors import ConfigError
from pitstop.scan.gitleaks import apply_targeted, merge_rule, read_gitleaks_config
from pitstop.scan.rule import RuleSet, compile_rules
from pitstop.scan.rules import builtin_rules, default_allowlists


def load_ruleset(rules_file: Path | None = None, disable: tuple[str, ...] = ()) -> RuleSet:
    """The compiled rules for a scan (cached per file version and disabled set)."""
    stamp = None
    if rules_file is not None:
        try:
            stamp = rules_file.stat().st_mtime_ns
        except OSError:
            stamp = None
    return _load(str(rules_file) if rules_file else None, stamp, tuple(sorted(disable)))


@functools.lru_cache(maxsize=8)
def _load(rules_file: str | None, stamp: int | None, disable: tuple[str, ...]) -> RuleSet:
    if rules_file is None:
        rules = list(builtin_rules())
        allowlists = list(default_allowlists())
    else:
        config = read_gitleaks_config(Path(rules_file))
        custom = {rule.id: rule for rule in config.rules}
        rules = [merge_rule(r, custom.pop(r.id)) if r.id in custom else r
                 for r in builtin_rules()] if config.use_default else []
        rules += custom.values()
        rules = apply_targeted(rules, config.targeted, Path(rules_file))
        rules = [r if r.description else dataclasses.replace(r, description=r.id)
                 for r in rules]
        allowlists = [*default_allowlists(), *config.allowlists] if config.use_default \
            else list(config.allowlists)
        disable = disable + config.disabled
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
