"""Reading rule files in gitleaks' TOML format the way gitleaks 8 reads them.

Learnt from gitleaks' ``config/config.go``, ``config/rule.go`` and
``config/allowlist.go``, and checked against the gitleaks 8.30 binary:

* keys are case-insensitive (``secretGroup``, ``secretgroup``, ``stopWords``), values are
  converted loosely (``entropy = "3.5"``, ``keywords = "acme"``), and unknown keys are
  ignored — pitstop logs a warning naming them;
* ``[[rules]]``: ``id``, ``description``, ``regex``, ``secretGroup``, ``entropy``,
  ``keywords``, ``path``, ``tags``, ``skipReport``, one allowlist form per rule
  (``[rules.allowlist]`` or ``[[rules.allowlists]]``, not both); a later rule with the
  same id replaces an earlier one; composite rules (``[[rules.required]]``) are rejected;
* allowlists: ``regexes`` with ``regexTarget`` (secret, match, line), ``paths``,
  ``stopwords``, ``commits`` (whole ids), ``condition`` (OR, AND, ``||``, ``&&``); an
  allowlist without a check is an error; global ``[allowlist]`` or ``[[allowlists]]``
  (not both), with ``targetRules`` — honoured in the file pitstop is given, ignored in
  the files it extends, as gitleaks does;
* ``[extend]``: ``useDefault`` (pitstop's built-in rules stand in for gitleaks' default
  configuration) or ``path`` (not both); ``disabledRules`` leaves out rules of the
  extended configuration only; extending goes two levels deep, a deeper ``[extend]`` is
  ignored; a rule whose id the extended configuration has changes that rule
  (``description``, ``regex``, ``path``, ``entropy``, ``secretGroup`` replace, ``keywords``,
  ``tags`` and allowlists add up, ``skipReport`` stays the base rule's).

``[extend] path`` is looked up next to the file that names it, then — as gitleaks
does, relative to its working directory — in the directory pitstop scans from.
"""

from __future__ import annotations

import dataclasses
import logging
import tomllib
from pathlib import Path
from typing import Any

from pitstop.errors import ConfigError
from pitstop.scan.rule import Allowlist, Rule

log = logging.getLogger("pitstop.scan")

WHOLE_TEXT = -1
"""Rule window meaning: once a keyword is present, search the whole text (gitleaks)."""
MAX_EXTEND_DEPTH = 2
"""gitleaks follows ``[extend]`` from the given file and from the file it extends."""

_NAMES = {name.lower(): name for name in (
    "title", "description", "minVersion", "extend", "rules", "allowlist", "allowlists",
    "path", "url", "useDefault", "disabledRules",  # [extend]
    "id", "regex", "secretGroup", "entropy", "keywords", "tags", "required", "skipReport",
    "condition", "commits", "paths", "regexTarget", "regexes", "stopwords", "targetRules",
)}
_TOP_KEYS = {"title", "description", "minversion", "extend", "rules", "allowlist", "allowlists"}
_EXTEND_KEYS = {"path", "url", "usedefault", "disabledrules"}
_RULE_KEYS = {"id", "description", "regex", "secretgroup", "entropy", "keywords", "path",
              "tags", "allowlist", "allowlists", "required", "skipreport"}
_ALLOW_KEYS = {"description", "condition", "commits", "paths", "regextarget", "regexes",
               "stopwords"}
_HINT = "see 'gitleaks configs: what is read and how' in docs/scan.md"
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


@dataclasses.dataclass(frozen=True)
class GitleaksConfig:
    """What a gitleaks TOML file says, with the configurations it extends merged in."""

    rules: tuple[Rule, ...]
    allowlists: tuple[Allowlist, ...]
    """Global allowlists (those of extended files included)."""
    targeted: tuple[tuple[str, Allowlist], ...] = ()
    """This file's global allowlists with ``targetRules``: (rule id, allowlist)."""
    files: tuple[Path, ...] = ()
    """Every file read: this one, then the ones it extends."""


