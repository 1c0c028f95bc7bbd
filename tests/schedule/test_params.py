"""Workflow parameters: declarations, `run --param`, use in commands and environments,
exit 3 for anything wrong, secrets masked and never stored."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pitstop import engine
from pitstop.cli.main import main
from pitstop.errors import ConfigError
from pitstop.registry import load_settings, tasks
from pitstop.state.store import StateStore

DEPLOY = """
[tasks.ship]
run = "echo shipping {{ params.version }} to $PITSTOP_PARAM_TARGET_ENV; echo token=$TOKEN"
env = { TOKEN = "{{ params.token }}" }
[tasks.argv]
run = ["python3", "-c", "import sys; print('argv', sys.argv[1:])", "{{ params.note }}"]

[workflows.deploy]
steps = ["ship", "argv"]
description = "Ship a release"
[workflows.deploy.params.version]
required = true
pattern = '\\d+\\.\\d+\\.\\d+'
description = "the release"
[workflows.deploy.params.target-env]
choices = ["staging", "production"]
default = "staging"
[workflows.deploy.params.replicas]
type = "integer"
default = 2
[workflows.deploy.params.canary]
type = "boolean"
default = false
[workflows.deploy.params.note]
default = "a b; rm -rf /"
[workflows.deploy.params.token]
secret = true
"""


def settings(project: Path, text: str = DEPLOY):  # type: ignore[no-untyped-def]
    (project / "pitstop.toml").write_text(text, encoding="utf-8")
    return load_settings(project, env={})


def cli(*args: str) -> int:
    return main(list(args))


def test_values_reach_commands_quoted_and_environments_raw(project: Path) -> None:
    s = settings(project)
    result = engine.run(s, "deploy", tasks(), environ=dict(os.environ),
                        params={"version": "1.2.3", "target-env": "production",
                                "token": "s3cr3t-token-value"})
    assert result.status == "success", result.error
    ship = Path(result.tasks[0].log_path or "").read_text()
    assert "shipping 1.2.3 to production" in ship
    argv = Path(result.tasks[1].log_path or "").read_text()
    # an argv item gets the value as one argument, whatever it holds
    assert "argv ['a b; rm -rf /']" in argv


def test_shell_commands_get_values_quoted(project: Path) -> None:
    s = settings(project, """
[tasks.say]
run = "printf '%s|' {{ params.msg }}"
[tasks.say.params.msg]
default = "x"
""")
    result = engine.run(s, "say", tasks(), params={"msg": "two words; echo injected"})
    log = Path(result.tasks[0].log_path or "").read_text()
    assert "two words; echo injected|" in log and "\ninjected" not in log


def test_defaults_types_and_bad_values_are_exit_3(project: Path) -> None:
    s = settings(project)
    bound = engine.plan(s, "deploy", tasks(), {"version": "1.0.0", "canary": "YES",
                                                "replicas": "+5"}).params
    assert bound is not None
    assert bound.values["canary"] == "true" and bound.values["replicas"] == "5"
    assert bound.values["target-env"] == "staging"
    assert bound.environ()["PITSTOP_PARAM_TARGET_ENV"] == "staging"
    cases = [
        ({}, "required"),
        ({"version": "1.2"}, "does not match"),
        ({"version": "1.2.3", "target-env": "prod"}, "expected one of staging, production"),
        ({"version": "1.2.3", "replicas": "two"}, "expected an integer"),
        ({"version": "1.2.3", "canary": "maybe"}, "expected true or false"),
        ({"version": "1.2.3", "verison": "1"}, "unknown parameter 'verison'"),
    ]
    for given, words in cases:
        with pytest.raises(ConfigError, match=words) as info:
            engine.plan(s, "deploy", tasks(), given)
        assert info.value.exit_code == 3


def test_declarations_are_checked_when_loading(project: Path) -> None:
    bad = [
        ("[workflows.w]\nsteps = ['t']\nparams = { x = { choices = ['a'], pattern = 'a' } }",
         "choices or a pattern"),
        ("[workflows.w]\nsteps = ['t']\nparams = { x = { required = true, default = 'a' } }",
         "never missing"),
        ("[workflows.w]\nsteps = ['t']\nparams = { x = { type = 'integer', default = 'a' } }",
         "workflows.w.params.x.default"),
        ("[workflows.w]\nsteps = ['t']\nparams = { 'a b' = {} }", "not a parameter name"),
        ("[workflows.w]\nsteps = ['t']\nparams = { x = { pattern = '(' } }",
         "not a valid regular expression"),
        ("[workflows.w]\nstep = ['t']", "unknown key 'step'"),
    ]
    for text, words in bad:
        with pytest.raises(ConfigError, match=words):
            settings(project, "[tasks.t]\nrun = 'true'\n" + text)


def test_placeholder_not_declared_is_a_config_error(project: Path) -> None:
    s = settings(project, """
