"""The redis section against second redis-servers started by the tests on free
loopback ports (no persistence, their own directories), killed after."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import audit, ids

pytest.importorskip("redis")


def test_redis_without_password_is_flagged(make_project: Callable[..., Path],
                                           redis_server: Callable[..., str]) -> None:
    where = redis_server()
    report = audit(make_project(f'redis_url = "redis://{where}/0"\n'), only=["redis"])
    section = report.sections[0]
    assert section.status == "ok", section.reason
    no_auth = [f for f in section.findings if f.id == "PS-REDIS-001"]
    assert [(f.object, f.severity) for f in no_auth] == [(f"redis {where}", "high")]
    dangerous = next(f for f in section.findings if f.id == "PS-REDIS-003")
    # DEBUG is off by default from Redis 7 (enable-debug-command no)
    assert {"CONFIG", "FLUSHALL"} <= set(dangerous.details["commands"])
    assert report.exit_code == 1


def test_redis_with_requirepass_and_a_restricted_acl_user_passes(
        make_project: Callable[..., Path], redis_server: Callable[..., str]) -> None:
    where = redis_server("--requirepass", "Adm1n-audit-pw",
                         "--user", "app", "on", ">App-audit-pw9", "~*", "&*", "+@all",
                         "-@dangerous")
    url = f"redis://app:App-audit-pw9@{where}/0"  # pitstop:allow
    report = audit(make_project(f'redis_url = "{url}"\n'), only=["redis"])
    section = report.sections[0]
    assert section.status == "ok", section.reason
    assert section.findings == ()
    assert any("CONFIG is denied" in note for note in section.notes)
    assert "App-audit-pw9" not in repr(report.to_dict())


def test_probes_change_nothing(make_project: Callable[..., Path],
                               redis_server: Callable[..., str]) -> None:
    import redis

    where = redis_server()
    host, port = where.split(":")
    client = redis.Redis(host=host, port=int(port))
    client.set("kept", "yes")
    before = client.config_get("*")
    audit(make_project(f'redis_url = "redis://{where}/0"\n'), only=["redis"])
    assert client.get("kept") == b"yes"  # FLUSHALL was probed, never run
    assert client.config_get("*") == before
    client.close()


def test_dangerous_commands_for_the_apps_user(make_project: Callable[..., Path],
                                              redis_server: Callable[..., str]) -> None:
    where = redis_server("--user", "app", "on", ">App-audit-pw9", "~*", "&*", "+@all",
                         "--user", "default", "off")
    url = f"redis://app:App-audit-pw9@{where}/0"  # pitstop:allow
    report = audit(make_project(f'redis_url = "{url}"\n'), only=["redis"])
    assert ids(report) == ["PS-REDIS-003"]  # the default user is off: no anonymous access


def test_redis_not_configured(make_project: Callable[..., Path]) -> None:
    project = make_project('[audit]\nsections = ["redis"]\n')
    assert audit(project).sections[0].status == "skipped"
    asked = audit(project, only=["redis"]).sections[0]
    assert (asked.status, asked.exit_code) == ("error", 3)
    assert "no Redis URL is set" in (asked.reason or "")


def test_unreachable_redis_is_a_connection_error(make_project: Callable[..., Path]) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    report = audit(make_project(f'redis_url = "redis://127.0.0.1:{port}/0"\n'), only=["redis"])
    assert (report.sections[0].status, report.exit_code) == ("error", 4)