def merge_rule(base: Rule, change: Rule) -> Rule:
    """``base`` changed by ``change`` (same id), the way gitleaks extends a rule."""
    return dataclasses.replace(
        base,
        description=change.description or base.description,
        regex=change.regex or base.regex,
        secret_group=change.secret_group or base.secret_group,
        entropy=change.entropy or base.entropy,
        path=change.path or base.path,
        keywords=(*base.keywords, *change.keywords),
        tags=(*base.tags, *change.tags),
        allowlists=(*base.allowlists, *change.allowlists),
        # a new regex makes it the file's own rule: gitleaks' whole-text search and
        # semantics, and none of the examples or filters written for the old regex
        window=change.window if change.regex else base.window,
        generic=base.generic and not change.regex,
        gitleaks=base.gitleaks or bool(change.regex),
        examples=() if change.regex else base.examples,
        counter_examples=() if change.regex else base.counter_examples,
    )


def apply_targeted(rules: list[Rule], targeted: tuple[tuple[str, Allowlist], ...],
                   file: Path) -> list[Rule]:
    """``rules`` with each targeted allowlist added to its rule; an unknown target
    rule id is a :class:`ConfigError`, as in gitleaks."""
    index = {rule.id: i for i, rule in enumerate(rules)}
    result = list(rules)
    for rule_id, allow in targeted:
        if rule_id not in index:
            raise ConfigError(f"targetRules names rule {rule_id!r}, which does not exist",
                              file=file, key="allowlists.targetRules", hint=_HINT)
        old = result[index[rule_id]]
        result[index[rule_id]] = dataclasses.replace(old, allowlists=(*old.allowlists, allow))
    return result


def read_gitleaks_config(file: Path, base_dir: Path | None = None,
                         _depth: int = 0) -> GitleaksConfig:
    """Parse a gitleaks TOML file and the files it extends (``ConfigError`` naming file
    and key when wrong).  ``base_dir`` is where a relative ``[extend] path`` that is not
    next to its file is looked up (gitleaks' working directory)."""
    try:
        return _read(file, base_dir, _depth)
    except ConfigError as exc:
        if not exc.hint:
            exc.hint = _HINT
        raise


def _name(key: str) -> str:
    return _NAMES.get(key, key)


def _table(value: Any, file: Path, key: str, known: set[str]) -> dict[str, Any]:
    """A TOML table with lower-cased keys (gitleaks' keys are case-insensitive);
    unknown keys are logged and dropped, as gitleaks ignores them."""
    if not isinstance(value, dict):
        raise ConfigError("expected a table", file=file, key=key)
    table: dict[str, Any] = {}
    for raw_key, item in value.items():
        lowered = raw_key.lower()
        if lowered not in known:
            log.warning("%s: %s is not a gitleaks key: ignored, as gitleaks does", file,
                        f"{key}.{raw_key}" if key else raw_key)
            continue
        table[lowered] = item
    return table


