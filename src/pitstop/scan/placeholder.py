"""Is a candidate value, as a whole, a placeholder rather than a secret?

A value is a placeholder when the *whole* value is one — ``changeme``, ``<password>``,
``${DB_PASSWORD}``, ``xxxxxxxx``, ``your-api-key-here``, ``P@ssw0rd123``,
``mysecretpassword`` — never merely because a word such as ``test`` or ``passw0rd``
occurs inside it: ``S3cr3tPassw0rd!x`` and ``MyTestPw9x7q`` are real passwords.

"Whole" is decided by segmenting the value: it must split completely into words of
:data:`PLACEHOLDER_VOCABULARY` (read through the usual letter-for-digit substitutions,
``p@ssw0rd``, ``s3cr3t``), short or obviously made-up digit runs (``123``, ``2024``,
``12345678``) and separators (``-_.!`` …).  One character that fits none of them (the
``x`` of ``S3cr3tPassw0rd!x``, the ``q`` of ``Pw9x7q``) makes the value real.
"""

from __future__ import annotations

import functools
import itertools
import re

_VOCABULARY = """
    change changeme me my mine your yours our the this that here there insert replace put
    enter fill set add goes go in it its with value values real actual not no none null nil
    undefined true false empty blank string str
    api key keys pass password passwords passwd pwd passphrase pin secret secrets token tokens
    credential credentials auth access client private public user username login admin
    administrator root db database app application service account bearer jwt hash salt
    example examples sample samples dummy placeholder fake mock mocked stub test tests testing
    demo default redacted hidden masked todo fixme tbd
    foo bar baz qux quux foobar spam eggs ham hunter hunter2 letmein qwerty asdf lorem ipsum
    abc abcd abcdef abcdefgh xyz
    for of to and or new old temp tmp local dev development staging stage prod production
    super very strong secure insecure safe random some any generated generate update later
    please now welcome hello world is be at least must should kind thing something whatever
    word words char chars characters long length min max name corp company acme org
"""
PLACEHOLDER_VOCABULARY = frozenset(_VOCABULARY.split())
"""Words a made-up value is built from (lower case, letters and digits only)."""

_LEET = str.maketrans("0134579@$", "oieastgas")
_SEPARATORS = frozenset("-_. /:+,;|!#~*&^%=?'\"`@$()[]{}<>")
_BY_FIRST: dict[str, tuple[str, ...]] = {}
for _word in sorted(PLACEHOLDER_VOCABULARY, key=len, reverse=True):
    _BY_FIRST[_word[0]] = (*_BY_FIRST.get(_word[0], ()), _word)

_TEMPLATE = re.compile(r"\$\{|\{\{|\}\}|\$\(|%\(\w*\)|<[A-Za-z][\w .\-]*>")
_MASK = re.compile(r"(?i)x{4,}|\*{3,}|\.{3,}|…|#{4,}")
_REFERENCE_PREFIXES = ("env(", "getenv", "process.env", "os.environ", "environ[", "config.",
                       "settings.", "os.", "self.", "args.", "request.", "vault:",
                       "secretref:", "keyvault:", "arn:")
_DOCUMENTED = re.compile(r"EXAMPLE|(?i:example)$")
"""How AWS (and others after it) mark the credentials in their documentation: a
capitalised ``EXAMPLE`` anywhere (``AKIAIOSFODNN7EXAMPLE``, ``AQoEXAMPLEH4aoAH0g…``)
or ``example`` at the end."""


def _simple_digits(run: str) -> bool:
    """A digit run a person makes up: short, one repeated digit, or counting."""
    if len(run) <= 4 or len(set(run)) == 1:
        return True
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(run)}
    return steps in ({1}, {-1})


def _segments(value: str) -> bool:
    """Whether ``value`` splits completely into vocabulary words, simple digit runs and
    separators, with at least one word."""
    normal = value.lower().translate(_LEET)
    size = len(value)
    # reachable[i]: the prefix value[:i] segments; with_word[i]: and contains a word
    reachable = [False] * (size + 1)
    with_word = [False] * (size + 1)
    reachable[0] = True
    for i in range(size):
        if not reachable[i]:
            continue
        word_before = with_word[i]
        char = value[i]
        if char in _SEPARATORS:
            reachable[i + 1] = True
            with_word[i + 1] = with_word[i + 1] or word_before
        if char.isdigit():
            end = i
            while end < size and value[end].isdigit():
                end += 1
            if (i == 0 or not value[i - 1].isdigit()) and _simple_digits(value[i:end]):
                reachable[end] = True
                with_word[end] = with_word[end] or word_before
        for word in _BY_FIRST.get(normal[i], ()):
            if normal.startswith(word, i):
                end = i + len(word)
                reachable[end] = True
                with_word[end] = True
    return with_word[size]


@functools.lru_cache(maxsize=4096)
def placeholder_reason(value: str) -> str | None:
    """Why ``value`` as a whole is a placeholder or a reference, or ``None``."""
    template = _TEMPLATE.search(value)
    if template:
        return f"template {template.group(0)!r}"
    lowered = value.lower()
    for prefix in _REFERENCE_PREFIXES:
        if lowered.startswith(prefix):
            return f"reference {prefix!r}"
    mask = _MASK.search(value)
    if mask:
        return f"masked {mask.group(0)!r}"
    if _DOCUMENTED.search(value):
        return "documentation example ('EXAMPLE')"
    if len(value) <= 128 and _segments(value):
        # name the value only when it is one well-known word: nothing else leaks
        return f"placeholder {value!r}" if lowered in PLACEHOLDER_VOCABULARY \
            else "placeholder words"
    return None
