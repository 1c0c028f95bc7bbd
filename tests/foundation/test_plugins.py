"""Plugins: a real package with pitstop entry points, installed with pip into a venv of
its own, adds a capability (command, verb, history), a check kind and a scan report
format; a broken one is a warning naming it, never a failure of unrelated commands."""

from __future__ import annotations

import json
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PLUGIN = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "pitstop-hello"
        version = "0.3.0"

        [project.entry-points."pitstop.capabilities"]
        hello = "pitstop_hello.descriptor:CAPABILITY"
        broken = "pitstop_hello.missing:CAPABILITY"

        [project.entry-points."pitstop.checks"]
        always = "pitstop_hello.check"

        [project.entry-points."pitstop.reporters"]
        count = "pitstop_hello.report:render"

        [tool.setuptools]
        packages = ["pitstop_hello"]
    """,
    "pitstop_hello/__init__.py": "",
    "pitstop_hello/descriptor.py": """
        from pitstop.capability import Capability, Command, Verb

        CAPABILITY = Capability(
            name="hello", summary="Greets.", docs="https://example.invalid/hello",
            commands=(Command("hello", "pitstop_hello.cli:hello", "Say hello."),),
            verbs=(Verb("greet", "pitstop_hello.api:greet", "Greet someone."),),
        )
    """,
    "pitstop_hello/api.py": """
        import dataclasses

        from pitstop.capability import Result, recorded


        @dataclasses.dataclass(frozen=True)
        class Greeting(Result):
            text: str


        @recorded("hello", "greet")
        def greet(settings, *, progress=None, name="world"):
            \"\"\"Greet NAME.\"\"\"
            return Greeting(f"hello, {name}")
    """,
    "pitstop_hello/cli.py": """
        import click

        from pitstop.cli.common import AppContext, pass_app
        from pitstop.output import echo


        @click.command()
        @click.option("--name", default="world", help="Whom to greet.")
        @pass_app
        def hello(app: AppContext, name: str) -> int:
            \"\"\"Say hello.\"\"\"
            from pitstop_hello.api import greet

            echo(greet(app.settings(), name=name).text)
            return 0
    """,
    "pitstop_hello/check.py": """
        from pitstop.checks.base import FunctionCheck, Probe, register


        def _factory(env):
            return [FunctionCheck("always", "always", 1.0, lambda timeout: Probe("fine"))]


        register("always", _factory)
    """,
    "pitstop_hello/report.py": """
        def render(report, redact=True):
            return f"{len(report.findings)} finding(s)\\n"
    """,
}


@pytest.fixture(scope="module")
def plugin_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv of its own with pitstop (from this checkout's environment) and the plugin
    installed into it with pip."""
    root = tmp_path_factory.mktemp("plugin")
    source = root / "src"
    for name, text in PLUGIN.items():
        path = source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # pitstop and its dependencies come from this environment
    (Path(purelib) / "_pitstop_env.pth").write_text(
        "".join(f"import site; site.addsitedir({path!r})\n" for path in site.getsitepackages()))
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps",
                    "--disable-pip-version-check", str(source)], check=True,
                   capture_output=True)
    return python


def pitstop(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-m", "pitstop", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_plugins_are_listed_with_their_state(plugin_python: Path, project: Path) -> None:
    result = pitstop(plugin_python, project, "plugins", "--json")
    assert result.returncode == 1, result.stderr  # one of them is broken
    found = {(p["group"], p["name"]): p for p in json.loads(result.stdout)["plugins"]}
    assert found[("pitstop.capabilities", "hello")]["ok"] is True
    assert found[("pitstop.capabilities", "hello")]["distribution"] == "pitstop_hello"
    assert found[("pitstop.checks", "always")]["ok"] is True
    assert found[("pitstop.reporters", "count")]["ok"] is True
    broken = found[("pitstop.capabilities", "broken")]
    assert broken["ok"] is False and "pitstop_hello.missing" in broken["error"]


def test_a_plugin_capability_is_a_command_and_is_recorded(plugin_python: Path,
                                                          project: Path) -> None:
    (project / "pitstop.toml").write_text("")
    help_text = pitstop(plugin_python, project, "--help").stdout
    assert "hello" in help_text and "Say hello." in help_text
    result = pitstop(plugin_python, project, "hello", "--name", "ops")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello, ops\n"
    runs = json.loads(pitstop(plugin_python, project, "history", "--json").stdout)["runs"]
    assert runs[0]["target"] == "hello greet" and runs[0]["result"] == {"text": "hello, ops"}
    assert runs[0]["options"] == {"name": "ops"}


def test_a_plugin_report_format_is_a_scan_format(plugin_python: Path, project: Path) -> None:
    (project / "app.py").write_text("A = '" + "ghp_" + "x7Kq9vT4mZp2LwRb8NcY3dFh6JsA1eUg0iOk" + "'\n")
    result = pitstop(plugin_python, project, "scan", "secrets", ".", "--format", "count")
    assert result.returncode == 1, result.stderr  # a finding
    assert result.stdout == "1 finding(s)\n"
    unknown = pitstop(plugin_python, project, "scan", "secrets", ".", "--format", "nope")
    assert unknown.returncode == 3 and "count" in unknown.stderr


def test_a_plugin_check_kind_runs(plugin_python: Path, project: Path) -> None:
    result = pitstop(plugin_python, project, "check", "always", "--json")
    assert result.returncode == 0, result.stderr
    assert "fine" in result.stdout


def test_a_broken_plugin_never_breaks_other_commands(plugin_python: Path,
                                                     project: Path) -> None:
    (project / "migrations").mkdir()
    result = pitstop(plugin_python, project, "migrate", "status")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("plugin broken") == 1
    assert "pitstop_hello.missing" in result.stderr and "Traceback" not in result.stderr
