"""Email notifications through a real SMTP server (aiosmtpd) on 127.0.0.1: STARTTLS
with a login, TLS from the start, plain; refusals; the password never kept."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import Mailbox, cli, everything_stored, write

FAILING = """
[tasks.bad]
run = "echo 'tail line one'; echo 'tail line two'; exit 4"
"""


def mail_target(port: int, ca_file: Path, security: str, **keys: str) -> str:
    extra = "".join(f"{k} = {v}\n" for k, v in keys.items())
    return f"""
[notify.oncall]
kind = "email"
host = "127.0.0.1"
port = {port}
security = "{security}"
from = "pitstop@example.com"
to = ["oncall@example.com", "lead@example.com"]
ca_file = "{ca_file}"
backoff = "10ms"
{extra}"""


def body(mailbox: Mailbox) -> tuple[Any, str]:
    message = email.message_from_bytes(mailbox.messages[0].content, policy=email.policy.default)
    return message, message.get_content()


def test_starttls_with_a_login(project: Path, smtp_server: Callable[..., Mailbox],
                               tls: Any, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "s3cret-pw")
    box = smtp_server("starttls")
    write(project, FAILING + mail_target(box.port, tls[1], "starttls",
                                         username='"pitstop"',
                                         password='"${SMTP_PASSWORD}"'))
    assert cli("run", "bad", "--json") == 1
    run_id = json.loads(capsys.readouterr().out)["id"]
    assert box.logins == [("pitstop", "s3cret-pw")]
    envelope = box.messages[0]
    assert envelope.mail_from == "pitstop@example.com"
    assert envelope.rcpt_tos == ["oncall@example.com", "lead@example.com"]
    message, text = body(box)
    assert message["Subject"] == "✗ bad failed"
    assert message["X-Pitstop-Event"] == "failure"
    assert f"run: {run_id} (task 'bad')" in text
    assert "failed task: bad: exited with status 4" in text
    assert "tail line one" in text and "tail line two" in text
    assert b"s3cret-pw" not in everything_stored(project)
    assert cli("history", "show", run_id, "--json") == 0
    note = json.loads(capsys.readouterr().out)["notifications"][0]
    assert note["status"] == "sent" and note["response"].startswith("250 2.0.0 Ok: queued")


def test_tls_from_the_start_and_plain(project: Path, smtp_server: Callable[..., Mailbox],
                                      tls: Any) -> None:
    for security in ("tls", "none"):
        box = smtp_server(security)
        write(project, FAILING + mail_target(box.port, tls[1], security))
        assert cli("run", "bad") == 1
        assert len(box.messages) == 1, security
        assert body(box)[0]["To"] == "oncall@example.com, lead@example.com"


def test_a_refused_login_is_not_retried_and_changes_nothing(
        project: Path, smtp_server: Callable[..., Mailbox], tls: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    box = smtp_server("starttls", password="the-right-one")
    write(project, FAILING + mail_target(box.port, tls[1], "starttls", username='"pitstop"',
                                         password='"wrong-password-1"', retries="3"))
    assert cli("run", "bad") == 1
    err = capsys.readouterr().err
    assert "not sent after 1 attempt(s): 535" in err
    # one connection: smtplib tries PLAIN, then LOGIN; no second attempt
    assert len(box.logins) <= 2 and not box.messages
    assert "wrong-password-1" not in err


def test_an_untrusted_certificate_fails_the_notification_not_the_run(
        project: Path, smtp_server: Callable[..., Mailbox], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    import trustme

    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    box = smtp_server("starttls")
    write(project, FAILING.replace("exit 4", "exit 0")
          + mail_target(box.port, other, "starttls", on='["success"]'))
    assert cli("run", "bad") == 0
    assert "TLS failed" in capsys.readouterr().err
    assert not box.messages


def test_notify_test_by_email(project: Path, smtp_server: Callable[..., Mailbox], tls: Any,
                              closed_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    box = smtp_server("none")
    write(project, mail_target(box.port, tls[1], "none"))
    assert cli("notify", "test", "oncall") == 0
    assert "the receiver answered: 250 2.0.0 Ok: queued as TEST123" in capsys.readouterr().err
    assert body(box)[0]["Subject"] == "pitstop test notification from [notify.oncall]"
    write(project, mail_target(closed_port, tls[1], "none", retries="1"))
    assert cli("notify", "test", "oncall", "--json") == 4
    result = json.loads(capsys.readouterr().out)
    assert result["sent"] is False and result["attempts"] == 2
    assert "cannot connect to 127.0.0.1" in result["error"]
