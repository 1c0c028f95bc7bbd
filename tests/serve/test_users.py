"""`pitstop user`: users in the state store with Argon2 hashes, tokens shown once and
stored as digests, no store without an admin, every change audited and recorded."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from pitstop.cli.main import main
from pitstop.serve.passwords import verify_password
from pitstop.state.accounts import Accounts
from pitstop.state.audit import AuditTrail
from pitstop.state.store import StateStore

from .conftest import load, write_project


@pytest.fixture
def proj(project: Path, state_url: str) -> Path:
    return write_project(project, state_url)


def cli(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str | None = None) -> int:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(args))


def _store(root: Path) -> StateStore:
    return StateStore.connect(load(root).state.url)


def test_add_list_passwd_role_remove(proj: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(monkeypatch, "user", "add", "ada", "--role", "admin", "--password-stdin",
               stdin="correct horse battery\n") == 0
    assert cli(monkeypatch, "user", "add", "vera", "--role", "viewer", "--password-stdin",
               stdin="another passphrase\n") == 0
    store = _store(proj)
    try:
        ada = Accounts(store.engine).user("ada")
        assert ada is not None and ada.role == "admin"
        assert ada.password_hash.startswith("$argon2id$")
        assert "correct horse" not in ada.password_hash
        assert verify_password(ada.password_hash, "correct horse battery")
        assert not verify_password(ada.password_hash, "wrong")
    finally:
        store.close()
    capsys.readouterr()
    assert cli(monkeypatch, "user", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(u["name"], u["role"]) for u in listed["users"]] == [("ada", "admin"),
                                                                 ("vera", "viewer")]
    assert cli(monkeypatch, "user", "passwd", "vera", "--password-stdin",
               stdin="a new passphrase\n") == 0
    assert cli(monkeypatch, "user", "role", "vera", "operator") == 0
    assert cli(monkeypatch, "user", "remove", "vera") == 0
    capsys.readouterr()
    assert cli(monkeypatch, "user", "list", "--json") == 0
    assert [u["name"] for u in json.loads(capsys.readouterr().out)["users"]] == ["ada"]

    store = _store(proj)
    try:
        entries = AuditTrail(store.engine).entries()
    finally:
        store.close()
    assert [(e.action, e.target) for e in reversed(entries)] == [
        ("user.add", "ada"), ("user.add", "vera"), ("user.passwd", "vera"),
        ("user.role", "vera"), ("user.remove", "vera")]
    assert all(e.role == "local" and e.address == "local (cli)" and e.outcome == "success"
               for e in entries)
    assert not any("passphrase" in (e.detail or "") for e in entries)


def test_history_records_user_changes_without_the_password(
        proj: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(monkeypatch, "user", "add", "ada", "--role", "admin", "--password-stdin",
               stdin="correct horse battery\n") == 0
    capsys.readouterr()
    assert cli(monkeypatch, "history", "--json") == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [r["target"] for r in runs] == ["serve user-add"]
    assert runs[0]["options"]["password"] == "***"
    assert "correct horse" not in json.dumps(runs)


def test_token_is_printed_once_and_stored_as_a_digest(
        proj: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(monkeypatch, "user", "add", "ci", "--role", "operator", "--password-stdin",
               stdin="robot passphrase\n") == 0
    capsys.readouterr()
    assert cli(monkeypatch, "user", "token", "ci", "--label", "deploy bot") == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("pst_") and len(token) > 40
    assert cli(monkeypatch, "user", "token", "ci", "--json") == 0
    second = json.loads(capsys.readouterr().out)
    assert second["token"].startswith("pst_") and second["token"] != token
    capsys.readouterr()
    assert cli(monkeypatch, "history", "--json") == 0
    history = capsys.readouterr().out
    assert token not in history and second["token"] not in history
    state = load(proj).state.url
    if state.startswith("sqlite"):
        dump = "\n".join(sqlite3.connect(state.removeprefix("sqlite:///")).iterdump())
        assert token not in dump and second["token"] not in dump
    token_id = token.split("_")[1]
    assert cli(monkeypatch, "user", "revoke", "ci", token_id) == 0
    capsys.readouterr()
    assert cli(monkeypatch, "user", "list", "--json") == 0
    tokens = json.loads(capsys.readouterr().out)["users"][0]["tokens"]
    assert {t["id"]: t["revoked_at"] is not None for t in tokens} == {
        token_id: True, second["id"]: False}
    assert "token" not in tokens[0]
    assert cli(monkeypatch, "user", "revoke", "ci", "--all") == 0
    assert cli(monkeypatch, "user", "revoke", "ci") == 3  # neither an id nor --all


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("user", "add", "ada", "--role", "admin", "--password-stdin"), "short\n", "too short"),
    (("user", "add", "bad name", "--role", "admin", "--password-stdin"), "long enough pw\n",
     "user name"),
    (("user", "add", "ada", "--role", "admin", "--password-stdin"), "\n", "held no password"),
    (("user", "passwd", "nobody", "--password-stdin"), "long enough pw\n", "no user named"),
    (("user", "remove", "nobody"), None, "no user named"),
    (("user", "token", "nobody"), None, "no user named"),
])
def test_bad_input_is_exit_3_and_changes_nothing(
        proj: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        args: tuple[str, ...], stdin: str | None, message: str) -> None:
    assert cli(monkeypatch, *args, stdin=stdin) == 3
    assert message in capsys.readouterr().err
    capsys.readouterr()
    assert cli(monkeypatch, "user", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out)["users"] == []


def test_no_prompt_without_a_terminal(proj: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(monkeypatch, "user", "add", "ada", "--role", "admin", stdin="") == 3
    assert "--password-stdin" in capsys.readouterr().err


def test_the_last_admin_stays(proj: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(monkeypatch, "user", "add", "ada", "--role", "admin", "--password-stdin",
               stdin="correct horse battery\n") == 0
    assert cli(monkeypatch, "user", "add", "ada", "--role", "viewer", "--password-stdin",
               stdin="correct horse battery\n") == 3
    assert "exists already" in capsys.readouterr().err
    assert cli(monkeypatch, "user", "remove", "ada") == 3
    assert "only admin" in capsys.readouterr().err
    assert cli(monkeypatch, "user", "role", "ada", "operator") == 3
    assert cli(monkeypatch, "user", "add", "bob", "--role", "admin", "--password-stdin",
               stdin="another passphrase\n") == 0
    assert cli(monkeypatch, "user", "role", "ada", "operator") == 0
    assert cli(monkeypatch, "user", "remove", "ada") == 0


def test_audit_trail_is_append_only_in_the_database(proj: Path) -> None:
    import sqlalchemy as sa

    from pitstop.state import tables

    store = _store(proj)
    try:
        trail = AuditTrail(store.engine)
        trail.append("login", "failure", user=None, address="127.0.0.1")
        for statement in (tables.audit.update().values(outcome="success"),
                          tables.audit.delete()):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), \
                    store.engine.begin() as conn:
                conn.execute(statement)
        assert [e.outcome for e in trail.entries()] == ["failure"]
    finally:
        store.close()


def test_a_version_2_state_store_is_upgraded(project: Path, tmp_path: Path) -> None:
    """A state database from before the web page gets its tables and indexes."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE pitstop_meta (key VARCHAR(64) PRIMARY KEY, value VARCHAR(255) NOT NULL);
        INSERT INTO pitstop_meta VALUES ('schema_version', '2');
        CREATE TABLE pitstop_runs (id VARCHAR(32) PRIMARY KEY, target VARCHAR(255) NOT NULL,
          kind VARCHAR(16) NOT NULL, "trigger" VARCHAR(32) NOT NULL, "user" VARCHAR(255),
          host VARCHAR(255) NOT NULL, pid INTEGER NOT NULL, params TEXT NOT NULL,
          started_at FLOAT NOT NULL, finished_at FLOAT, heartbeat_at FLOAT NOT NULL,
          status VARCHAR(16) NOT NULL, exit_code INTEGER, error TEXT, capability VARCHAR(64),
          verb VARCHAR(64), parent_id VARCHAR(32), result TEXT);
        INSERT INTO pitstop_runs VALUES ('r1', 'deploy', 'workflow', 'cli', 'ops', 'h', 1, '{}',
          1.0, 2.0, 2.0, 'success', 0, NULL, NULL, NULL, NULL, NULL);
    """)
    conn.commit()
    conn.close()
    store = StateStore.connect(f"sqlite:///{path}")
    try:
        assert store.get_run("r1") is not None
        Accounts(store.engine).add_user("ada", "admin", "x")
    finally:
        store.close()
    conn = sqlite3.connect(path)
    indexes = {row[1] for row in conn.execute("PRAGMA index_list(pitstop_runs)")}
    version = conn.execute("SELECT value FROM pitstop_meta WHERE key='schema_version'").fetchone()
    conn.close()
    assert {"ix_pitstop_runs_target", "ix_pitstop_runs_user"} <= indexes
    assert version == ("3",)
