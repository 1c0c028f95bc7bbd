"""pitstop.db.url splits URLs itself (no SQLAlchemy import on the fast path); the
pieces must agree with SQLAlchemy's own parser, which the engines still use."""

from __future__ import annotations

import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from pitstop.db.url import parse_url
from pitstop.errors import ConfigError

URLS = [
    "postgresql://u:p%40ss@h:5/db?x=1&x=2&y=",
    "postgresql://u@/db",
    "postgresql:///db",
    "postgres://postgres@127.0.0.1/test?sslmode=disable&application_name=x",
    "postgresql://h/d%20x",
    "postgresql://u:@h/d",
    "postgresql://u:p@ss@h/d",
    "mysql://root@[::1]:3306/t",
    "mariadb://root:secret@127.0.0.1/test?charset=utf8mb4",
    "sqlite:///rel/a.db",
    "sqlite:////abs/a.db",
    "sqlite://",
    "sqlite:///:memory:",
]


def _same(url: str) -> None:
    ours = parse_url(url)
    theirs = make_url(url)
    assert ours.username == theirs.username
    assert ours.password == theirs.password
    assert ours.parts.hostname == theirs.host
    assert ours.parts.port == theirs.port
    assert ours.database == theirs.database
    assert dict(ours.parts.query) == dict(theirs.query)
    # the SQLAlchemy form is still there for engines, with the driver chosen
    assert ours.sqlalchemy_url.drivername in {"sqlite", "postgresql+psycopg", "mysql+pymysql"}


@pytest.mark.parametrize("url", URLS)
def test_the_pieces_agree_with_sqlalchemy(url: str) -> None:
    _same(url)


_text = st.text(alphabet=string.ascii_letters + string.digits + "%@:/?&=._-[]", max_size=12)


@settings(max_examples=300, deadline=None)
@example(user="[0]0/", password="", host="", port=None, database="", query="")
@given(user=_text, password=_text, host=_text, port=st.integers(1, 65535) | st.none(),
       database=_text, query=_text)
def test_the_pieces_agree_with_sqlalchemy_on_generated_urls(
        user: str, password: str, host: str, port: int | None, database: str, query: str
) -> None:
    url = f"postgresql://{user}:{password}@{host}{f':{port}' if port else ''}/{database}"
    url += f"?{query}" if query else ""
    try:
        theirs = make_url(url)
    except Exception:  # noqa: BLE001 - SQLAlchemy refuses it: so must we
        with pytest.raises(ConfigError):
            parse_url(url)
        return
    try:
        ours = parse_url(url)
    except ConfigError:
        # stricter than SQLAlchemy only about brackets in the host part (which it may
        # strip: `[0]0` becomes host '0') and port 0 (which no server listens on;
        # SQLAlchemy passes it on to the driver)
        netloc = url.removeprefix("postgresql://").split("/", 1)[0]
        assert theirs.port == 0 or "[" in netloc or "]" in netloc or (
            theirs.host is not None and ("[" in theirs.host or "]" in theirs.host))
        return
    assert (ours.username, ours.password, ours.parts.hostname, ours.parts.port, ours.database) \
        == (theirs.username, theirs.password, theirs.host, theirs.port, theirs.database)
    assert dict(ours.parts.query) == dict(theirs.query)


@pytest.mark.parametrize("url, says", [
    ("postgresql://u:pw@127.0.0.1:99999/x", "out of range"),
    ("postgresql://u:pw@127.0.0.1:abc/x", "not a number"),
    ("mysql://[::1", "IPv6"),
    ("postgresql:/nohost", "expected SCHEME://"),
])
def test_malformed_urls_are_config_errors_without_the_password(url: str, says: str) -> None:
    with pytest.raises(ConfigError, match="malformed database URL") as info:
        parse_url(url)
    assert says in str(info.value) and ":pw@" not in str(info.value)


def test_with_database_keeps_the_server_and_credentials() -> None:
    db = parse_url("postgresql://u:p%40ss@h:5433/app?sslmode=disable")
    other = db.with_database("scratch")
    assert (other.username, other.password, other.parts.hostname, other.parts.port) \
        == ("u", "p@ss", "h", 5433)
    assert other.database == "scratch" and dict(other.parts.query) == {"sslmode": "disable"}


@pytest.mark.parametrize("query, option", [
    ("ssl_mode=REQUIRED", "ssl_mode"), ("charset=bogus", "charset"),
    ("connect_timeout=abc", "connect_timeout"), ("ssl_ca=/nonexistent/ca.pem", "ssl_ca"),
])
def test_mysql_options_pymysql_would_crash_on_are_config_errors(query: str, option: str
                                                                ) -> None:
    from pitstop.db.url import create_engine

    with pytest.raises(ConfigError) as caught:
        create_engine(f"mysql://u:pw@127.0.0.1/db?{query}")
    assert caught.value.exit_code == 3 and f"option {option}=" in caught.value.message
    assert ":pw@" not in caught.value.message


def test_connect_check_names_a_bad_option_and_a_missing_database(pg_url: str) -> None:
    from pitstop.db.url import DatabaseMissingError, connect_check

    with pytest.raises(ConfigError, match=r"option sslmode=bogus .*invalid sslmode value"):
        connect_check(f"{pg_url}?sslmode=bogus")
    missing = pg_url.rsplit("/", 1)[0] + "/pitstop_no_such_database"
    with pytest.raises(DatabaseMissingError, match="'pitstop_no_such_database' does not exist"
                       ) as caught:
        connect_check(missing)
    assert caught.value.exit_code == 4 and caught.value.database == "pitstop_no_such_database"
