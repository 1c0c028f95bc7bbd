"""The ``db`` capability's verbs in the one shape: ``init`` and ``extensions
list/verify/deploy`` take the settings and return a Result whose ``to_dict()`` is what
``--json`` prints, the history keeps and the built-in tasks store; the CLI and the
tasks call the same verbs (so ``db extensions deploy`` and ``extensions-deploy`` agree);
the extensions live in ``[db.extensions]``."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

import pitstop.db as db
from pitstop import registry
from pitstop.capability import Result, TaskContext
from pitstop.cli.main import main


def _write(project: Path, text: str) -> None:
    (project / "pitstop.toml").write_text(text, encoding="utf-8")


def _history(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["history", "--json"]) == 0
    runs: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["runs"]
    return runs


def _task(project: Path, name: str, *, dry_run: bool = False) -> Any:
    settings = registry.load_settings(project, env={})
    log = logging.LoggerAdapter(logging.getLogger("pitstop.db"), {"task": name})
    return registry.tasks()[name].load()(TaskContext(
        name=name, settings=settings, run_id="r1", log=log, dry_run=dry_run))


def test_init_from_the_cli_is_recorded_with_its_result(project: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    target = tmp_path / "data" / "app.db"
    _write(project, f'database_url = "sqlite:///{target}"\n')
    assert main(["db", "init", "--dry-run", "--json"]) == 10
    dry = json.loads(capsys.readouterr().out)
    assert dry == {"database": f"sqlite:///{target}", "dialect": "sqlite", "created": True,
                   "dry_run": True}
    assert not target.exists()
    assert main(["db", "init", "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["created"] is True and target.is_file()
    real, planned = _history(capsys)
    for run in (real, planned):
        assert (run["target"], run["kind"], run["capability"], run["trigger"]) == (
            "db init", "verb", "db", "cli")
    assert (planned["exit_code"], planned["result"]) == (10, dry)
    assert (real["status"], real["exit_code"], real["result"]) == ("success", 0, done)


def test_the_db_init_task_calls_the_verb_as_a_child_of_the_workflow(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "app.db"
    _write(project, f'database_url = "sqlite:///{target}"\n[workflows]\nsetup = ["db-init"]\n')
    assert main(["run", "setup"]) == 0
    verb, workflow = _history(capsys)
    assert (workflow["kind"], workflow["target"]) == ("workflow", "setup")
    assert (verb["target"], verb["trigger"], verb["parent_id"]) == (
        "db init", "workflow", workflow["id"])
    assert verb["result"] == {"database": f"sqlite:///{target}", "dialect": "sqlite",
                              "created": True, "dry_run": False}
    outcome = _task(project, "db-init")
    assert dict(outcome.data) == db.init(registry.load_settings(project, env={})).to_dict()


@pytest.mark.postgres
def test_extensions_verbs_record_their_result_and_the_listing_does_not(
        project: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _write(project, f'database_url = "{pg_url}"\n'
                    '[db.extensions]\nrequired = ["pg_trgm>=1.0", "plpgsql"]\n')
    assert main(["db", "extensions", "verify", "--json"]) == 1
    verified = json.loads(capsys.readouterr().out)
    assert [(e["name"], e["state"]) for e in verified["extensions"]] == [
        ("pg_trgm", "missing"), ("plpgsql", "ok")]
    assert verified["ok"] is False and verified["changed"] == []
    assert main(["db", "extensions", "deploy", "--json"]) == 0
    deployed = json.loads(capsys.readouterr().out)
    assert deployed["changed"] == ["pg_trgm"] and deployed["ok"] is True
    assert main(["db", "extensions", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"pg_trgm", "plpgsql"} <= {e["name"] for e in listed["installed"]}
    assert [e["state"] for e in listed["required"]] == ["ok", "ok"]
    deploy_run, verify_run = _history(capsys)  # the listing is not recorded
    assert (verify_run["target"], verify_run["exit_code"]) == ("db extensions-verify", 1)
    assert verify_run["result"] == verified
    assert (deploy_run["target"], deploy_run["status"]) == ("db extensions-deploy", "success")
    assert deploy_run["result"] == deployed


@pytest.mark.postgres
@pytest.mark.parametrize("required, code, would", [
    (["pg_trgm", "plpgsql>=99"], 10, ["pg_trgm"]),     # an outdated one nothing can update
    (["pg_trgm", "no_such_ext"], 2, None),             # one the server does not ship
])
def test_deploy_and_its_task_agree_in_a_dry_run(project: Path, pg_url: str,
                                                capsys: pytest.CaptureFixture[str],
                                                required: list[str], code: int,
                                                would: list[str] | None) -> None:
    """``db extensions deploy --dry-run`` and the ``extensions-deploy`` task in a dry run
    list the same extensions (the task used to count ones the server does not ship as
    "would deploy", the command left them out): one verb plans both, as the real run
    does."""
    _write(project, f'database_url = "{pg_url}"\n'
                    f'[db.extensions]\nrequired = {json.dumps(required)}\n')
    assert main(["db", "extensions", "deploy", "--dry-run", "--json"]) == code
    printed = capsys.readouterr().out
    if would is None:
        from pitstop.errors import DependencyError

        with pytest.raises(DependencyError, match="does not ship no_such_ext"):
            _task(project, "extensions-deploy", dry_run=True)
        return
    outcome = _task(project, "extensions-deploy", dry_run=True)
    assert (outcome.status, outcome.exit_code) == ("dry-run", code)
    assert dict(outcome.data) == json.loads(printed)
    assert outcome.data["changed"] == would and outcome.data["dry_run"] is True
    assert main(["db", "extensions", "verify"]) == 1  # nothing was changed


@pytest.mark.postgres
def test_the_extensions_deploy_task_is_a_child_of_the_workflow(
        project: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _write(project, f'database_url = "{pg_url}"\n[db.extensions]\nrequired = ["pg_trgm"]\n'
                    '[workflows]\ndeploy = ["extensions-deploy"]\n')
    assert main(["run", "deploy"]) == 0
    verb, workflow = _history(capsys)
    assert (verb["target"], verb["trigger"], verb["parent_id"]) == (
        "db extensions-deploy", "workflow", workflow["id"])
    assert verb["result"]["changed"] == ["pg_trgm"]
    assert main(["history", "show", workflow["id"], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in shown["children"]] == [verb["id"]]


def test_results_are_results(project: Path, sqlite_url: str) -> None:
    _write(project, f'database_url = "{sqlite_url}"\n')
    settings = registry.load_settings(project, env={})
    result = db.init(settings, dry_run=True)
    assert isinstance(result, Result) and result.exit_code == 10
    nothing = db.deploy_extensions(settings)  # nothing required: nothing to do, on any database
    assert (nothing.extensions, nothing.exit_code) == ((), 0)
    assert db.verify_extensions(settings).exit_code == 0


# -- [db.extensions] and the older [checks.extensions] ------------------------------------
def test_extensions_are_read_from_db_and_still_from_checks_with_a_warning(
        project: Path, caplog: pytest.LogCaptureFixture) -> None:
    from pitstop.db.settings import extension_settings

    _write(project, '[db.extensions]\nrequired = ["pg_trgm"]\nschema = "ext"\n')
    own = extension_settings(registry.load_settings(project, env={}))
    assert (own.required, own.schema) == (("pg_trgm",), "ext")
    assert not caplog.records
    _write(project, '[checks.extensions]\nrequired = ["citext>=1.4"]\nschema = "old"\n'
                    'timeout = "3s"\n')
    old = extension_settings(registry.load_settings(project, env={}))
    assert (old.required, old.schema) == (("citext>=1.4",), "old")
    warned = [r.getMessage() for r in caplog.records]
    assert any("[checks.extensions] required is deprecated; move it to [db.extensions] "
               "required" in w for w in warned), warned
    caplog.clear()
    _write(project, '[db.extensions]\nrequired = ["pg_trgm"]\n'
                    '[checks.extensions]\nrequired = ["citext"]\nschema = "old"\n')
    both = extension_settings(registry.load_settings(project, env={}))
    assert (both.required, both.schema) == (("pg_trgm",), "old")
    assert any("[checks.extensions] required is ignored: [db.extensions] sets it"
               in r.getMessage() for r in caplog.records)


def test_a_bad_requirement_names_its_key(project: Path) -> None:
    from pitstop.errors import ConfigError

    _write(project, '[db.extensions]\nrequired = ["pg_trgm>>1"]\n')
    with pytest.raises(ConfigError, match=r"\[db\.extensions\.required\].*pg_trgm>>1"):
        registry.load_settings(project, env={})


@pytest.mark.postgres
def test_the_extensions_check_reads_db_extensions(project: Path, pg_url: str) -> None:
    from pitstop.checks import check

    _write(project, f'database_url = "{pg_url}"\n[db.extensions]\nrequired = ["pg_trgm"]\n')
    settings = registry.load_settings(project, env={})
    [r] = check(settings, names=["extensions"]).results
    assert r.status == "fail" and "pg_trgm is not installed" in r.message
    db.deploy_extensions(settings)
    [r] = check(settings).results[-1:]  # configured: it runs unasked
    assert (r.name, r.status) == ("extensions", "pass")


@pytest.mark.postgres
def test_a_password_in_the_url_never_reaches_the_output_or_the_history(
        project: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    secret = "s3cret-pw-77"
    url = pg_url.replace("postgresql://postgres@", f"postgresql://postgres:{secret}@")
    _write(project, '[db.extensions]\nrequired = ["plpgsql"]\n')
    assert main(["db", "init", "--database", url, "--json"]) == 0
    assert main(["db", "extensions", "verify", "--database", url, "--json"]) == 0
    out, err = capsys.readouterr()
    assert secret not in out + err and "***" in out
    _history(capsys)
    stored = b"".join(p.read_bytes() for p in (project / ".pitstop").rglob("*") if p.is_file())
    assert secret.encode() not in stored
