"""Finding the project's interpreter: the precedence, the reasons given, and what is an
error rather than a fall-through."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pitstop.project_python import InterpreterError, find_interpreter, interpreter_for
from pitstop.registry import load_settings


def make_venv(where: Path, *, only_python3: bool = False) -> Path:
    """A real, empty virtualenv (``python -m venv --without-pip``)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    if only_python3:
        (where / "bin" / "python").unlink()
    return where


def test_precedence_config_then_virtual_env_then_project_venvs_then_own(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    own = find_interpreter(project)
    assert own.source == "pitstop" and own.path == Path(sys.executable)
    assert own.reason == (f"pitstop's own interpreter: no [project] python, $VIRTUAL_ENV unset, "
                          f"no .venv or venv in {project}")

    make_venv(project / "venv")
    found = find_interpreter(project)
    assert (found.source, found.path) == ("project_venv", project / "venv" / "bin" / "python")
    assert found.reason == f"venv in {project}" and found.venv_dir == project / "venv"

    make_venv(project / ".venv")  # .venv wins over venv
    assert find_interpreter(project).path == project / ".venv" / "bin" / "python"

    active = make_venv(tmp_path / "active")
    found = find_interpreter(project, virtual_env=active)
    assert (found.source, found.reason) == ("virtual_env", f"$VIRTUAL_ENV {active}")

    other = make_venv(tmp_path / "configured")
    for value in (other, other / "bin" / "python", Path("../configured")):
        found = find_interpreter(project, configured=value, virtual_env=active)
        assert found.source == "config" and found.reason == "[project] python"
        assert found.path.parent.parent.resolve() == other.resolve()


def test_python3_only_and_stale_virtual_env(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    make_venv(project / ".venv", only_python3=True)
    found = find_interpreter(project, virtual_env=tmp_path / "deleted-since-activation")
    assert found.path == project / ".venv" / "bin" / "python3"
    assert found.skipped == (f"$VIRTUAL_ENV {tmp_path / 'deleted-since-activation'} does not "
                             "exist",)


def test_what_is_named_and_broken_is_exit_2(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    with pytest.raises(InterpreterError, match=r"\[project\] python: .*gone does not exist"):
        find_interpreter(project, configured=Path("gone"))
    (tmp_path / "notavenv").mkdir()
    with pytest.raises(InterpreterError, match="is a directory but not a virtualenv"):
        find_interpreter(project, configured=tmp_path / "notavenv")
    with pytest.raises(InterpreterError, match=r"\$VIRTUAL_ENV .*notavenv: no bin/python"):
        find_interpreter(project, virtual_env=tmp_path / "notavenv")
    # a .venv made from a Python that was removed since: broken links, not a silent fallback
    venv = project / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /nowhere\n")
    (venv / "bin" / "python").symlink_to("/nowhere/python3.99")
    with pytest.raises(InterpreterError, match=r"broken link to /nowhere/python3\.99") as info:
        find_interpreter(project)
    assert info.value.exit_code == 2 and "python -m venv --clear" in (info.value.hint or "")


def test_settings_give_project_python_and_virtual_env(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    active = make_venv(tmp_path / "active")
    settings = load_settings(project, env={"VIRTUAL_ENV": str(active)})
    assert settings.environ["VIRTUAL_ENV"] == str(active)
    assert interpreter_for(settings).source == "virtual_env"
    make_venv(project / "py")
    (project / "pitstop.toml").write_text('[project]\npython = "py"\n')
    settings = load_settings(project, env={"VIRTUAL_ENV": str(active)})
    found = interpreter_for(settings)
    assert (found.source, found.path) == ("config", project / "py" / "bin" / "python")


def test_config_show_says_which_interpreter_and_why(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from pitstop.cli.main import main

    project = tmp_path / "project"
    project.mkdir()
    make_venv(project / ".venv")
    monkeypatch.chdir(project)
    assert main(["config", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["settings"]
    assert shown["project.interpreter"] == {"value": str(project / ".venv" / "bin" / "python"),
                                            "origin": f".venv in {project}"}
    (project / "pitstop.toml").write_text('[project]\npython = "nowhere"\n')
    assert main(["config", "show", "--json"]) == 0  # showing settings never fails on it
    shown = json.loads(capsys.readouterr().out)["settings"]
    assert shown["project.python"]["value"] == str(project / "nowhere")
    assert "does not exist" in shown["project.interpreter"]["origin"]
