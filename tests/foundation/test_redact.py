from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pitstop.redact import mask_url, redact, register_secret, url_password, url_secrets


def test_mask_url_variants() -> None:
    assert mask_url("postgresql://app:s3cr3t@db:5432/app") == "postgresql://app:***@db:5432/app"
    assert mask_url("redis://:pw@cache:6379/0") == "redis://:***@cache:6379/0"
    assert mask_url("sqlite:///tmp/x.db") == "sqlite:///tmp/x.db"
    assert mask_url("mysql://u@h/db?password=abc&x=1") == "mysql://u@h/db?password=***&x=1"
    assert url_password("postgresql://u:p%40ss@h/db") == "p@ss"
    assert url_password("postgresql://u@h/db") is None


def test_registered_secrets_are_masked() -> None:
    register_secret("tok_abcdef123456")
    assert redact("Authorization: tok_abcdef123456") == "Authorization: ***"
    register_secret("ab")  # too short to mask safely
    assert redact("ab cd") == "ab cd"


_url_parts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(user=_url_parts, password=_url_parts, extra=st.text(max_size=20))
def test_redacting_json_keeps_it_valid(user: str, password: str, extra: str) -> None:
    document = {"url": f"postgresql://{user}:{password}@db/app?password={password}",
                "other": extra, "list": [f"redis://:{password}@c", 1]}
    text = json.dumps(document, indent=2)
    assert json.loads(redact(text)).keys() == document.keys()


@pytest.mark.parametrize(("text", "expected"), [
    ("see (postgresql://h/db?password=abc) next", "see (postgresql://h/db?password=***) next"),
    ("url postgresql://h/db?password=abc: refused", "url postgresql://h/db?password=***: refused"),
    ("at postgresql://h/db?password=abc.", "at postgresql://h/db?password=***."),
    ("[mysql://h/db?password=abc] x", "[mysql://h/db?password=***] x"),
    ("?password=abc&sslmode=require", "?password=***&sslmode=require"),
    ("?token=a.b.c then", "?token=*** then"),
    ("?password=abc,then", "?password=***,then"),
])
def test_text_after_a_masked_query_value_is_kept(text: str, expected: str) -> None:
    assert mask_url(text) == expected


def test_a_password_with_an_unencoded_at_sign_is_masked_whole() -> None:
    assert mask_url("postgresql://u:p@ss@h/db rest") == "postgresql://u:***@h/db rest"


def test_url_secrets_lists_query_secrets_too() -> None:
    assert url_secrets("postgresql://u:p%40ss@h/db?sslpassword=k3y&password=q%21x") == [
        "p@ss", "p%40ss", "k3y", "q!x", "q%21x"]
    assert url_secrets("sqlite:///x.db") == []


@pytest.mark.timeout(60)  # linear: milliseconds; quadratic, as it was: minutes
def test_a_long_run_of_letters_is_not_quadratic() -> None:
    # a scheme is looked for only where a word starts (a 400 kB token took minutes)
    text = "a" * 400_000
    assert redact(text) == text
