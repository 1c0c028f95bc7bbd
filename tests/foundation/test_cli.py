"""The CLI layer: exit codes, help, init, config show, history, interrupts."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pitstop import __version__
from pitstop.cli.main import main

PITSTOP = [sys.executable, "-m", "pitstop"]


def cli(*args: str) -> int:
    return main(list(args))


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("--version") == 0
    assert capsys.readouterr().out.strip() == f"pitstop {__version__}"
    assert cli("--help") == 0
    out = capsys.readouterr().out
    for group in ("init", "config", "run", "history", "tasks", "db"):
        assert f"  {group} " in out


def test_bad_flags_and_unknown_command_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("--no-such-flag") == 3
    assert cli("frobnicate") == 3
    assert cli("run") == 3  # missing argument
    assert cli("run", "x", "--jobs", "zero") == 3
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


def test_init_writes_files_and_refuses_overwrite(project: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".gitignore").write_text("*.pyc")
    assert cli("init") == 0
    assert (project / "pitstop.toml").read_text().startswith("# pitstop configuration")
    assert (project / "migrations").is_dir()
    assert (project / ".gitignore").read_text() == "*.pyc\n.pitstop/\n"
    assert cli("init") == 3
    assert "--force" in capsys.readouterr().err
    assert cli("init", "--force") == 0
    assert (project / ".gitignore").read_text().count(".pitstop/") == 1
    assert cli("config", "show") == 0  # the template itself loads


def test_init_other_dir(tmp_path: Path) -> None:
    assert cli("init", str(tmp_path / "new")) == 0
    assert (tmp_path / "new" / "pitstop.toml").exists()


def test_config_show_json(project: Path, capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "pitstop.toml").write_text('environment = "ci"\n')
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:topsecret@db:5432/app")
    assert cli("config", "show", "--json") == 0
    out = capsys.readouterr().out
    data = json.loads(out)["settings"]
    assert data["environment"] == {"value": "ci", "origin": f"file {project / 'pitstop.toml'}"}
    assert data["database_url"]["value"] == "postgresql://app:***@db:5432/app"
    assert "topsecret" not in out


def test_broken_config_exit_3_no_traceback(project: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text("[tasks.x]\nrun = 'true'\ntimeout = 'soon'\n")
    assert cli("config", "show") == 3
    err = capsys.readouterr().err
    assert "pitstop.toml: [tasks.x.timeout]" in err and "Traceback" not in err


def test_run_exit_codes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text("""
[tasks.ok]
run = "true"
[tasks.bad]
run = "exit 9"
[tasks.missing]
run = ["no-such-binary-here"]
[tasks.loop]
run = "true"
needs = ["loop2"]
[tasks.loop2]
run = "true"
needs = ["loop"]
""")
    assert cli("run", "ok") == 0
    assert cli("run", "bad") == 1
    assert cli("run", "missing") == 2
    assert cli("run", "loop") == 3
    assert cli("run", "ok", "--dry-run") == 10
    assert cli("run", "nope") == 3
    capsys.readouterr()
    assert cli("run", "bad", "--json") == 1
    data = json.loads(capsys.readouterr().out)
    assert data["tasks"][0]["command_exit_code"] == 9 and data["exit_code"] == 1


def test_dry_run_plan_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text(
        "[tasks.a]\nrun='echo a'\n[tasks.b]\nrun='echo b'\n[workflows]\nw=[['a','b'],'db-init']\n")
    assert cli("run", "w", "--dry-run", "--json") == 10
    plan = json.loads(capsys.readouterr().out)
    assert [[t["name"] for t in step] for step in plan["steps"]] == [["a", "b"], ["db-init"]]
    assert not (project / ".pitstop" / "state.db").exists()  # nothing ran, nothing recorded


def test_dry_run_from_env_or_file_runs_nothing(project: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "pitstop.toml").write_text("[tasks.a]\nrun = 'touch ran'\n")
    monkeypatch.setenv("DRY_RUN", "1")
    assert cli("run", "a") == 10
    assert "dry run" in capsys.readouterr().out
    monkeypatch.delenv("DRY_RUN")
    (project / "pitstop.toml").write_text("dry_run = true\n[tasks.a]\nrun = 'touch ran'\n")
    assert cli("run", "a", "--json") == 10
    assert json.loads(capsys.readouterr().out)["dry_run"] is True
    assert not (project / "ran").exists()
    assert not (project / ".pitstop" / "state.db").exists()  # nothing recorded


def test_history_lists_and_shows(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text("[tasks.a]\nrun='echo line-from-a'\n")
    assert cli("run", "a") == 0
    capsys.readouterr()
    assert cli("history", "--json") == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert runs[0]["target"] == "a" and runs[0]["status"] == "success"
    assert runs[0]["tasks"][0] | {"name": "a", "status": "success", "exit_code": 0,
                                  "attempts": 1} == runs[0]["tasks"][0]
    assert cli("history", "show", runs[0]["id"][:6]) == 0
    assert "line-from-a" in capsys.readouterr().out
    assert cli("history", "show", "ffffffff") == 3
    assert cli("history", "--status", "failed", "--json") == 0
    assert json.loads(capsys.readouterr().out) == {"runs": []}


def test_tasks_lists_builtins_and_workflows(project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text("[tasks.a]\nrun='true'\n[workflows]\nw=['a']\n")
    assert cli("tasks", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    names = {t["name"] for t in data["tasks"]}
    assert {"a", "db-init"} <= names and data["workflows"] == {"w": [["a"]]}


def test_db_init_sqlite_and_dry_run(project: Path) -> None:
    url = f"sqlite:///{project}/sub/x.db"
    assert cli("db", "init", "--database", url, "--dry-run") == 10
    assert not (project / "sub" / "x.db").exists()
    assert cli("db", "init", "--database", url) == 0
    assert (project / "sub" / "x.db").exists()
    assert cli("db", "init", "--database", "oracle://x") == 3


def test_db_init_postgres_and_mysql(pg_url: str, mysql_url: str) -> None:
    for url in (pg_url, mysql_url):
        base, name = url.rsplit("/", 1)
        new = f"{base}/{name}_new"
        try:
            assert cli("db", "init", "--database", new) == 0
            assert cli("db", "init", "--database", new, "--dry-run") == 10
        finally:
            import sqlalchemy

            from pitstop.db.url import create_engine, parse_url

            admin = parse_url(url)
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                quote = '"' if admin.dialect == "postgresql" else "`"
                force = " WITH (FORCE)" if admin.dialect == "postgresql" else ""
                conn.execute(sqlalchemy.text(
                    f"DROP DATABASE IF EXISTS {quote}{name}_new{quote}{force}"))
            engine.dispose()


def test_connection_error_exit_4(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("db", "init", "--database", "postgresql://u:pw@127.0.0.1:1/x") == 4
    err = capsys.readouterr().err
    assert "127.0.0.1:1" in err and ":pw@" not in err


def test_permission_error_exit_5(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlalchemy

    from pitstop.db.url import create_engine

    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(
            "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='pitstop_nocreate')"
            " THEN CREATE ROLE pitstop_nocreate LOGIN NOCREATEDB; END IF; END$$"))
    engine.dispose()
    url = "postgresql://pitstop_nocreate@127.0.0.1:5432/pitstop_never_created"
    assert cli("db", "init", "--database", url) == 5
    assert "CREATEDB" in capsys.readouterr().err


def test_missing_driver_exit_2(project: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    real = importlib.util.find_spec

    def fake(name: str, *args: object) -> object:
        return None if name == "pymysql" else real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", fake)
    assert cli("db", "init", "--database", "mysql://root@127.0.0.1/x") == 2
    assert "pitstop[mysql]" in capsys.readouterr().err


def _spawn(project: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR",)}
    return subprocess.Popen([*PITSTOP, *args], cwd=project, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(path: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never appeared")
        time.sleep(0.05)


def _history(project: Path) -> list[dict[str, object]]:
    out = subprocess.run([*PITSTOP, "history", "--json"], cwd=project, text=True,
                         capture_output=True, check=True).stdout
    runs: list[dict[str, object]] = json.loads(out)["runs"]
    return runs


def test_ctrl_c_stops_children_and_records_interrupted(project: Path) -> None:
    marker = project / "started"
    child_pid = project / "child.pid"
    (project / "pitstop.toml").write_text(f"""
