"""Rules and allowlists as data, and their compiled form.

A :class:`Rule` is plain data (id, regex, secret group, keywords, entropy, path,
allowlists, examples); :func:`compile_rules` turns a sequence of them into a
:class:`RuleSet`: RE2 patterns over UTF-8 bytes, and one keyword prefilter — an RE2
alternation of every keyword, which RE2 runs as a single DFA (an Aho-Corasick
automaton in effect) — so a file is searched once for all keywords and each regex runs
only in the windows around its keyword hits.  Because that alternation reports one
keyword per position, each keyword also triggers the rules of every keyword it
contains; pyahocorasick finds those containments when the set is compiled.
Patterns use RE2 syntax (google-re2), as gitleaks' format does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any, Literal

import ahocorasick
import re2

from pitstop.errors import ConfigError

RegexTarget = Literal["secret", "match", "line"]


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 64 << 20
    return options


def compile_pattern(pattern: str, where: str, file: str | None = None,
                    binary: bool = False) -> Any:
    """Compile ``pattern`` with RE2 (for bytes when ``binary``) or raise
    :class:`ConfigError` naming ``where``."""
    try:
        return re2.compile(pattern.encode("utf-8") if binary else pattern, _options())
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ConfigError(
            f"invalid RE2 regular expression {pattern!r}: {detail}", file=file, key=where,
            hint="RE2 has no look-around or back-references; see https://github.com/google/re2/wiki/Syntax",
        ) from None


@dataclasses.dataclass(frozen=True)
class Allowlist:
    """Drops a candidate when its conditions hold (any of them, or all with ``AND``).

    As in gitleaks: regexes and stopwords never match an empty text, stopwords are
    compared in lower case, and a commit matches only its whole id (any case)."""

    description: str = ""
    regexes: tuple[str, ...] = ()
    regex_target: RegexTarget = "secret"
    paths: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()
    commits: tuple[str, ...] = ()
    condition: Literal["OR", "AND"] = "OR"


@dataclasses.dataclass(frozen=True)
class Rule:
    """One detection rule.

    ``secret_group`` is the capture group holding the secret; ``None`` means the first
    non-empty group, or the whole match when the pattern has no group.  ``window``
    widens the text searched after a keyword hit beyond its line (multi-line formats
    such as PEM blocks).  ``examples`` must match, ``counter_examples`` must not.
    """

    id: str
    description: str
    regex: str | None = None
    secret_group: int | None = None
    keywords: tuple[str, ...] = ()
    entropy: float | None = None
    path: str | None = None
    allowlists: tuple[Allowlist, ...] = ()
    tags: tuple[str, ...] = ()
    window: int = 0
    generic: bool = False
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    gitleaks: bool = False
    """Detected with gitleaks' semantics (a rule of a gitleaks-format file): see
    :mod:`pitstop.scan.gitleaks_detect`."""
    skip_report: bool = False
    """gitleaks' ``skipReport``: validated, never run (it only serves composite rules)."""


@dataclasses.dataclass(frozen=True)
class CompiledAllowlist:
    source: Allowlist
    regexes: tuple[Any, ...]
    paths: tuple[Any, ...]
    stopwords: tuple[str, ...]
    commits: frozenset[str] = frozenset()

    def _commit(self, commit: str | None) -> str | None:
        return commit if commit and commit.lower() in self.commits else None

    def _path(self, path: str) -> str | None:
        return next((r.pattern for r in self.paths if r.search(path)), None) if path else None

    def matches_path(self, path: str) -> str | None:
        """The path pattern that matches ``path``.  With a gitleaks config, a tree scan
        skips a file that a global allowlist's paths match, whatever its condition and
        other checks say (``gitleaks dir`` does so while walking the directory)."""
        return self._path(path)

    def reason(self, secret: str, match: str, line: str, path: str,
               commit: str | None) -> str | None:
        """Why this allowlist drops the candidate, or ``None`` when it does not."""
        checks: list[str | None] = []
        src = self.source
        if self.regexes:
            target = {"secret": secret, "match": match, "line": line}[src.regex_target]
            hit = next((r.pattern for r in self.regexes if r.search(target)), None) \
                if target else None
            checks.append(f"allowlist regex {hit!r} on {src.regex_target}" if hit else None)
        if self.paths:
            hit = self._path(path)
            checks.append(f"allowlist path {hit!r}" if hit else None)
        if self.stopwords:
            lowered = secret.lower()
            hit = next((w for w in self.stopwords if w in lowered), None)
            checks.append(f"stopword {hit!r}" if hit else None)
        if self.commits:
            hit = self._commit(commit)
            checks.append(f"allowlist commit {hit[:12]}" if hit else None)
        if not checks:
            return None
        if src.condition == "AND":
            return "; ".join(c for c in checks if c) if all(checks) else None
        return next((c for c in checks if c), None)

    def skips_file(self, path: str, commit: str | None) -> str | None:
        """Why a whole file (or commit) is skipped before any match: gitleaks checks the
        commits and paths of an allowlist first — any of them (``OR``), or all of them
        when the condition is ``AND`` and there are no regexes or stopwords to wait for."""
        if not self.paths and not self.commits:
            return None
        path_hit, commit_hit = self._path(path), self._commit(commit)
        if self.source.condition == "AND":
            if self.regexes or self.stopwords:
                return None
            if (self.paths and not path_hit) or (self.commits and not commit_hit):
                return None
        elif not path_hit and not commit_hit:
            return None
        return f"allowlist path {path_hit!r}" if path_hit else \
            f"allowlist commit {(commit_hit or '')[:12]}"


