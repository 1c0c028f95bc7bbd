"""The CLI (`pitstop check`, `pitstop wait`, `pitstop bench redis`,
`pitstop db extensions`), stored results, metrics, the migrations check and the
built-in tasks."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest

from pitstop.capability import TaskContext
from pitstop.cli.main import main
from pitstop.registry import load_settings
from pitstop.state.store import StateStore

pytest_plugins = ["checks_support"]


def _write(project: Path, text: str) -> None:
    (project / "pitstop.toml").write_text(text, encoding="utf-8")


def test_check_terminal_lines_and_exit_codes(project: Path, pg_url: str, closed_port: int,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _write(project, f'database_url = "{pg_url}"\n'
                    f'[checks.tcp.smtp]\naddress = "127.0.0.1:{closed_port}"\n')
    assert main(["check", "database"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[+] database") and " ms  PostgreSQL " in out
    assert main(["check"]) == 4
    captured = capsys.readouterr()
    assert "[x] tcp.smtp" in captured.out and "hint:" in captured.out
    assert "3 checks: 2 passed, 0 warned, 1 failed" in captured.err
    assert main(["check", "nope"]) == 3
    assert "unknown check 'nope'" in capsys.readouterr().err


def test_check_json_report_and_store(project: Path, pg_url: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    _write(project, f'database_url = "{pg_url}"\n[metrics]\ntextfile = "metrics.prom"\n')
    report = project / "health.json"
    assert main(["check", "--json", "--report", str(report), "env", "database"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == json.loads(report.read_text())
    assert document["status"] == "pass"
    assert set(document["checks"]) == {"env", "database"}
    settings = load_settings(project, env={})
    with StateStore.open(settings.state.url) as store:
        stored = {r.name: r for r in store.latest_health_checks()}
    assert set(stored) == {"env", "database"}
    assert stored["database"].status == "pass"
    assert stored["database"].observed["max_connections"]["unit"] == "connections"
    metrics = (project / "metrics.prom").read_text()
    assert 'pitstop_health_check_up{check="database"} 1.0' in metrics
    assert 'pitstop_health_check_latency_seconds{check="database"}' in metrics


def test_check_no_record_and_list(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(project, '[checks.tcp.smtp]\naddress = "127.0.0.1:25"\n')
    assert main(["check", "--list"]) == 0
    out = capsys.readouterr().out
    assert "tcp.smtp  (tcp, timeout 5 s)" in out and "env  (env" in out
    assert main(["check", "env", "--no-record"]) == 0
    assert not (project / ".pitstop" / "state.db").exists()


def test_check_bad_config_and_timeout(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(project, '[checks.tcp.smtp]\nadress = "127.0.0.1:25"\n')
    assert main(["check"]) == 3
    assert "checks.tcp.smtp.adress" in capsys.readouterr().err
    _write(project, "")
    assert main(["check", "--timeout", "0", "env"]) == 3


def test_check_strict(project: Path, redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    policy = client.config_get("maxmemory-policy")["maxmemory-policy"]
    client.close()
    if policy != "noeviction":
        pytest.skip("the test Redis evicts keys; no warning to provoke")
    _write(project, f'redis_url = "{redis_url}"\n[checks.redis]\ncache = true\n')
    assert main(["check", "redis", "--no-record"]) == 0
    assert main(["check", "redis", "--no-record", "--strict"]) == 1


def test_check_never_prints_passwords(project: Path, closed_port: int,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql://app:Sup3rSecret@127.0.0.1:{closed_port}/app"
    assert main(["check", "database", "--database", url, "--json", "--no-record"]) == 4
    captured = capsys.readouterr()
    assert "Sup3rSecret" not in captured.out + captured.err


def test_wait_cli(project: Path, pg_url: str, closed_port: int,
                  capsys: pytest.CaptureFixture[str]) -> None:
    _write(project, f'database_url = "{pg_url}"\n')
    assert main(["wait", "--timeout", "5"]) == 0
    assert "database answered after" in capsys.readouterr().err
    code = main(["wait", f"127.0.0.1:{closed_port}", "--timeout", "1", "--interval", "0.2"])
    assert code == 4
    err = capsys.readouterr().err
    assert f"127.0.0.1:{closed_port} did not answer within 1 s" in err
    assert "connection refused" in err
    assert main(["wait", "redis"]) == 3


def test_bench_cli(project: Path, redis_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "redis", "--url", redis_url, "-n", "2000", "-c", "4", "-P", "4",
                 "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [r["op"] for r in document["results"]] == ["SET", "GET"]
    for result in document["results"]:
        assert result["requests"] == 2000 and result["errors"] == 0
        assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"] <= result["max_ms"]
        assert result["ops_per_second"] > 0
    assert main(["bench", "redis"]) == 3


def test_bench_noauth(project: Path, auth_redis: tuple[int, str],
                      capsys: pytest.CaptureFixture[str]) -> None:
    port, password = auth_redis
    assert main(["bench", "redis", "--url", f"redis://127.0.0.1:{port}", "-n", "100"]) == 4
    assert "NOAUTH" in capsys.readouterr().err
    assert main(["bench", "redis", "--url", f"redis://:{password}@127.0.0.1:{port}/2",
                 "-n", "500", "-c", "2"]) == 0
    assert password not in capsys.readouterr().out


def test_db_extensions_group(project: Path, pg_url: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    import click

    from pitstop.cli.db_extensions_cmd import extensions

    _write(project, f'database_url = "{pg_url}"\n'
                    '[db.extensions]\nrequired = ["pg_trgm>=1.0"]\n')
    db_group = main.__globals__["cli"].get_command(click.Context(click.Command("x")), "db")
    if db_group is None or "extensions" not in getattr(db_group, "commands", {}):
        pytest.skip("the `pitstop db` group does not include `extensions` yet")
    assert db_group.commands["extensions"] is extensions
    assert main(["db", "extensions", "verify"]) == 1
    assert main(["db", "extensions", "deploy", "--dry-run"]) == 10
    capsys.readouterr()
    assert main(["db", "extensions", "deploy", "--json"]) == 0
    deployed = json.loads(capsys.readouterr().out)["extensions"]
    assert [(d["name"], d["state"], d["action"]) for d in deployed] == [
        ("pg_trgm", "ok", "created")]
    assert main(["db", "extensions", "verify"]) == 0
    assert main(["db", "extensions", "deploy", "no_such_ext"]) == 2


def _ctx(project: Path, name: str) -> TaskContext:
    settings = load_settings(project, env={})
    return TaskContext(name=name, settings=settings, run_id="run123",
                       log=logging.LoggerAdapter(logging.getLogger("pitstop.test")),
                       timeout=5.0)


def test_tasks(project: Path, pg_url: str, closed_port: int) -> None:
    from pitstop.checks import tasks
    from pitstop.db import tasks as db_tasks

    _write(project, f'database_url = "{pg_url}"\n'
                    '[db.extensions]\nrequired = ["pg_trgm"]\n'
                    f'[checks.tcp.down]\naddress = "127.0.0.1:{closed_port}"\n')
    outcome = tasks.check_database_task(_ctx(project, "check-database"))
    assert (outcome.status, outcome.exit_code) == ("success", 0)
    outcome = tasks.check_env_task(replace(_ctx(project, "check-env"), environ={"PATH": "/usr/bin"}))
    assert outcome.exit_code == 0
    outcome = tasks.check_extensions_task(_ctx(project, "check-extensions"))
    assert outcome.exit_code == 1 and "pg_trgm" in outcome.message
    outcome = db_tasks.extensions_deploy_task(_ctx(project, "extensions-deploy"))
    assert outcome.exit_code == 0 and outcome.data["changed"] == ["pg_trgm"]
    outcome = tasks.check_all_task(_ctx(project, "check"))
    assert outcome.exit_code == 4 and outcome.data["checks"]["tcp.down"] == "fail"
    outcome = tasks.wait_database_task(_ctx(project, "wait-database"))
    assert outcome.exit_code == 0
    outcome = tasks.check_schema_task(_ctx(project, "check-schema"))
    assert outcome.exit_code == 3
    settings = load_settings(project, env={})
    with StateStore.open(settings.state.url) as store:
        runs = {r.name: r.run_id for r in store.latest_health_checks()}
    assert runs["database"] == "run123"


def test_builtin_tasks_are_registered() -> None:
    from pitstop.registry import tasks as builtin_tasks

    tasks = builtin_tasks()
    for name in ("check", "check-env", "check-database", "check-redis", "check-extensions",
                 "check-schema", "wait-database", "extensions-deploy"):
        assert callable(tasks[name].load()), name


def test_migrations_check(project: Path, sqlite_url: str) -> None:
    from pitstop.checks import check
    from pitstop.checks.runner import check_env, configured_checks

    _write(project, f'database_url = "{sqlite_url}"\n')
    settings = load_settings(project, env={})
    assert "migrations" not in [c.name for c in configured_checks(check_env(settings, {}))]
    (project / "migrations").mkdir()
    (project / "migrations" / "V1__init.sql").write_text("CREATE TABLE t (x int);\n")
    settings = load_settings(project, env={})
    [r] = check(settings, names=["migrations"]).results
    assert r.status == "fail" and "1 pending: V1__init.sql" in r.message
    assert main(["migrate", "up"]) == 0
    [r] = check(settings, names=["migrations"]).results
    assert r.status == "pass", r.message
    (project / "migrations" / "V1__init.sql").write_text("CREATE TABLE t (y int);\n")
    [r] = check(settings, names=["migrations"]).results
    assert r.status == "fail" and "1 changed: V1__init.sql" in r.message


@pytest.mark.parametrize("command", [["check"], ["wait"], ["bench"], ["bench", "redis"]])
def test_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--help"]) == 0
    assert "Usage:" in capsys.readouterr().out


def test_env_task_reads_the_engine_environ(project: Path) -> None:
    from pitstop.checks import tasks

    _write(project, '[checks.env]\nrequired_env = ["APP_SECRET"]\n')
    settings = load_settings(project, env={})

    def ctx(environ: dict[str, str]) -> TaskContext:
        return TaskContext(name="check-env", settings=settings, run_id="r1",
                           log=logging.LoggerAdapter(logging.getLogger("pitstop.test")),
                           environ=environ)

    assert tasks.check_env_task(ctx({"APP_SECRET": "x", "PATH": "/usr/bin"})).exit_code == 0
    outcome = tasks.check_env_task(ctx({"PATH": "/usr/bin"}))
    assert outcome.exit_code == 1 and "APP_SECRET" in outcome.message


def test_verbose_report_errors_and_unwritable_state(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _write(project, "")
    assert main(["check", "env", "-v", "--no-record"]) == 0
    assert "    python: " in capsys.readouterr().out
    assert main(["check", "env", "--report", str(project / "no" / "dir" / "r.json")]) == 3
    assert "cannot write --report" in capsys.readouterr().err
    monkeypatch.setenv("PITSTOP_STATE_URL", "sqlite:////proc/pitstop-no-such-dir/state.db")
    assert main(["check", "env"]) == 0
    assert "warning: health checks not stored" in capsys.readouterr().err


def test_check_workflow_through_the_engine(project: Path, pg_url: str, closed_port: int) -> None:
    from pitstop.engine import run
    from pitstop.registry import tasks as builtin_tasks

    _write(project, f'database_url = "{pg_url}"\n'
                    '[checks.env]\nrequired_env = ["APP_SECRET"]\n'
                    f'[checks.tcp.down]\naddress = "127.0.0.1:{closed_port}"\n'
                    '[workflows]\ndeploy = ["wait-database", ["check-env", "check-database"]]\n')
    settings = load_settings(project, env={})
    result = run(settings, "deploy", builtin_tasks(), environ={"APP_SECRET": "x"})
    assert result.status == "success", result
    with StateStore.open(settings.state.url) as store:
        record = store.get_run(result.run_id)
        stored = {r.name: r for r in store.latest_health_checks()}
    assert record is not None
    tasks = {t.task: t for t in record.tasks}
    assert tasks["check-database"].data["checks"] == {"database": "pass"}
    assert stored["env"].run_id == result.run_id
    result = run(settings, "check", builtin_tasks(), environ={"APP_SECRET": "x"})
    assert result.status == "failed"
    with StateStore.open(settings.state.url) as store:
        record = store.get_run(result.run_id)
    assert record is not None and record.exit_code == 4


def test_check_and_wait_from_the_cli_are_in_the_history(
        project: Path, sqlite_url: str, closed_port: int,
        capsys: pytest.CaptureFixture[str]) -> None:
    _write(project, f'database_url = "{sqlite_url}"\n')
    assert main(["check", "env", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert main(["check", "env", "--no-record"]) == 0  # neither a run nor a result
    capsys.readouterr()
    assert main(["wait", f"127.0.0.1:{closed_port}", "--timeout", "0.5", "--interval", "0.2",
                 "--json"]) == 4
    waited = json.loads(capsys.readouterr().out)
    assert waited["exit_code"] == 4 and waited["results"][0]["ready"] is False
    assert main(["history", "--json"]) == 0
    wait_run, check_run = json.loads(capsys.readouterr().out)["runs"]
    assert (check_run["target"], check_run["capability"], check_run["trigger"],
            check_run["exit_code"]) == ("checks check", "checks", "cli", 0)
    assert check_run["options"] == {"names": ["env"], "strict": False, "save": True}
    [result] = check_run["result"]["results"]
    assert result["name"] == "env" and result["status"] == printed["status"] == "pass"
    assert check_run["result"]["counts"] == {"pass": 1, "warn": 0, "fail": 0}
    assert (wait_run["target"], wait_run["exit_code"], wait_run["status"]) == (
        "checks wait", 4, "failed")
    assert wait_run["result"] == waited
    # the health-check view reads the results stored with the recorded run
    assert main(["history", "checks", "env", "--json"]) == 0
    trend = json.loads(capsys.readouterr().out)["checks"]["env"]
    assert trend["results"] == 1 and trend["latest"]["status"] == "pass"
    assert trend["latest"]["run_id"] == check_run["id"]