def _string(value: Any, file: Path, key: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ConfigError(f"expected a string, got {value!r}", file=file, key=key)


def _strings(value: Any, file: Path, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]  # one value is a list of one
    return tuple(_string(item, file, key) for item in items)


def _number(value: Any, file: Path, key: str, kind: type[int] | type[float]) -> Any:
    if isinstance(value, bool):
        raise ConfigError(f"expected a number, got {value!r}", file=file, key=key)
    if isinstance(value, int | float):
        if kind is int and value != int(value):
            raise ConfigError(f"expected a whole number, got {value!r}", file=file, key=key)
        return kind(value)
    if isinstance(value, str):
        try:
            return kind(value.strip() or 0)
        except ValueError:
            pass
    raise ConfigError(f"expected a number, got {value!r}", file=file, key=key)


def _flag(value: Any, file: Path, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str) and value in _TRUE | _FALSE:
        return value in _TRUE
    raise ConfigError(f"expected true or false, got {value!r}", file=file, key=key)


def _allowlist(value: Any, file: Path, key: str, is_global: bool
               ) -> tuple[Allowlist, tuple[str, ...]]:
    data = _table(value, file, key, _ALLOW_KEYS | ({"targetrules"} if is_global else set()))
    target = _string(data.get("regextarget", ""), file, f"{key}.regexTarget") or "secret"
    if target not in ("secret", "match", "line"):
        raise ConfigError(f"regexTarget: expected 'secret', 'match' or 'line', got {target!r}",
                          file=file, key=f"{key}.regexTarget")
    raw_condition = _string(data.get("condition", ""), file, f"{key}.condition")
    condition = {"AND": "AND", "&&": "AND", "": "OR", "OR": "OR", "||": "OR"}.get(
        raw_condition.upper())
    if condition is None:
        raise ConfigError(f"condition: expected 'OR' or 'AND', got {raw_condition!r}",
                          file=file, key=f"{key}.condition")
    commits = tuple(c.strip().lower() for c in _strings(data.get("commits"), file,
                                                         f"{key}.commits"))
    for commit in commits:
        if len(commit) not in (40, 64):
            log.warning("%s: %s.commits: %r is not a whole commit id; gitleaks compares whole "
                        "ids, so it matches no commit", file, key, commit)
    allow = Allowlist(
        description=_string(data.get("description", ""), file, f"{key}.description"),
        regexes=_strings(data.get("regexes"), file, f"{key}.regexes"),
        regex_target=target,  # type: ignore[arg-type]
        paths=_strings(data.get("paths"), file, f"{key}.paths"),
        stopwords=_strings(data.get("stopwords"), file, f"{key}.stopwords"),
        commits=commits,
        condition=condition,  # type: ignore[arg-type]
    )
    if not (allow.regexes or allow.paths or allow.stopwords or allow.commits):
        raise ConfigError("an allowlist needs at least one of commits, paths, regexes or "
                          "stopwords", file=file, key=key)
    return allow, _strings(data.get("targetrules"), file, f"{key}.targetRules")


def _allowlists(data: dict[str, Any], file: Path, key: str, is_global: bool
                ) -> list[tuple[Allowlist, tuple[str, ...]]]:
    """Both forms, the older table ``allowlist`` and the array ``allowlists``; gitleaks
    refuses a file that uses both at one level."""
    single, many = data.get("allowlist"), data.get("allowlists")
    if single is not None and many is not None:
        forms = "[rules.allowlist] and [[rules.allowlists]]" if key else \
            "[allowlist] and [[allowlists]]"
        raise ConfigError(f"{forms} cannot be used together{' in one rule' if key else ''}",
                          file=file, key=key or None,
                          hint="move the checks of the older table into an array entry "
                               "(gitleaks refuses both forms too)")
    if single is not None:
        return [_allowlist(single, file, f"{key + '.' if key else ''}allowlist", is_global)]
    if many is None:
        return []
    if not isinstance(many, list):
        raise ConfigError("expected [[allowlists]] tables", file=file,
                          key=f"{key + '.' if key else ''}allowlists")
    return [_allowlist(item, file, f"{key + '.' if key else ''}allowlists[{i}]", is_global)
            for i, item in enumerate(many)]


def _rule(value: Any, index: int, file: Path) -> Rule:
    data = _table(value, file, f"rules[{index}]", _RULE_KEYS)
    rule_id = _string(data.get("id", ""), file, f"rules[{index}].id").strip()
    if not rule_id:
        raise ConfigError("every rule needs an id", file=file, key=f"rules[{index}]")
    key = f"rules.{rule_id}"
    if "required" in data:
        raise ConfigError("composite rules ([[rules.required]]) are not supported",
                          file=file, key=f"{key}.required", hint="split it into separate rules")
    entropy = _number(data.get("entropy", 0), file, f"{key}.entropy", float)
    group = _number(data.get("secretgroup", 0), file, f"{key}.secretGroup", int)
    if group < 0:
        raise ConfigError(f"secretGroup: expected a group number >= 0, got {group}",
                          file=file, key=f"{key}.secretGroup")
    return Rule(
        id=rule_id,
        description=_string(data.get("description", ""), file, f"{key}.description"),
        regex=_string(data.get("regex", ""), file, f"{key}.regex") or None,
        secret_group=group or None,
        keywords=tuple(k.lower() for k in _strings(data.get("keywords"), file,
                                                     f"{key}.keywords")),
        entropy=entropy or None,
        path=_string(data.get("path", ""), file, f"{key}.path") or None,
        allowlists=tuple(a for a, _ in _allowlists(data, file, key, is_global=False)),
        tags=_strings(data.get("tags"), file, f"{key}.tags"),
        window=WHOLE_TEXT,
        gitleaks=True,
        skip_report=_flag(data.get("skipreport", False), file, f"{key}.skipReport"),
    )


def _extended_file(name: str, file: Path, base_dir: Path | None) -> Path:
    """``[extend] path``: next to ``file``, else in ``base_dir`` (gitleaks' choice)."""
    path = Path(name)
    if path.is_absolute():
        return path
    beside = file.parent / path
    working = base_dir / path if base_dir is not None else None
    if beside.is_file():
        if working is not None and working.is_file() and \
                working.resolve() != beside.resolve():
            log.warning("%s: [extend] path %r names both %s and %s; pitstop reads the one "
                        "beside the file, gitleaks the one in its working directory", file,
                        name, beside, working)
        return beside
    if working is not None and working.is_file():
        return working
    tried = beside if working is None else f"{beside} or {working}"
    raise ConfigError(f"the rule file it extends was not found: {tried}", file=file,
                      key="extend.path",
                      hint="a relative path is read next to this file, or in the directory "
                           "pitstop scans from")


def _load(file: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("rule file not found", file=file,
                          hint="give an existing gitleaks-format TOML file as the rule file "
                               "([scan] config)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read rule file: {exc}", file=file) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=file) from None
    return _table(data, file, "", _TOP_KEYS)


def _read(file: Path, base_dir: Path | None, depth: int) -> GitleaksConfig:
    data = _load(file)
    extend = _table(data.get("extend", {}), file, "extend", _EXTEND_KEYS)
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise ConfigError("expected [[rules]] tables", file=file, key="rules")
    own: dict[str, Rule] = {}
    for index, raw in enumerate(raw_rules):
        rule = _rule(raw, index, file)
        own[rule.id] = rule  # a later rule with the same id replaces an earlier one
    allowlists: list[Allowlist] = []
    targeted: list[tuple[str, Allowlist]] = []
    for allow, targets in _allowlists(data, file, "", is_global=True):
        if targets:
            targeted.extend((target, allow) for target in targets)
        else:
            allowlists.append(allow)
    use_default = _flag(extend.get("usedefault", False), file, "extend.useDefault")
    path = _string(extend.get("path", ""), file, "extend.path")
    disabled = _strings(extend.get("disabledrules"), file, "extend.disabledRules")
    files = [file]
    if depth >= MAX_EXTEND_DEPTH:
        if use_default or path:
            log.warning("%s: [extend] ignored: gitleaks extends configurations %d levels deep",
                        file, MAX_EXTEND_DEPTH)
        return GitleaksConfig(tuple(own.values()), tuple(allowlists), tuple(targeted),
                              tuple(files))
    if use_default and path:
        raise ConfigError("[extend] cannot have both useDefault and path", file=file,
                          key="extend", hint="extend one configuration; it may extend another")
    base_rules: tuple[Rule, ...] = ()
    if use_default:
        from pitstop.scan.rules import builtin_rules, default_allowlists

        base_rules = builtin_rules()
        allowlists.extend(default_allowlists())
    elif path:
        base = read_gitleaks_config(_extended_file(path, file, base_dir), base_dir, depth + 1)
        if base.targeted:
            log.warning("%s: targetRules in %s ignored: gitleaks applies them only in the "
                        "file it is given", file, base.files[0])
        base_rules = base.rules
        allowlists.extend(base.allowlists)
        files.extend(base.files)
    rules = _extend(own, base_rules, disabled, file)
    return GitleaksConfig(tuple(rules), tuple(allowlists), tuple(targeted), tuple(files))


def _extend(own: dict[str, Rule], base: tuple[Rule, ...], disabled: tuple[str, ...],
            file: Path) -> list[Rule]:
    """This file's rules over those of the configuration it extends: ``disabledRules``
    leaves base rules out, a rule of the same id changes the base rule."""
    known = {rule.id for rule in base}
    for rule_id in disabled:
        if rule_id not in known:
            log.warning("%s: disabledRules names %r, which the extended configuration "
                        "does not have", file, rule_id)
    merged = dict(own)
    for rule in base:
        if rule.id in disabled:
            continue
        merged[rule.id] = merge_rule(rule, own[rule.id]) if rule.id in own else rule
    return list(merged.values())