def compile_allowlist(allow: Allowlist, where: str, file: str | None = None) -> CompiledAllowlist:
    return CompiledAllowlist(
        source=allow,
        regexes=tuple(compile_pattern(r, f"{where}.regexes", file) for r in allow.regexes),
        paths=tuple(compile_pattern(p, f"{where}.paths", file) for p in allow.paths),
        stopwords=tuple(w.lower() for w in allow.stopwords if w),
        commits=frozenset(c.strip().lower() for c in allow.commits if c.strip()),
    )


@dataclasses.dataclass(frozen=True)
class CompiledRule:
    """A rule with its path pattern and allowlists compiled; the regex itself is
    compiled on first use (most scans touch few rules), or at once when validating."""

    rule: Rule
    path: Any
    allowlists: tuple[CompiledAllowlist, ...]
    file: str | None = None
    _pattern: list[Any] = dataclasses.field(default_factory=list, compare=False, repr=False)

    @property
    def pattern(self) -> Any:
        if not self._pattern:
            regex = self.rule.regex
            self._pattern.append(compile_pattern(regex, f"rules.{self.rule.id}.regex", self.file,
                                                 binary=True) if regex else None)
        return self._pattern[0]

    @property
    def groups(self) -> int:
        pattern = self.pattern
        return int(pattern.groups) if pattern is not None else 0

    def secret_span(self, spans: Sequence[tuple[int, int]]) -> tuple[int, int]:
        """The span of the secret in a match's group ``spans`` (``(-1, -1)``: none).

        The secret group, or the first non-empty group when the rule names none, or
        the whole match when the pattern has no group."""
        group = self.rule.secret_group
        if group is None:
            for span in spans[1:]:
                if span[0] >= 0 and span[1] > span[0]:
                    return span
            return spans[0]
        return spans[group] if group < len(spans) else spans[0]


@dataclasses.dataclass(frozen=True)
class RuleSet:
    """Compiled rules, the keyword prefilter and global allowlists."""

    rules: tuple[CompiledRule, ...]
    prefilter: Any
    """RE2 bytes pattern matching any keyword (in lower-cased text), or ``None``."""
    keyword_rules: dict[bytes, tuple[int, ...]]
    """Keyword → indexes of the rules it triggers (its own and those of keywords in it)."""
    keyword_free: tuple[int, ...]
    overlaps: dict[bytes, tuple[tuple[int, bytes], ...]]
    """Keyword → (offset, other keyword) for each keyword that may start inside it and
    run past its end: the prefilter reports one keyword per position, gitleaks all."""
    windows: tuple[int, ...]
    """Per rule: extra bytes searched after a hit (0: the line; -1: the whole text)."""
    path_rules: tuple[int, ...]
    allowlists: tuple[CompiledAllowlist, ...]
    sources: tuple[Rule, ...]
    global_allowlists: tuple[Allowlist, ...]

    def __reduce__(self) -> tuple[Any, ...]:
        # compiled RE2 objects do not pickle: ship the data, compile again on arrival
        return (compile_rules, (self.sources, self.global_allowlists, None, False))

    def __len__(self) -> int:
        return len(self.rules)


def iter_spans(pattern: Any, data: bytes, pos: int = 0,
               endpos: int | None = None) -> Iterator[Sequence[tuple[int, int]]]:
    """The group spans of every match of a compiled RE2 bytes ``pattern`` in ``data``.

    This calls RE2 directly (google-re2's ``_regexp.Match``): its ``finditer`` builds a
    Python match object per hit, which dominates on files dense with keywords."""
    end = len(data) if endpos is None else endpos
    raw = getattr(pattern, "_regexp", None)
    if raw is None:  # pragma: no cover - another google-re2 layout
        for match in pattern.finditer(data, pos, end):
            yield [match.span(i) for i in range(pattern.groups + 1)]
        return
    while pos <= end:
        spans = raw.Match(_UNANCHORED, data, pos, end)
        start, stop = spans[0]
        if start < 0:
            return
        yield spans
        pos = stop if stop > pos else pos + 1


