"""A repository and a gitleaks configuration that exercise how gitleaks reads a config
and matches its rules: ``[extend] path`` two levels deep (a third is ignored),
``disabledRules``, a rule changed by the file that extends it, ``targetRules`` (honoured
in the given file, ignored in an extended one), both allowlist forms, ``condition``,
``regexTarget`` secret/match/line, ``stopwords``, ``paths``, ``secretGroup``, entropy
thresholds (equal is dropped, multi-byte characters), overlapping keywords,
``skipReport``, a path-only rule, ``gitleaks:allow``, gitleaks' generic-rule
de-duplication, and the line quirks of ``Finding.Line``.

:data:`EXPECTED` is what gitleaks 8.30.1 reports for it (``gitleaks dir``, JSON report;
a path-only finding has line 0).  The values are assembled at run time so this file
holds no secret-looking literal.
"""

from __future__ import annotations

from pathlib import Path

from gitutil import git

A = "acme_" + "live_"
TOP = r"""
title = "team rules"

[extend]
path = "ci/base.toml"
disabledRules = ["base-disabled", "no-such-rule"]

[[rules]]
id = "acme-token"
description = "ACME token"
regex = '''\b(acme_(live|test)_([a-z0-9]{16}))\b'''
SecretGroup = 3
entropy = "3.0"
keywords = ["acme_live", "acme_test"]
severity = "high"
  [[rules.allowlists]]
  regexTarget = "match"
  regexes = ['''acme_test_''']
  [[rules.allowlists]]
  stopWords = ["Sandbox"]

[[rules]]
id = "conf-key"
regex = '''confkey\s*=\s*"([A-Za-z0-9]{20})"'''
path = '''\.cfg$'''
keywords = "confkey"
  [rules.allowlist]
  condition = "and"
  regexTarget = "line"
  regexes = ['''# reviewed''']
  paths = ['''^legacy/''']

[[rules]]
id = "cert-bundle"
description = "Certificate bundle"
path = '''\.p12$'''

[[rules]]
id = "base-changed"
keywords = ["BASETOK"]
  [[rules.allowlists]]
  regexTarget = "line"
  regexes = ['''^ignored''']

[[rules]]
id = "generic-assign"
regex = '''(?i)(?:key|token)\s*=\s*"([^"]{8,})"'''
keywords = ["key", "token"]
entropy = 2.5

[[rules]]
id = "pat"
regex = '''\b(ghx_[A-Za-z0-9]{12})\b'''
keywords = ["ghx_"]

[[rules]]
id = "overlap-b"
regex = '''ovb_[0-9]{6}'''
keywords = ["cdef"]

[[rules]]
id = "overlap-a"
regex = '''ova_[0-9]{6}'''
keywords = ["abcd"]

[[rules]]
id = "multi-line"
regex = '''\n(mlt_[a-z0-9]{10})\n'''

[[rules]]
id = "ent"
regex = '''ent_([a-z]{4,5})\b'''
entropy = 2

[[rules]]
id = "uni"
regex = '''uni:(\S+)'''
entropy = 2.0

[[rules]]
id = "helper"
regex = '''hlp_[a-z]{8}'''
skipReport = true

[[allowlists]]
targetRules = ["acme-token"]
regexTarget = "line"
regexes = ['''fixture''']

[[allowlists]]
description = "vendored"
paths = ['''^vendor/''']
"""

BASE = r"""
[extend]
path = "ci/deeper.toml"

[[rules]]
id = "base-changed"
description = "base token"
regex = '''basetok_([A-Za-z0-9]{12})'''
keywords = ["basetok_"]

[[rules]]
id = "base-disabled"
regex = '''dis_[0-9]{8}'''

[allowlist]
targetRules = ["base-changed"]
regexes = ['''.''']
"""

DEEPER = r"""
[extend]
path = "ci/never.toml"

[[rules]]
id = "deep"
regex = '''deeptok_[0-9]{8}'''
keywords = ["deeptok"]

[[allowlists]]
paths = ['''(^|/)generated/''']
"""

