"""The SQL statement splitter: examples and properties."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pitstop.migrate.splitter import line_of, split_sql


def texts(script: str, **kw: bool) -> list[str]:
    return [s.text for s in split_sql(script, **kw)]


def test_comments_strings_and_quotes_keep_semicolons() -> None:
    script = (
        "-- a comment; with a semicolon\n"
        "CREATE TABLE \"odd;name\" (x TEXT DEFAULT 'a;b', y TEXT DEFAULT 'it''s;');\n"
        "/* block; comment */ INSERT INTO t VALUES (E'esc\\';aped');\n"
        "SELECT 1"
    )
    assert texts(script) == [
        "CREATE TABLE \"odd;name\" (x TEXT DEFAULT 'a;b', y TEXT DEFAULT 'it''s;')",
        "INSERT INTO t VALUES (E'esc\\';aped')",
        "SELECT 1",
    ]


def test_dollar_quoting() -> None:
    script = (
        "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;\n"
        "DO $body$ BEGIN PERFORM 1; PERFORM '$$'; END $body$;\n"
        "SELECT $1;"
    )
    parts = texts(script)
    assert len(parts) == 3
    assert parts[1].startswith("DO $body$") and parts[1].endswith("END $body$")


def test_routines_without_delimiter() -> None:
    script = (
        "CREATE DEFINER=`root`@`%` PROCEDURE p(IN n INT)\n"
        "BEGIN\n"
        "  DECLARE i INT DEFAULT 0;\n"
        "  WHILE i < n DO SET i = i + 1; END WHILE;\n"
        "  IF i > 1 THEN SELECT CASE WHEN i > 2 THEN 'a' ELSE 'b' END; END IF;\n"
        "  CASE i WHEN 1 THEN SELECT 1; ELSE SELECT 2; END CASE;\n"
        "  lbl: LOOP LEAVE lbl; END LOOP lbl;\n"
        "END;\n"
        "CREATE TRIGGER trg AFTER INSERT ON t FOR EACH ROW BEGIN\n"
        "  INSERT INTO log VALUES (NEW.id); UPDATE c SET n = n + 1;\n"
        "END;\n"
        "BEGIN NOT ATOMIC SELECT 1; SELECT 2; END;\n"
        "SELECT 3;"
    )
    parts = texts(script, mysql=True)
    assert len(parts) == 4, parts
    assert parts[0].endswith("END") and parts[1].startswith("CREATE TRIGGER")
    assert parts[3] == "SELECT 3"


def test_transaction_control_and_lines() -> None:
    script = "BEGIN;\n\nCREATE TABLE a (x INT);\nCOMMIT;\nSTART TRANSACTION;\nEND;"
    statements = split_sql(script)
    assert [s.controls_transaction for s in statements] == [True, False, True, True, True]
    assert [s.line for s in statements] == [1, 3, 4, 5, 6]
    assert [s.keyword for s in statements] == ["BEGIN", "CREATE", "COMMIT", "START", "END"]


def test_mysql_hash_comments_and_backslash_strings() -> None:
    script = "# note; here\nSELECT 'a\\';b';\nSELECT `we;ird`;"
    assert texts(script, mysql=True) == ["SELECT 'a\\';b'", "SELECT `we;ird`"]


def test_blank_and_comment_only_pieces_are_dropped() -> None:
    assert texts(";;  -- nothing\n/* here */ ;\n") == []


def test_unterminated_literal_runs_to_the_end() -> None:
    assert texts("SELECT 'open; ended") == ["SELECT 'open; ended"]


_word = st.sampled_from(["SELECT", "x", "1", "t", "col", "=", ",", "(", ")", "+", "CASE WHEN 1 "
                         "THEN 2 END", "end_date", "beginning"])
_literal = st.one_of(
    st.text(alphabet="ab;'-/*$ \n", max_size=8).map(lambda t: "'" + t.replace("'", "''") + "'"),
    st.text(alphabet="ab;\"$ \n", max_size=8).map(lambda t: '"' + t.replace('"', '""') + '"'),
    st.text(alphabet="ab;'\" \n", max_size=8).map(lambda t: "$q$" + t + "$q$"),
    st.text(alphabet="ab;'\" \n", max_size=8).map(lambda t: "/*" + t + "*/"),
    st.text(alphabet="ab;'\" ", max_size=8).map(lambda t: "--" + t + "\n"),
)
_statement = st.lists(st.one_of(_word, _literal), min_size=1, max_size=8).map(
    lambda parts: "SELECT " + " ".join(parts))


@settings(max_examples=300, deadline=None)
@given(st.lists(_statement, min_size=1, max_size=6),
       st.sampled_from([";\n", ";", " ;\n\n", ";\n-- trailing\n"]))
def test_split_recovers_the_statements(statements: list[str], separator: str) -> None:
    script = separator.join(statements) + separator
    got = texts(script)
    assert [g.rstrip() for g in got] == [s.rstrip() for s in statements]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcBEGINENDCASE;'\"$`/*-#\n ()", max_size=120), st.booleans())
def test_statements_are_exact_ordered_slices(script: str, mysql: bool) -> None:
    statements = split_sql(script, mysql=mysql)
    last = 0
    for statement in statements:
        assert statement.text == script[statement.start:statement.end]
        assert statement.text and statement.text == statement.text.strip()
        assert statement.start >= last
        assert statement.line == line_of(script, statement.start)
        last = statement.end


def test_mysql_delimiter_lines() -> None:
    script = ("CREATE TABLE a (x INT);\nDELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; "
              "SELECT 2; END$$\nCREATE FUNCTION f() RETURNS INT RETURN 1$$\nDELIMITER ;\n"
              "INSERT INTO a VALUES (1);")
    statements = split_sql(script, mysql=True)
    assert [s.text for s in statements] == [
        "CREATE TABLE a (x INT)", "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END",
        "CREATE FUNCTION f() RETURNS INT RETURN 1", "INSERT INTO a VALUES (1)"]
    assert [s.line for s in statements] == [1, 3, 4, 6]
    for s in statements:
        assert script[s.start:s.end] == s.text
