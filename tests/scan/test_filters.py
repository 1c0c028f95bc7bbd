"""The filters behind the generic rules, and inline markers."""

from __future__ import annotations

from pathlib import Path

import pytest

from pitstop.scan.filters import generic_reason, inline_marker, shannon_entropy
from pitstop.scan.placeholder import placeholder_reason

from .conftest import github_token, scan


@pytest.mark.parametrize("line", [
    'api_key = "xxxxxxxxxxxxxxxxxxxx"',
    'api_key = "<your-api-key-here>"',
    'API_TOKEN = "${API_TOKEN}"',
    'password = "changeme"',
    'password = "changeme123!"',
    'client_secret = "{{ client_secret }}"',
    "password = '%(password)s'",
    'secret_key = "django-insecure-test-key-for-fixtures"',
    'token = "mock_token_abc123XYZ"',
    'auth_token = "fake-Auth-Token-12345"',
    'secret = "dummySecretValue99"',
    'api_key = "3f2b8a7c-1d4e-4f6a-9b0c-2e5d7f8a9b1c"',
    'token = "5d41402abc4b2a76b9719d911017c592"',
    'password = self.settings.database_password',
    'password = get_password()',
    'secret_name = "projects/acme/secrets/db-password"',
    'next_token = "eyJOZXh0VG9rZW4iOiBudWxsfQ=="',
    'password = "hunter2"',
    'token_url = "https://oauth2.googleapis.com/token"',
    'PASSWORD_HASHERS = "django.contrib.auth.hashers.PBKDF2PasswordHasher"',
    'csrf_token = "Xk29fLq8ZmW3pR7tVb4nJc6y"',
    'session_token = "AQoEXAMPLE' 'H4aoAH0gNCAPyJxz4BlCFFxWNE1"',   # AWS's documented marker
    'password = "arn:aws:iam::aws:policy/IAMUserChangePassword"',
    'password = "webdavgeneratedpassword1"',
    'password = "SomeKindOfPassword123!@#"',
])
def test_look_alikes_do_not_fire(tree: Path, line: str) -> None:
    (tree / "settings.py").write_text(line + "\n")
    assert scan(tree).findings == (), line


@pytest.mark.parametrize(("line", "rule"), [
    ('db_password = "Tr0ub4dor&3-horse"', "generic-password"),  # pitstop:allow
    ('STRIPE_WEBHOOK_SECRET = "Q8vK2mZx7Lp4Nw9Rt5Yb3Hc6"', "generic-api-key"),  # pitstop:allow
    ("export DEPLOY_TOKEN=Zk8sLq2Wm9Xv4Tn7Rb3Yc6Hd", "generic-env-assignment"),
])
def test_real_looking_values_fire(tree: Path, line: str, rule: str) -> None:
    (tree / "settings.py").write_text(line + "\n")
    assert [f.rule for f in scan(tree).findings] == [rule]


# Real passwords that merely contain a placeholder word (issue 14): found, not dropped.
# The values are assembled here so this file holds no literal secret.
@pytest.mark.parametrize(("line", "rule"), [
    ('DATABASE_URL = "postgresql://app:' + 'S3cr3tPassw0rd!x' + '@db.internal/app"',
     "postgres-url-password"),
    ('password = "' + 'MyTestPw9x7q' + '"', "generic-password"),
    ('db_password = "' + 'Example-Q7vX9kLm2' + '"', "generic-password"),
    ('api_secret = "' + 'tokenQ7vX9KLM2pz4' + '"', "generic-api-key"),
    ('export DB_PASSWORD=' + 'changemeNOW8Kq2x', "generic-env-assignment"),
    ('smtp_password = "' + 'dummy4Rt9!Lqx' + '"', "generic-password"),
])
def test_real_passwords_with_placeholder_words_fire(tree: Path, line: str, rule: str) -> None:
    (tree / "settings.py").write_text(line + "\n")
    report = scan(tree, explain=True)
    assert [f.rule for f in report.findings] == [rule], [d.reason for d in report.dropped]


@pytest.mark.parametrize("value", [
    "changeme", "<password>", "${DB_PASSWORD}", "xxxxxxxx", "your-api-key-here",
    "YOUR_TOKEN_HERE", "P@ssw0rd123", "mysecretpassword", "changeme-later-please",
    "{{ secret }}", "%(password)s", "test1234", "hunter2", "dummySecretValue99",
    "mock_token_abc123XYZ", "Passw0rd!", "secret", "insert-your-token-here", "<your key>",
    "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", "settings.DB_PASSWORD",
])
def test_whole_value_placeholders_are_dropped(value: str) -> None:
    assert placeholder_reason(value) is not None, value


@pytest.mark.parametrize("value", [
    "S3cr3tPassw0rd!x", "MyTestPw9x7q", "Tr0ub4dor&3-horse", "Q8vK2mZx7Lp4Nw9Rt5Yb3Hc6",
    "testQ7vX9kLm", "x9Lq2Wm8-secret-Vb4", "token84736251",
])
def test_values_that_only_contain_placeholder_words_are_not_placeholders(value: str) -> None:
    assert placeholder_reason(value) is None, value


def test_a_placeholder_reason_never_shows_more_than_one_known_word() -> None:
    assert placeholder_reason("changeme") == "placeholder 'changeme'"
    assert placeholder_reason("mysecretpassword") == "placeholder words"


def test_lock_files_are_skipped(tree: Path) -> None:
    (tree / "package-lock.json").write_text(
        '{"integrity": "sha512-Zk8sLq2Wm9Xv4Tn7Rb3Yc6HdZk8sLq2Wm9Xv4Tn7Rb3Yc6Hd==",\n'
        f' "token": "{github_token()}"}}\n')
    (tree / "poetry.lock").write_text(f'secret = "{github_token()}"\n')
    assert scan(tree).findings == ()


@pytest.mark.parametrize("marker", ["# pitstop:allow", "# gitleaks:allow",
                                    "# pragma: allowlist secret"])
def test_inline_markers(tree: Path, marker: str) -> None:
    (tree / "a.py").write_text(f"T = '{github_token()}'  {marker}\nU = '{github_token(2)}'\n")
    assert [f.line for f in scan(tree).findings] == [2]
    assert inline_marker(f"x {marker}") is not None


def test_reasons_and_entropy() -> None:
    assert generic_reason("changeme", 'password = "changeme"') == "placeholder 'changeme'"
    assert generic_reason("${TOKEN}", "token: ${TOKEN}") == "variable reference"
    assert generic_reason("Zk8sLq2Wm9Xv", 'next_page_token = "Zk8sLq2Wm9Xv"') \
        == "name contains 'next'"
    assert generic_reason("Zk8sLq2Wm9Xv", 'password = "Zk8sLq2Wm9Xv"') is None  # pitstop:allow
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == 2.0
