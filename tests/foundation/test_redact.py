from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from pitstop.redact import mask_url, redact, register_secret, url_password


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