NEVER = r"""
[[rules]]
id = "never"
regex = '''nevertok_[0-9]{8}'''
"""


def _files() -> dict[str, str]:
    live = "k3j9x2m8q7w4z1p6"
    ghx = "ghx_" + "Ab3dEf6hIj9k"
    return {
        "app.py": "\n".join([
            f"one = '{A}{live}'",
            f"two = 'acme_test_{live}'",
            f"three = '{A}sandboxa1b2c3d4e'",
            f"four = '{A}{live[::-1]}'  # fixture",
            f"five = '{A}aaaaaaaabbbbbbbb'",
            'token = "' + "Zx9QwErTy8" + '"',
            'token = "' + ghx + '"',
            f"allowed = '{ghx}'  # gitleaks:allow",
            "abcdef ova_123456 ovb_654321",
            "ent_abcd ent_abcde",
            "uni:" + "éèêëàâ" + " uni:" + "abcdefgh",
            "hlp_abcdefgh",
            "",
        ]),
        "legacy/svc.cfg": 'confkey = "' + "Qw8ErTy7UiOp6AsDf5Gh" + '"  # reviewed\n',
        "other/svc.cfg": 'confkey = "' + "Qw8ErTy7UiOp6AsDf5Gh" + '"  # reviewed\n',
        "svc.txt": 'confkey = "' + "Qw8ErTy7UiOp6AsDf5Gh" + '"\n',
        "certs/client.p12": "not really a bundle\n",
        "vendor/lib.py": f"v = '{A}{live}'\n",
        "generated/gen.py": "deeptok_12345678\n",
        "base.txt": "\n".join([
            "ignored basetok_" + "AAAAaaaa1111",
            "ignored basetok_" + "BBBBbbbb2222",
            "dis_12345678",
            "deeptok_87654321",
            "nevertok_12345678",
            "",
        ]),
        "ml.txt": "x\nmlt_" + "abcdef1234" + "\ny\n",
        "last.txt": "# gitleaks:allow\n" + "ghx_" + "Zz9Yy8Xx7Ww6",
    }


EXPECTED = sorted([
    ("acme-token", "app.py", 1, "k3j9x2m8q7w4z1p6"),
    ("generic-assign", "app.py", 6, "Zx9QwErTy8"),
    ("pat", "app.py", 7, "ghx_" + "Ab3dEf6hIj9k"),
    ("overlap-a", "app.py", 9, "ova_123456"),
    ("overlap-b", "app.py", 9, "ovb_654321"),
    ("ent", "app.py", 10, "abcde"),
    ("uni", "app.py", 11, "abcdefgh"),
    ("conf-key", "other/svc.cfg", 1, "Qw8ErTy7UiOp6AsDf5Gh"),
    # generic-assign matches every confkey line; gitleaks drops it where conf-key
    # reports the same secret on the same line, and keeps it where conf-key does not
    ("generic-assign", "legacy/svc.cfg", 1, "Qw8ErTy7UiOp6AsDf5Gh"),
    ("generic-assign", "svc.txt", 1, "Qw8ErTy7UiOp6AsDf5Gh"),
    ("cert-bundle", "certs/client.p12", 0, ""),
    ("base-changed", "base.txt", 2, "BBBBbbbb2222"),
    ("deep", "base.txt", 4, "deeptok_87654321"),
    ("multi-line", "ml.txt", 2, "mlt_" + "abcdef1234"),
])


def build(root: Path) -> Path:
    """Write the configuration and the files into ``root`` (a git repository), commit
    them, and return the configuration's path."""
    for name, text in {".gitleaks.toml": TOP, "ci/base.toml": BASE,
                       "ci/deeper.toml": DEEPER, "ci/never.toml": NEVER,
                       **_files()}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-qm", "fixture")
    return root / ".gitleaks.toml"