[tasks.long]
run = "echo $$ > {child_pid}; touch {marker}; sleep 60"
""")
    proc = _spawn(project, "run", "long")
    _wait_for(marker)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    pid = int(child_pid.read_text())
    time.sleep(0.2)
    stat = Path(f"/proc/{pid}/stat")
    assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
    runs = _history(project)
    assert runs[0]["status"] == "interrupted" and runs[0]["exit_code"] == 130


def test_sigterm_is_handled_like_ctrl_c(project: Path) -> None:
    marker = project / "started"
    (project / "pitstop.toml").write_text(f"[tasks.long]\nrun = 'touch {marker}; sleep 60'\n")
    proc = _spawn(project, "run", "long")
    _wait_for(marker)
    proc.terminate()
    proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert _history(project)[0]["status"] == "interrupted"


def test_kill_9_then_sweep_marks_abandoned(project: Path) -> None:
    marker = project / "started"
    child_pid = project / "child.pid"
    (project / "pitstop.toml").write_text(
        f"[tasks.long]\nrun = 'echo $$ > {child_pid}; touch {marker}; sleep 60'\n")
    proc = _spawn(project, "run", "long")
    _wait_for(marker)
    proc.kill()
    proc.communicate(timeout=30)
    orphan = int(child_pid.read_text())
    assert _alive(orphan)  # the task outlived its runner...
    runs = _history(project)
    assert runs[0]["status"] == "abandoned"
    # the task in flight is listed, abandoned too, with its log
    assert [(t["name"], t["status"]) for t in runs[0]["tasks"]] == [("long", "abandoned")]
    assert runs[0]["tasks"][0]["log"].endswith("long.log")
    assert _alive(orphan)  # reading the history never kills anything...
    assert subprocess.run([*PITSTOP, "history", "sweep", "--kill"], cwd=project,
                          capture_output=True, timeout=60).returncode == 0
    deadline = time.monotonic() + 10
    while _alive(orphan) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(orphan)  # ...an explicit sweep --kill stops it


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_unexpected_error_writes_crash_report(project: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import pitstop.project

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(pitstop.project, "init_project", boom)
    assert cli("init") == 1
    err = capsys.readouterr().err
    assert "unexpected error: RuntimeError: kaboom" in err and "Traceback" not in err
    report = Path(err.split("full report in ")[1].split(";")[0].split("\n")[0].strip())
    assert "kaboom" in report.read_text()
    report.unlink()


def test_log_lines_text_and_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import re

    (project / "pitstop.toml").write_text(
        "[tasks.a]\nrun = 'echo hello; echo mysql://root:hunter2@db/x'\n")
    assert cli("run", "a") == 0
    err = capsys.readouterr().err.splitlines()
    pattern = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[INFO\] \[a\] hello$")
    assert any(pattern.match(line) for line in err), err
    assert all("hunter2" not in line for line in err)
    assert cli("--log-format", "json", "run", "a") == 0
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    output = [r for r in records if r.get("kind") == "output"]
    assert output[0]["message"] == "hello" and output[0]["task"] == "a"
    assert set(output[0]) >= {"ts", "level", "task", "run_id", "message"}
    assert output[0]["run_id"] and "***" in output[1]["message"]


def test_passwords_of_urls_from_the_file_are_masked_on_their_own(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text(
        'database_url = "postgresql://app:filepass42@127.0.0.1:1/app"\n'
        "[tasks.a]\nrun = 'echo pw=filepass42'\n[tasks.b]\nrun = 'echo pw=flagpass42'\n")
    assert cli("run", "a") == 0
    err = capsys.readouterr().err
    assert "pw=***" in err and "filepass42" not in err
    log = next((project / ".pitstop" / "logs").glob("*/a.log")).read_text()
    assert "filepass42" not in log
    assert cli("run", "b", "--database", "mysql://root:flagpass42@127.0.0.1:1/x") == 0
    err = capsys.readouterr().err
    assert "pw=***" in err and "flagpass42" not in err


def test_builtin_task_through_the_cli_logs_once(project: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text("[workflows]\nsetup = ['db-init']\n")
    assert cli("run", "setup") == 0
    err = capsys.readouterr().err
    assert err.count("created") == 1 and "Traceback" not in err


def test_unwritable_log_folder_is_an_error_not_a_crash(project: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text("[tasks.a]\nrun = 'true'\n")
    (project / ".pitstop").mkdir()
    (project / ".pitstop" / "logs").write_text("not a folder")
    assert cli("run", "a") == 1
    err = capsys.readouterr().err
    assert "cannot create the log folder" in err and "unexpected" not in err
    assert cli("history", "--json") == 0
    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert run["status"] == "failed" and "log folder" in run["error"]  # not left running


def test_state_store_folder_refused_is_exit_5(project: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path("/sys/kernel").is_dir():
        pytest.skip("needs Linux /sys")
    monkeypatch.setenv("PITSTOP_STATE_URL", "sqlite:////sys/pitstop-never/state.db")
    assert cli("history") == 5  # /sys refuses new directories, even to root
    assert "state store: cannot create the directory" in capsys.readouterr().err


def test_init_refuses_to_shadow_tool_pitstop(project: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.pitstop]\n'
                                            'environment = "ci"\n')
    assert cli("init") == 3
    err = capsys.readouterr().err
    assert "pyproject.toml" in err and "[tool.pitstop]" in err and "--force" in err
    assert not (project / "pitstop.toml").exists()
    assert cli("init", "--force") == 0
    assert (project / "pitstop.toml").exists()


def _run_in_a_terminal(project: Path, *args: str) -> tuple[int, str]:
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: pitstop with a terminal on stdin, stdout and stderr
        os.chdir(project)
        os.execv(sys.executable, [sys.executable, "-m", "pitstop", *args])
    chunks: list[bytes] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "replace")


def test_live_display_on_a_terminal_plain_lines_when_piped(project: Path) -> None:
    (project / "pitstop.toml").write_text(
        "[tasks.slow]\nrun = 'echo begin; sleep 1.6; echo end'\n"
        "[tasks.fast]\nrun = 'echo quick'\n[workflows]\nw = [['slow', 'fast']]\n")
    code, screen = _run_in_a_terminal(project, "run", "w")
    assert code == 0, screen
    assert "running: slow (1s)" in screen  # the live line counts while the task runs
    assert "[INFO] [slow] end" in screen and "\x1b[" in screen
    piped = subprocess.run([*PITSTOP, "run", "w"], cwd=project, capture_output=True, text=True)
    assert piped.returncode == 0
    assert "[INFO] [fast] quick" in piped.stderr
    assert "running:" not in piped.stderr and "\x1b[" not in piped.stderr + piped.stdout


def test_json_logs_keep_stderr_one_object_per_line(project: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "pitstop.toml").write_text("[tasks.bad]\nrun = 'exit 4'\n[metrics]\n"
                                          "textfile = '/proc/no-such-dir/m.prom'\n")
    assert cli("--log-format", "json", "run", "bad") == 1  # task lines and the metrics warning
    assert cli("--log-format", "json", "run", "nope") == 3
    assert cli("--log-format", "json", "init") == 3
    (project / "pitstop.toml").write_text("bogus = 1\n")
    monkeypatch.setenv("PITSTOP_LOG_FORMAT", "json")
    assert cli("config", "show") == 3  # even when the config cannot be loaded
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    errors = [r for r in records if r["level"] == "ERROR" and r["task"] is None]
    assert [e["message"].split(" ")[0] for e in errors[:1]] == ["no"]
    assert errors[1]["hint"].startswith("use --force") and "unknown key 'bogus'" in errors[2]["message"]
    assert any("cannot write metrics file" in r["message"] for r in records)
    monkeypatch.delenv("PITSTOP_LOG_FORMAT")
    assert cli("run", "nope") == 3
    assert capsys.readouterr().err.startswith("error: ")  # text again without the flag


def test_init_where_nothing_can_be_written(capsys: pytest.CaptureFixture[str]) -> None:
    if not Path("/proc/1").is_dir():
        pytest.skip("needs Linux /proc")
    assert cli("init", "/proc/1/pitstop-never") == 1  # /proc takes no new folders
    err = capsys.readouterr().err
    assert "cannot write in /proc/1/pitstop-never" in err and "unexpected" not in err


def test_timeout_kills_a_group_that_ignores_sigterm(project: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    pidfile = project / "stubborn.pid"
    (project / "pitstop.toml").write_text(
        "[tasks.stubborn]\n"
        f"run = \"sh -c 'trap \\\"\\\" TERM; echo $$ > {pidfile}; sleep 60' & wait\"\n"
        "timeout = '0.5s'\n")
    started = time.monotonic()
    assert cli("run", "stubborn", "--json") == 1
    assert time.monotonic() - started < 15
    task = json.loads(capsys.readouterr().out)["tasks"][0]
    assert task["status"] == "timeout" and task["exit_code"] == 1
    time.sleep(0.2)
    assert not _alive(int(pidfile.read_text()))  # the group gets SIGKILL too


def test_a_state_file_that_is_not_a_database(project: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".pitstop").mkdir()
    (project / ".pitstop" / "state.db").write_text("not a database " * 100)
    assert cli("history") == 1  # not a connection error: no server is involved
    err = capsys.readouterr().err
    assert "is not an SQLite database" in err and "move it aside" in err


def test_run_json_matches_the_history_of_the_same_run(project: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pitstop.toml").write_text(
        "[tasks.ok]\nrun = 'true'\n[tasks.bad]\nrun = 'exit 3'\nneeds = ['ok']\n"
        "[workflows]\nw = ['ok', 'bad']\n")
    assert cli("run", "w", "--json") == 1
    ran = json.loads(capsys.readouterr().out)
    assert cli("history", "show", ran["id"], "--json") == 0
    stored = json.loads(capsys.readouterr().out)
    stored = stored["runs"][0] if "runs" in stored else stored
    for key in ("id", "target", "kind", "status", "exit_code", "error"):
        assert ran[key] == stored[key], key
    for key in ("started_at", "finished_at"):  # one clock reading, stored as a float
        gap = dt.datetime.fromisoformat(ran[key]) - dt.datetime.fromisoformat(stored[key])
        assert abs(gap.total_seconds()) < 0.001, key
    assert ran["error"] and ran["error"].startswith("bad: ")
    for mine, theirs in zip(ran["tasks"], stored["tasks"], strict=True):
        for key in ("name", "status", "exit_code", "command_exit_code", "attempts", "error"):
            assert mine[key] == theirs[key], (mine["name"], key)
    assert [t["error"] is None for t in ran["tasks"]] == [True, False]


def test_duration_flags_take_units_like_the_config(project: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (project / "migrations").mkdir(exist_ok=True)
    assert cli("migrate", "up", "--lock-timeout", "2s", "--wait", "1m") == 0
    assert cli("check", "env", "--timeout", "1.5s") == 0
    assert cli("wait", "tcp://127.0.0.1:1", "--timeout", "300ms", "--interval", "100ms") == 4
    capsys.readouterr()
    for flags in (["migrate", "up", "--lock-timeout", "soon"], ["wait", "--interval", "nan"],
                  ["check", "--timeout", "-1"]):
        assert cli(*flags) == 3, flags
        err = capsys.readouterr().err
        assert "duration" in err and "Traceback" not in err
