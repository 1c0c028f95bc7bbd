"""Reading rule files in gitleaks' TOML format, so teams keep the config they have.

Supported: ``[[rules]]`` with ``id``, ``description``, ``regex``, ``secretGroup``,
``entropy``, ``keywords``, ``path``, ``tags``; per-rule ``[rules.allowlist]`` and
``[[rules.allowlists]]`` (``regexes``, ``regexTarget``, ``paths``, ``commits``,
``stopwords``, ``condition``); global ``[allowlist]`` and ``[[allowlists]]`` (with
``targetRules``); ``[extend]`` with ``useDefault``, ``path`` and ``disabledRules``.
Patterns are RE2, as in gitleaks.

As in gitleaks, a rule whose id is already defined by the configuration it extends (the
built-in rules with ``useDefault``, or the file named by ``path``) changes that rule
instead of replacing it: ``description``, ``regex``, ``path``, ``entropy`` and
``secretGroup`` replace the base values when given; ``keywords``, ``tags`` and
allowlists are added.  So a rule with only an ``id`` and an allowlist quiets one
built-in rule.  Allowlists with ``targetRules`` are attached once everything is merged,
and naming a rule that does not exist is an error.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from pitstop.errors import ConfigError
from pitstop.scan.rule import Allowlist, Rule

WHOLE_TEXT = -1
"""Rule window meaning: once a keyword is present, search the whole text (gitleaks)."""

_RULE_KEYS = {"id", "description", "regex", "secretGroup", "entropy", "keywords", "path",
              "tags", "allowlist", "allowlists", "skipReport"}
_ALLOW_KEYS = {"description", "regexes", "regexTarget", "paths", "commits", "stopwords",
               "condition", "targetRules"}


@dataclasses.dataclass(frozen=True)
class GitleaksConfig:
    """What a gitleaks TOML file says."""

    rules: tuple[Rule, ...]
    """This file's rules, merged into those of ``[extend] path``; a rule may still lack
    a regex and a path when it only changes a built-in rule (``useDefault``)."""
    allowlists: tuple[Allowlist, ...]
    use_default: bool
    disabled: tuple[str, ...]
    targeted: tuple[tuple[str, Allowlist], ...] = ()
    """Global allowlists with ``targetRules``: (rule id, allowlist), applied by
    :func:`apply_targeted` once the built-in rules are merged in."""


def merge_rule(base: Rule, change: Rule) -> Rule:
    """``base`` changed by ``change`` (same id), the way gitleaks extends a rule."""
    regex = change.regex or base.regex
    keywords = tuple(dict.fromkeys((*base.keywords, *change.keywords)))
    return dataclasses.replace(
        base,
        description=change.description or base.description,
        regex=regex,
        secret_group=change.secret_group or base.secret_group,
        entropy=change.entropy or base.entropy,
        path=change.path or base.path,
        keywords=keywords,
        tags=tuple(dict.fromkeys((*base.tags, *change.tags))),
        allowlists=(*base.allowlists, *change.allowlists),
        # a new regex is the file's own rule: gitleaks' whole-text search, and no
        # built-in examples or generic filters that were written for the old one
        window=change.window if change.regex else base.window,
        generic=base.generic and not change.regex,
        examples=() if change.regex else base.examples,
        counter_examples=() if change.regex else base.counter_examples,
    )


def apply_targeted(rules: list[Rule], targeted: tuple[tuple[str, Allowlist], ...],
                   file: Path) -> list[Rule]:
    """``rules`` with each targeted allowlist added to its rule; an unknown target
    rule id is a :class:`ConfigError`."""
    index = {rule.id: i for i, rule in enumerate(rules)}
    result = list(rules)
    for rule_id, allow in targeted:
        if rule_id not in index:
            raise ConfigError(f"targetRules names rule {rule_id!r}, which does not exist",
                              file=file, key="allowlists.targetRules", hint=_HINT)
        old = result[index[rule_id]]
        result[index[rule_id]] = dataclasses.replace(old, allowlists=(*old.allowlists, allow))
    return result


def _strings(value: Any, file: Path, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"expected a list of strings, got {value!r}", file=file, key=key)
    return tuple(value)


def _allowlist(data: Any, file: Path, key: str) -> tuple[Allowlist, tuple[str, ...]]:
    if not isinstance(data, dict):
        raise ConfigError("expected a table", file=file, key=key)
    unknown = set(data) - _ALLOW_KEYS
    if unknown:
        raise ConfigError(f"unknown key {sorted(unknown)[0]!r}; known keys: "
                          f"{', '.join(sorted(_ALLOW_KEYS))}", file=file, key=key)
    target = data.get("regexTarget", "secret") or "secret"
    if target not in ("secret", "match", "line"):
        raise ConfigError(f"regexTarget: expected 'secret', 'match' or 'line', got {target!r}",
                          file=file, key=key)
    condition = {"&&": "AND", "||": "OR", "": "OR"}.get(
        str(data.get("condition", "OR")).strip(), str(data.get("condition", "OR")).upper())
    if condition not in ("OR", "AND"):
        raise ConfigError(f"condition: expected 'OR' or 'AND', got {condition!r}",
                          file=file, key=key)
    allow = Allowlist(
        description=str(data.get("description", "")),
        regexes=_strings(data.get("regexes"), file, f"{key}.regexes"),
        regex_target=target,  # type: ignore[arg-type]
        paths=_strings(data.get("paths"), file, f"{key}.paths"),
        stopwords=_strings(data.get("stopwords"), file, f"{key}.stopwords"),
        commits=_strings(data.get("commits"), file, f"{key}.commits"),
        condition=condition,  # type: ignore[arg-type]
    )
    return allow, _strings(data.get("targetRules"), file, f"{key}.targetRules")


def _rule(data: Any, index: int, file: Path) -> Rule:
    key = f"rules[{index}]"
    if not isinstance(data, dict):
        raise ConfigError("expected a table [[rules]]", file=file, key=key)
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise ConfigError("every rule needs an id (a string)", file=file, key=key)
    key = f"rules.{rule_id}"
    if "required" in data:
        raise ConfigError("composite rules ([[rules.required]]) are not supported",
                          file=file, key=key, hint="split it into separate rules")
    unknown = set(data) - _RULE_KEYS
    if unknown:
        raise ConfigError(f"unknown key {sorted(unknown)[0]!r}; known keys: "
                          f"{', '.join(sorted(_RULE_KEYS))}", file=file, key=key)
    regex, path = data.get("regex"), data.get("path")
    for name, value in (("regex", regex), ("path", path), ("description", data.get("description"))):
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{name}: expected a string, got {value!r}", file=file, key=key)
    group = data.get("secretGroup")
    if group is not None and (not isinstance(group, int) or group < 0):
        raise ConfigError(f"secretGroup: expected a group number >= 0, got {group!r}",
                          file=file, key=key)
    if not isinstance(data.get("skipReport", False), bool):
        raise ConfigError(f"skipReport: expected true or false, got {data['skipReport']!r}",
                          file=file, key=key)
    entropy = data.get("entropy")
    if entropy is not None and (isinstance(entropy, bool) or not isinstance(entropy, int | float)):
        raise ConfigError(f"entropy: expected a number, got {entropy!r}", file=file, key=key)
    allows: list[Allowlist] = []
    if "allowlist" in data:
        allows.append(_allowlist(data["allowlist"], file, f"{key}.allowlist")[0])
    raw = data.get("allowlists", [])
    if not isinstance(raw, list):
        raise ConfigError("expected [[rules.allowlists]] tables", file=file, key=key)
    allows += [_allowlist(a, file, f"{key}.allowlists[{i}]")[0] for i, a in enumerate(raw)]
    return Rule(
        id=rule_id, description=str(data.get("description") or ""),
        regex=regex or None, secret_group=group or None,
        keywords=tuple(k.lower() for k in _strings(data.get("keywords"), file, f"{key}.keywords")),
        entropy=float(entropy) if entropy else None, path=path or None,
        allowlists=tuple(allows), tags=_strings(data.get("tags"), file, f"{key}.tags"),
        window=WHOLE_TEXT,
    )


_HINT = "see 'gitleaks rule files' in docs/scan.md for the supported keys"


def read_gitleaks_config(file: Path, _depth: int = 0) -> GitleaksConfig:
    """Parse a gitleaks TOML file (``ConfigError`` naming file and key when wrong)."""
    try:
        return _read(file, _depth)
    except ConfigError as exc:
        if not exc.hint:
            exc.hint = _HINT
        raise


def _read(file: Path, _depth: int) -> GitleaksConfig:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("rule file not found", file=file,
                          hint="pass an existing gitleaks-format TOML file to --config") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read rule file: {exc}", file=file) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=file) from None
    extend = data.get("extend", {})
    if not isinstance(extend, dict):
        raise ConfigError("expected a table [extend]", file=file, key="extend")
    base_rules: list[Rule] = []
    base_allow: list[Allowlist] = []
    targeted: list[tuple[str, Allowlist]] = []
    use_default = bool(extend.get("useDefault", False))
    disabled = list(_strings(extend.get("disabledRules"), file, "extend.disabledRules"))
    if extend.get("path"):
        if _depth > 4:
            raise ConfigError("[extend] path nests too deeply", file=file, key="extend.path")
        base = read_gitleaks_config(file.parent / str(extend["path"]), _depth + 1)
        base_rules, base_allow = list(base.rules), list(base.allowlists)
        targeted = list(base.targeted)
        use_default = use_default or base.use_default
        disabled += base.disabled
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise ConfigError("expected [[rules]] tables", file=file, key="rules")
    rules = {r.id: r for r in base_rules}
    own: set[str] = set()
    for index, raw in enumerate(raw_rules):
        rule = _rule(raw, index, file)
        if raw.get("skipReport") is True:  # never reported: as if absent (it also
            rules.pop(rule.id, None)       # hides a rule of that id from [extend])
            continue
        if rule.id in rules and rule.id not in own:  # extends the base file's rule
            rule = merge_rule(rules[rule.id], rule)
        rules[rule.id] = rule              # a later rule of this file replaces an earlier one
        own.add(rule.id)
    allowlists = list(base_allow)
    if "allowlist" in data:
        allowlists.append(_allowlist(data["allowlist"], file, "allowlist")[0])
    raw_allow = data.get("allowlists", [])
    if not isinstance(raw_allow, list):
        raise ConfigError("expected [[allowlists]] tables", file=file, key="allowlists")
    for index, raw in enumerate(raw_allow):
        allow, targets = _allowlist(raw, file, f"allowlists[{index}]")
        if not targets:
            allowlists.append(allow)
        # a targeted global allowlist belongs to those rules, once all are merged
        targeted.extend((target, allow) for target in targets)
    return GitleaksConfig(tuple(rules.values()), tuple(allowlists), use_default,
                          tuple(disabled), tuple(targeted))