_UNANCHORED = re2._Anchor.UNANCHORED


def _keyword_closure(by_keyword: dict[str, list[int]]) -> dict[bytes, tuple[int, ...]]:
    """Each keyword with the rules of every keyword found inside it."""
    if not by_keyword:
        return {}
    automaton = ahocorasick.Automaton()
    for keyword in by_keyword:
        automaton.add_word(keyword, keyword)
    automaton.make_automaton()
    closure: dict[bytes, tuple[int, ...]] = {}
    for keyword, indexes in by_keyword.items():
        merged = set(indexes)
        for _end, inner in automaton.iter(keyword):
            merged.update(by_keyword[inner])
        closure[keyword.encode("utf-8")] = tuple(sorted(merged))
    return closure


def _keyword_overlaps(keywords: Sequence[bytes], targets: set[bytes]
                      ) -> dict[bytes, tuple[tuple[int, bytes], ...]]:
    """For each keyword, the keywords of ``targets`` that start inside it and end after
    it.  Only gitleaks rules need them (any occurrence of a keyword opens the rule);
    pitstop's own rules look at the lines around the hits the prefilter reports."""
    by_prefix: dict[bytes, list[bytes]] = {}
    for keyword in targets:
        for end in range(1, len(keyword)):
            by_prefix.setdefault(keyword[:end], []).append(keyword)
    overlaps: dict[bytes, tuple[tuple[int, bytes], ...]] = {}
    for keyword in keywords:
        found = tuple((offset, other) for offset in range(1, len(keyword))
                      for other in by_prefix.get(keyword[offset:], ()))
        if found:
            overlaps[keyword] = found
    return overlaps


def compile_rules(rules: Sequence[Rule], allowlists: Sequence[Allowlist] = (),
                  file: str | None = None, validate: bool = True) -> RuleSet:
    """Compile rules and global allowlists (``ConfigError`` on a bad pattern or id).

    With ``validate`` false the rule regexes are compiled when first used (the
    built-in rules, whose patterns the test-suite compiles)."""
    compiled: list[CompiledRule] = []
    seen: set[str] = set()
    by_keyword: dict[str, list[int]] = {}
    keyword_free: list[int] = []
    gitleaks_keywords: set[bytes] = set()
    for rule in rules:
        where = f"rules.{rule.id}"
        if not rule.id:
            raise ConfigError("a rule has no id", file=file, key="rules")
        if rule.id in seen:
            raise ConfigError(f"duplicate rule id {rule.id!r}", file=file, key=where)
        seen.add(rule.id)
        if rule.regex is None and rule.path is None:
            raise ConfigError(
                "a rule needs a regex, a path or both", file=file, key=where,
                hint="a rule with only an id changes the rule of that id in the configuration "
                     "it extends ([extend] useDefault or path); no such rule exists here")
        path = compile_pattern(rule.path, f"{where}.path", file) if rule.path else None
        index = len(compiled)
        entry = CompiledRule(
            rule=rule, path=path, file=file,
            allowlists=tuple(compile_allowlist(a, f"{where}.allowlists", file)
                             for a in rule.allowlists),
        )
        if validate:
            group = rule.secret_group
            if group is not None and entry.pattern is not None and group > entry.groups:
                raise ConfigError(
                    f"secretGroup {group} but the regex has {entry.groups} capture group"
                    f"{'s' if entry.groups != 1 else ''}", file=file, key=f"{where}.secretGroup",
                    hint="number the groups from 1, left to right by opening parenthesis")
        compiled.append(entry)
        keywords = {k.lower() for k in rule.keywords if k}
        if rule.regex is None or rule.skip_report:
            continue
        if not keywords:
            keyword_free.append(index)
        for keyword in keywords:
            by_keyword.setdefault(keyword, []).append(index)
        if rule.gitleaks:
            gitleaks_keywords.update(k.encode("utf-8") for k in keywords)
    keyword_rules = _keyword_closure(by_keyword)
    prefilter = None
    if keyword_rules:
        ordered = sorted(keyword_rules, key=lambda k: (-len(k), k))
        prefilter = compile_pattern("|".join(re2.escape(k.decode()) for k in ordered),
                                    "keywords", file, binary=True)
    return RuleSet(
        rules=tuple(compiled),
        prefilter=prefilter,
        keyword_rules=keyword_rules,
        keyword_free=tuple(keyword_free),
        overlaps=_keyword_overlaps(tuple(keyword_rules), gitleaks_keywords),
        windows=tuple(c.rule.window for c in compiled),
        path_rules=tuple(i for i, c in enumerate(compiled)
                         if c.path is not None and not c.rule.skip_report),
        allowlists=tuple(compile_allowlist(a, "allowlists", file) for a in allowlists),
        sources=tuple(rules),
        global_allowlists=tuple(allowlists),
    )
