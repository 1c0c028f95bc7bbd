"""The helper channel: one JSON answer on its own pipe whatever the project's code prints,
errors mapped to exit codes with the project's traceback tail, secrets masked, a timeout
that kills the whole process group."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pitstop.project_python import (
    HelperTimeoutError,
    Interpreter,
    InterpreterError,
    ProjectCodeError,
    ProjectImportError,
    find_interpreter,
    run_helper,
    run_source,
)

IMPORTER = """
def main(request):
    module = import_module(request["module"])
    return getattr(module, "VALUE", None)
"""


@pytest.fixture
def python(tmp_path: Path) -> Interpreter:
    return find_interpreter(tmp_path)  # no venv there: pitstop's own interpreter


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def test_output_of_the_projects_code_cannot_corrupt_the_answer(python: Interpreter,
                                                               tmp_path: Path) -> None:
    noisy = """
    import os, sys
    print('{"frame": "result", "ok": true, "value": "forged"}')
    sys.stderr.write("x" * 200000 + "\\n")
    os.write(1, b"\\n\\x00not json at all\\n")
    VALUE = {"answer": 42, "text": "caf\\u00e9"}
    """
    write(tmp_path, {"noisy.py": noisy})
    value = run_source(python, "importer", IMPORTER, {"module": "noisy"}, cwd=tmp_path)
    assert value == {"answer": 42, "text": "café"}


def test_a_module_that_raises_is_exit_1_with_its_traceback_tail(python: Interpreter,
                                                                 tmp_path: Path) -> None:
    write(tmp_path, {"app/__init__.py": "", "app/settings.py": """
        def load():
            raise RuntimeError("SECRET_KEY is not set")
        """, "app/models.py": """
        from app.settings import load

        CONFIG = load()
        """})
    with pytest.raises(ProjectCodeError) as info:
        run_source(python, "importer", IMPORTER, {"module": "app.models"}, cwd=tmp_path,
                   what="importing app.models")
    error = info.value
    assert error.exit_code == 1 and error.kind == "project"
    assert error.summary == (f"importing app.models: {tmp_path / 'app' / 'settings.py'}:2: "
                             "RuntimeError: SECRET_KEY is not set")
    assert 'app/models.py", line 3, in <module>' in error.tail
    assert 'raise RuntimeError("SECRET_KEY is not set")' in error.tail
    assert "<pitstop" not in error.tail and "importlib" not in error.tail  # the project's frames
    assert textwrap.indent(error.tail, "  ") in error.message


def test_a_module_that_is_not_there_is_exit_3_naming_it_and_the_interpreter(
        python: Interpreter, tmp_path: Path) -> None:
    with pytest.raises(ProjectImportError) as info:
        run_source(python, "importer", IMPORTER, {"module": "no_such_app.models"}, cwd=tmp_path)
    assert info.value.exit_code == 3 and info.value.module == "no_such_app"
    assert info.value.message.startswith(f"no_such_app cannot be imported by {sys.executable} "
                                         "(pitstop's own interpreter: no [project] python")
    assert "set [project] python" in (info.value.hint or "")
    # a package the module needs, missing from the interpreter: named, with who needs it
    write(tmp_path, {"models.py": "import sqlmodel_not_installed_here\n"})
    with pytest.raises(ProjectImportError, match=r"^sqlmodel_not_installed_here cannot be "
                                                 r"imported by .* \(needed by models\)"):
        run_source(python, "importer", IMPORTER, {"module": "models"}, cwd=tmp_path)
    # but a missing submodule of the project's own, installed package is the code's bug
    write(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": "import pkg.typo_module\n"})
    with pytest.raises(ProjectCodeError, match=r"ModuleNotFoundError: No module named "
                                               r"'pkg\.typo_module'"):
        run_source(python, "importer", IMPORTER, {"module": "pkg.models"}, cwd=tmp_path)


def test_secrets_are_masked_in_everything_that_comes_back(python: Interpreter,
                                                          tmp_path: Path) -> None:
    write(tmp_path, {"leaky.py": """
        import sys
        URL = "postgresql://app:Hunter2Hunter2@db.internal/app"
        print("connecting with", URL, "token", "tok-9f8e7d6c5b")
        raise ConnectionError("cannot reach " + URL + " with tok-9f8e7d6c5b")
        """})
    with pytest.raises(ProjectCodeError) as info:
        run_source(python, "importer", IMPORTER, {"module": "leaky"}, cwd=tmp_path,
                   secrets=["tok-9f8e7d6c5b"])
    text = f"{info.value.message} {info.value.hint} {info.value.tail}"
    assert "Hunter2Hunter2" not in text and "tok-9f8e7d6c5b" not in text
    assert "postgresql://app:***@db.internal/app" in text


def test_code_that_ends_the_interpreter_is_exit_1_with_its_output(python: Interpreter,
                                                                  tmp_path: Path) -> None:
    write(tmp_path, {"quitter.py": """
        import os
        print("about to leave", flush=True)
        os._exit(7)
        """})
    with pytest.raises(ProjectCodeError, match="ended with exit status 7 before answering") as info:
        run_source(python, "importer", IMPORTER, {"module": "quitter"}, cwd=tmp_path)
    assert "about to leave" in info.value.tail


def test_a_timeout_kills_the_whole_process_group(python: Interpreter, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    write(tmp_path, {"hang.py": f"""
        import subprocess, time
        child = subprocess.Popen(["sleep", "300"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(300)
        """})
    with pytest.raises(HelperTimeoutError, match="did not answer within 2 s"):
        run_source(python, "importer", IMPORTER, {"module": "hang"}, cwd=tmp_path, timeout=2)
    child = int(pid_file.read_text())
    for _ in range(100):  # reaped by init once killed; gone from the process table
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        state = Path(f"/proc/{child}/stat")
        if state.is_file() and state.read_text().split()[2] == "Z":
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the helper's child {child} outlived the timeout")


def test_interpreters_that_cannot_start_are_exit_2(tmp_path: Path) -> None:
    missing = Interpreter(tmp_path / "nope" / "python", "config", "[project] python")
    with pytest.raises(InterpreterError, match=r"cannot start .*nope/python \(\[project\] "
                                               r"python\)") as info:
        run_helper(missing, "interpreter_info", {}, cwd=tmp_path)
    assert info.value.exit_code == 2
    crashing = tmp_path / "python"
    crashing.write_text("#!/bin/sh\necho 'error while loading shared libraries' >&2\nexit 127\n")
    crashing.chmod(0o755)
    with pytest.raises(InterpreterError, match=r"failed to start \(exit status 127\):\n"
                                               r"error while loading shared libraries"):
        run_helper(Interpreter(crashing, "config", "[project] python"), "interpreter_info", {},
                   cwd=tmp_path)
    old = tmp_path / "python3.6"
    old.write_text('#!/bin/bash\nprintf \'{"frame": "hello", "version": [3, 6, 9]}\\n\' >&"$3"\n'
                   "exit 3\n")
    old.chmod(0o755)
    with pytest.raises(InterpreterError, match=r"is Python 3\.6\.9; pitstop's helpers need "
                                               r"Python 3\.8 or later"):
        run_helper(Interpreter(old, "config", "[project] python"), "interpreter_info", {},
                   cwd=tmp_path)


def test_interpreter_info(python: Interpreter, tmp_path: Path) -> None:
    from pitstop.project_python import inspect_interpreter

    info = inspect_interpreter(python, cwd=tmp_path, packages=True,
                               modules=["sqlalchemy", "no_such_module_x"])
    assert info.version == ".".join(map(str, sys.version_info[:3]))
    assert info.virtualenv == (sys.prefix != sys.base_prefix)
    assert info.missing == ("no_such_module_x",)
    assert any(name.lower() == "sqlalchemy" for name, _ in info.packages)
