"""`pitstop notify list|test`, exit codes, and secrets masked in what is shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Receiver, cli, write


def test_notify_test_reports_the_answer(project: Path, receiver: Receiver,
                                        closed_port: int,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    write(project, f'[notify.hook]\nurl = "{receiver.url}"\nsecret = "k3y-for-hmac"\n'
                   f'[notify.down]\nurl = "http://127.0.0.1:{closed_port}/"\nretries = 1\n'
                   'backoff = "10ms"\n'
                   f'[notify.refuses]\nurl = "{receiver.url}"\nretries = 0\n'
                   '[notify.unset]\nkind = "slack"\nurl = "${NO_SUCH_VARIABLE}"\n')
    assert cli("notify", "test", "hook") == 0
    assert "sent in 1 attempt(s); the receiver answered: HTTP 200: ok" in capsys.readouterr().err
    assert receiver.requests[0].headers["X-Pitstop-Event"] == "test"
    assert json.loads(receiver.requests[0].body)["target"] == "pitstop-notify-test"
    assert cli("notify", "test", "down", "--json") == 4
    down = json.loads(capsys.readouterr().out)
    assert (down["sent"], down["attempts"], down["answered"]) == (False, 2, False)
    receiver.statuses = [500]
    assert cli("notify", "test", "refuses") == 1
    assert "HTTP 500: not now" in capsys.readouterr().err
    assert cli("notify", "test", "unset") == 3
    assert "notify.unset.url: uses ${NO_SUCH_VARIABLE}, which is not set" \
        in capsys.readouterr().err
    assert cli("notify", "test", "nope") == 3
    assert "no notification target named 'nope'" in capsys.readouterr().err
    assert cli("history", "--capability", "notify", "--json") == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert {r["target"] for r in runs} == {"notify test"}


def test_list_and_config_show_mask_the_receivers(project: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX"
    write(project, f'[notify.ops]\nkind = "slack"\nurl = "{url}"\n'
                   '[notify.env]\nurl = "${HOOK_URL}"\non = ["start"]\nworkflows = ["deploy"]\n'
                   '[notify.mail]\nkind = "email"\nhost = "smtp.example.com"\n'
                   'from = "a@example.com"\nto = ["b@example.com"]\npassword = "pw-123456"\n'
                   "enabled = false\n")
    assert cli("notify", "list", "--json") == 0
    out = capsys.readouterr().out
    listed = {n["name"]: n for n in json.loads(out)["notifiers"]}
    assert listed["ops"]["to"] == "https://hooks.slack.com/…"
    assert listed["env"]["to"] == "${HOOK_URL}" and listed["env"]["on"] == ["start"]
    assert listed["mail"]["to"] == "b@example.com" and listed["mail"]["enabled"] is False
    assert cli("notify", "list") == 0
    assert cli("config", "show", "--json") == 0
    out = capsys.readouterr().out
    assert "XXXXSECRETXXXX" not in out and "pw-123456" not in out
    assert "${HOOK_URL}" in out


def test_bad_targets_are_config_errors(project: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    for text, words in [
        ('[notify.x]\nkind = "slack"\n', "[notify.x.url] required for kind = 'slack'"),
        ('[notify.x]\nkind = "email"\nhost = "h"\nto = ["a@b"]\n', "[notify.x.from] required"),
        ('[notify.x]\nurl = "http://h"\non = ["boom"]\n', "[notify.x.on[0]]"),
        ('[notify.x]\nkind = "pager"\nurl = "http://h"\n', "[notify.x.kind]"),
    ]:
        write(project, text)
        assert cli("notify", "list") == 3
        assert words in capsys.readouterr().err
