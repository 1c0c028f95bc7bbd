"""``pitstop config validate`` rejects what later commands would fail on, and every
configuration error names the file and the dotted key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pitstop.backup.settings import BackupSettings
from pitstop.cli.main import main
from pitstop.errors import ConfigError
from pitstop.registry import load_settings


def cli(*args: str) -> int:
    return main(list(args))


def validate(project: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    (project / "pitstop.toml").write_text(text, encoding="utf-8")
    code = cli("config", "validate")
    return code, capsys.readouterr().err


def test_a_cycle_between_tasks_no_workflow_uses(project: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, err = validate(project, "[tasks.a]\nrun = 'true'\nneeds = ['b']\n"
                                  "[tasks.b]\nrun = 'true'\nneeds = ['a']\n", capsys)
    assert code == 3
    assert "pitstop.toml: [tasks." in err and "dependency cycle" in err


def test_an_unknown_need_of_an_unused_task(project: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, err = validate(project, "[tasks.a]\nrun = 'true'\nneeds = ['nope']\n", capsys)
    assert code == 3 and "[tasks.a.needs] unknown task 'nope'" in err


def test_a_task_and_a_workflow_with_one_name(project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    text = "[tasks.deploy]\nrun = 'true'\n[workflows]\ndeploy = ['migrate']\n"
    code, err = validate(project, text, capsys)
    assert code == 3 and "pitstop.toml: [workflows.deploy]" in err and "[tasks.deploy]" in err
    # and `run` no longer silently picks the workflow
    assert cli("run", "deploy", "--dry-run") == 3


def test_a_workflow_named_like_a_builtin_task(project: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, err = validate(project, "[workflows]\nmigrate = ['db-init']\n", capsys)
    assert code == 3 and "[workflows.migrate]" in err and "built-in" in err


@pytest.mark.parametrize(("text", "key"), [
    ("[backup]\nkeep_last = -3\n", "[backup.keep_last]"),
    ("[backup]\nkeep-daily = -2\n", "[backup.keep-daily]"),
    ("[backup]\nkeep_last = 0\nkeep_daily = 0\n", "[backup.keep_"),
    ("[snapshot]\nkeep_weekly = -5\n", "[snapshot.keep_weekly]"),
    ("[snapshot]\nkeep_within = 0\nkeep_last = 0\n", "[snapshot.keep_last]"),
])
def test_bad_retention_names_the_key_not_a_flag(project: Path, capsys: pytest.CaptureFixture[str],
                                                text: str, key: str) -> None:
    code, err = validate(project, text, capsys)
    assert code == 3 and key in err and "--keep" not in err
    # what `prune` says about the same file
    group = "snapshot" if text.startswith("[snapshot]") else "backup"
    assert cli(group, "prune", "--dry-run") == 3
    err = capsys.readouterr().err
    assert key in err and "--keep" not in err


def test_unlimited_retention_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").write_text("[backup]\nkeep_last = -1\nkeep_daily = 0\n")
    assert load_settings(tmp_path, env={}).section(BackupSettings).keep_last == -1


def test_post_init_errors_name_the_key_as_written(tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").write_text("[scan]\nmax-file-size = 0\n")
    with pytest.raises(ConfigError, match=r"\[scan\.max-file-size\] expected a size"):
        load_settings(tmp_path, env={})


def test_a_bad_state_url_names_state_url(project: Path,
                                         capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    code, err = validate(project, '[state]\nurl = "ftp://x"\n', capsys)
    assert code == 3 and "pitstop.toml: [state.url]" in err and "database_url" not in err
    assert cli("history") == 3
    err = capsys.readouterr().err
    assert "[state.url]" in err and "database_url" not in err
    (project / "pitstop.toml").write_text("")
    monkeypatch.setenv("PITSTOP_STATE_URL", "ftp://x")
    assert cli("config", "validate") == 3
    assert "PITSTOP_STATE_URL" in capsys.readouterr().err


def test_validate_checks_the_database_url_and_names_its_origin(
        project: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    code, err = validate(project, 'database_url = "ftp://x"\n', capsys)
    assert code == 3 and "pitstop.toml: [database_url]" in err
    (project / "pitstop.toml").write_text("")
    monkeypatch.setenv("DATABASE_URL", "oracle://u:topsecret@h/db")
    assert cli("config", "validate") == 3
    err = capsys.readouterr().err
    assert "DATABASE_URL" in err and "topsecret" not in err


def test_a_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").write_bytes(b'\xef\xbb\xbfenvironment = "bom"\n')
    assert load_settings(tmp_path, env={}).environment == "bom"
    (tmp_path / "pitstop.toml").unlink()
    (tmp_path / "pyproject.toml").write_bytes(
        b'\xef\xbb\xbf[project]\nname = "x"\n[tool.pitstop]\nenvironment = "bom2"\n')
    assert load_settings(tmp_path, env={}).environment == "bom2"


def test_a_directory_named_pitstop_toml_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").mkdir()
    sub = tmp_path / "sub"
    sub.mkdir()
    with pytest.raises(ConfigError, match="is a directory") as info:
        load_settings(sub, env={})
    assert str(tmp_path / "pitstop.toml") in str(info.value)


def test_a_dangling_pitstop_toml_link_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").symlink_to(tmp_path / "gone.toml")
    with pytest.raises(ConfigError, match=r"pitstop\.toml"):
        load_settings(tmp_path, env={})


def test_validate_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text("[tasks.a]\nrun = 'true'\n[workflows]\nw = ['a']\n")
    assert cli("config", "validate", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is True and data["config_file"] == str(project / "pitstop.toml")
    assert data["error"] is None and data["workflows"] == ["w"] and "a" in data["tasks"]
    (project / "pitstop.toml").write_text("[backup]\nkeep_last = -3\n")
    assert cli("config", "validate", "--json") == 3
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is False
    assert data["error"]["key"] == "backup.keep_last"
    assert data["error"]["file"] == str(project / "pitstop.toml")
    assert "keep_last" in data["error"]["message"] and data["error"]["exit_code"] == 3


def test_piped_config_show_is_not_padded(project: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    (project / "pitstop.toml").write_text(
        "[tasks.long]\nrun = '" + "x" * 200 + "'\nneeds = ['db-init']\n")
    assert cli("config", "show") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("key") and lines[0].index("origin") < 100
    assert all(line == line.rstrip() for line in lines)


SCHEDULED = """
[tasks.a]
run = "true"
[workflows.w]
steps = ["a"]
[workflows.w.params.n]
type = "integer"
[schedules.nightly]
workflow = "w"
cron = "0 3 * * *"
enabled = false
"""


@pytest.mark.parametrize(("change", "message"), [
    ('workflow = "w"', None),
    ('workflow = "nope"', "[schedules.nightly.workflow] schedule 'nightly': no workflow"),
    ('params = { n = "three" }', "[schedules.nightly.params] schedule 'nightly': parameter 'n'"),
    ('params = { m = "1" }', "[schedules.nightly.params] schedule 'nightly': "),
    ('timezone = "Mars/Olympus"', "[schedules.nightly.timezone]"),
])
def test_schedules_are_checked_disabled_ones_too(
        project: Path, capsys: pytest.CaptureFixture[str], change: str,
        message: str | None) -> None:
    text = SCHEDULED.replace('workflow = "w"', 'workflow = "w"\n' + change) \
        if not change.startswith("workflow") else SCHEDULED.replace('workflow = "w"', change)
    code, err = validate(project, text, capsys)
    if message is None:
        assert code == 0, err
    else:
        assert code == 3 and message in err, err


def test_a_schedule_parameter_from_an_unset_variable_is_a_warning(
        project: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PITSTOP_TEST_N", raising=False)
    text = SCHEDULED.replace('enabled = false', 'params = { n = "${PITSTOP_TEST_N}" }')
    code, err = validate(project, text, capsys)
    assert code == 0
    assert "[schedules.nightly.params.n] uses ${PITSTOP_TEST_N}, which is not set here" in err
    broken = text.replace('workflow = "w"', 'workflow = "gone"')
    code, err = validate(project, broken, capsys)
    assert code == 3 and "[schedules.nightly.workflow]" in err
    monkeypatch.setenv("PITSTOP_TEST_N", "4")
    (project / "pitstop.toml").write_text(text, encoding="utf-8")
    assert cli("config", "validate", "--json") == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []
