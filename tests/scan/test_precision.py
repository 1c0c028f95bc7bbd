"""Generic rules on real code: a bounded part of this interpreter's standard library
(modules full of passwords, tokens and keys that are not secrets) must not fire, and
real secrets planted into the same files must all be found.  The full-tree run is
benchmarks/scan_stdlib.py."""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path

import pytest

from .conftest import aws_key, fake, github_token, secrets_in, stripe_key

LIB = Path(sysconfig.get_paths()["stdlib"])
SUBSET = (
    "email", "http", "urllib", "json", "logging", "xmlrpc", "smtplib.py", "imaplib.py",
    "ftplib.py", "poplib.py", "getpass.py", "netrc.py", "secrets.py", "hmac.py", "ssl.py",
    "tokenize.py", "test/test_smtplib.py", "test/test_imaplib.py", "test/test_urllib2.py",
    "test/test_urllib.py", "test/test_netrc.py", "test/test_httplib.py", "test/test_ftplib.py",
    "test/test_getpass.py", "test/test_secrets.py", "test/test_hmac.py", "test/test_ssl.py",
    "test/test_poplib.py", "test/test_urlparse.py", "test/test_xmlrpc.py", "test/test_logging.py",
    "test/test_hashlib.py", "test/test_base64.py", "test/test_uuid.py", "test/test_configparser.py",
    "test/test_httpservers.py", "test/test_tarfile.py", "test/test_zipfile.py",
)


def _subset() -> tuple[Path, ...]:
    paths = tuple(LIB / name for name in SUBSET if (LIB / name).exists())
    if len(paths) < len(SUBSET) // 2:
        pytest.skip(f"standard library sources not found under {LIB}")
    return paths


def test_no_false_positives_on_stdlib_subset() -> None:
    report = secrets_in(LIB, paths=_subset(), jobs=1, explain=True)
    assert report.stats.files > 50 and report.stats.bytes > 2_000_000
    assert [(f.path, f.line, f.rule) for f in report.findings] == []
    assert report.stats.candidates >= 10  # the filters did have work to do


def test_planted_secrets_are_all_found(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    for name in ("smtplib.py", "netrc.py", "tokenize.py", "getpass.py"):
        if not (LIB / name).exists():
            pytest.skip(f"{name} not found under {LIB}")
        shutil.copy(LIB / name, root / name)
    planted = {
        "smtplib.py": f"\nSMTP_PASSWORD = '{fake('Kq7', 14, seed=11)}'\n",
        "netrc.py": f"\n_FALLBACK = '{github_token(12)}'\n",
        "tokenize.py": f"\nBILLING = {{'key': '{stripe_key(13)}'}}\n",
        "getpass.py": f"\n# aws_access_key_id = {aws_key(14)}\n",
    }
    for name, text in planted.items():
        with (root / name).open("a", encoding="utf-8") as handle:
            handle.write(text)
    report = secrets_in(root, jobs=1)
    assert sorted((f.path, f.rule) for f in report.findings) == [
        ("getpass.py", "aws-access-key-id"),
        ("netrc.py", "github-pat"),
        ("smtplib.py", "generic-password"),
        ("tokenize.py", "stripe-secret-key"),
    ]


@pytest.mark.parametrize(("url", "flagged"), [
    ("postgresql://app:PW@db.prod.acme.io:5432/app", True),
    ("redis://:PW@cache.internal:6379/0", True),
    ("postgresql://app:PW@localhost:5432/app", False),
    ("mysql://root:PW@127.0.0.1/shop", False),
    ("https://user:PW@api.example.com/v1", False),
    ("amqp://app:PW@rabbit.test//", False),
    ("postgresql://app:${DB_PASSWORD}@db.prod.acme.io/app", False),
    ("postgresql://app:password@db.prod.acme.io/app", False),
])
def test_urls_with_passwords(tree: Path, url: str, flagged: bool) -> None:
    password = "Vb7k" + "Q2mXz9Lp"  # built here, so this file holds no secret
    (tree / "settings.env").write_text(f"URL={url.replace(':PW@', f':{password}@')}\n")
    report = secrets_in(tree, jobs=1)
    assert bool(report.findings) is flagged, [f.rule for f in report.findings]