[tasks.t]
run = "echo {{ params.versoin }}"
[workflows.w]
steps = ["t"]
params = { version = {} }
""")
    with pytest.raises(ConfigError, match=r"tasks\.t\.run.*params\.versoin.*declares no"):
        engine.plan(s, "w", tasks())


def test_other_braces_are_left_alone(project: Path) -> None:
    s = settings(project, "[tasks.t]\nrun = \"echo '{{.State}}' {{ params }}\"\n")
    p = engine.plan(s, "t", tasks(), {})
    assert p.tasks["t"].spec.run == "echo '{{.State}}' {{ params }}"


def test_cli_param_flag_and_exit_3(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings(project)
    assert cli("run", "deploy", "--param", "version=2.0.0", "-p", "canary=true",
               "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "success"
    assert cli("run", "deploy", "--param", "version") == 3
    assert "expected NAME=VALUE" in capsys.readouterr().err
    assert cli("run", "deploy", "--param", "nope=1", "--param", "version=1.0.0") == 3
    assert "unknown parameter 'nope'" in capsys.readouterr().err
    assert cli("run", "deploy") == 3
    assert "required" in capsys.readouterr().err
    assert cli("run", "deploy", "-p", "version=1.0.0", "--dry-run", "--json") == 10
    plan = json.loads(capsys.readouterr().out)
    assert plan["params"]["version"] == "1.0.0" and plan["params"]["target-env"] == "staging"
    assert plan["steps"][0][0]["command"].startswith("echo shipping 1.0.0 to")


def test_task_without_declarations_refuses_params(project: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    settings(project, "[tasks.t]\nrun = 'true'\n")
    assert cli("run", "t", "-p", "x=1") == 3
    assert "declares no parameters" in capsys.readouterr().err


def test_secret_is_masked_in_logs_and_never_stored(project: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    secret = "tok-7f3a9c2e51"
    settings(project)
    assert cli("run", "deploy", "-p", "version=1.2.3", "-p", f"token={secret}", "--json") == 0
    out = capsys.readouterr()
    assert secret not in out.out + out.err
    run = json.loads(out.out)
    log = Path(run["tasks"][0]["log"]).read_text()
    assert "token=***" in log and secret not in log
    state = project / ".pitstop"
    for path in state.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    with StateStore.open(f"sqlite:///{state / 'state.db'}") as store:
        stored = store.get_run(run["id"])
    assert stored is not None
    assert stored.params["params"]["token"] == "***"
    assert stored.params["params"]["version"] == "1.2.3"


def test_tasks_lists_declarations_for_a_form(project: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    settings(project)
    assert cli("tasks", "--json") == 0
    details = json.loads(capsys.readouterr().out)["workflow_details"]["deploy"]
    assert details["description"] == "Ship a release"
    params = {p["name"]: p for p in details["params"]}
    assert params["version"]["required"] and params["version"]["pattern"]
    assert params["target-env"]["choices"] == ["staging", "production"]
    assert params["replicas"] == {"name": "replicas", "type": "integer", "default": "2",
                                  "required": False, "choices": [], "pattern": None,
                                  "secret": False, "description": ""}
    assert params["token"]["secret"]
    assert cli("tasks") == 0
    assert "version [target-env=staging|production] [replicas=2]" in capsys.readouterr().out
